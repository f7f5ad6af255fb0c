//! `.dockerignore` with the semantics of BuildKit's ignore-file reader, `moby/patternmatcher` and the
//! `fsutil` context walker that applies them.
//!
//! Reading (per line, 1-based line numbers in diagnostics):
//! * a UTF-8 byte-order mark at the start of the file is dropped; `\r\n` line ends are accepted;
//! * a line whose **first character** is `#` is a comment. The check happens *before* trimming, so
//!   `  # note` is the pattern `# note` (reported as a warning);
//! * surrounding whitespace is trimmed and empty lines are skipped;
//! * a leading `!` marks an exception (re-include); whitespace after it is trimmed too;
//! * the pattern is cleaned like Go's `filepath.Clean` (`./foo` → `foo`, `a/../b` → `b`, `foo/` →
//!   `foo`) and one leading `/` is removed (`/foo` → `foo`);
//! * `!` alone, and patterns that Go's `filepath.Match` rejects (an unclosed `[`, `[]`, a trailing
//!   `\`…), are errors: Docker refuses to build. Here they are reported and skipped.
//!
//! Matching (paths are `/`-separated and relative to the context root):
//! * `*` matches any run of non-`/` characters, `?` one non-`/` character, `[...]` a class (`^`
//!   negates; `!` is an ordinary member), `\` escapes the next character;
//! * `**` matches any number of directories including none (`**/foo`, `foo/**`, `a/**/b`); a `/`
//!   right after `**` is absorbed into it;
//! * a pattern is anchored at the context root (`foo` does not match `a/foo`; write `**/foo`);
//! * a path is excluded if it **or one of its parent directories** matches, so `node_modules`
//!   excludes everything below it;
//! * patterns apply in order and the **last one that matches wins**: an exception after an exclusion
//!   re-includes, an exclusion after an exception excludes again.
//!
//! Two details of Docker's implementation are reproduced on purpose because they decide what is
//! actually sent:
//! * parent results are threaded through the walk (`MatchesUsingParentResults`): a pattern counts
//!   as matching a path if it matched the parent directory, or if it is evaluated for the path
//!   itself and matches it. A pattern is only evaluated when it could flip the current verdict. For
//!   `a`, `!a/b`, `a`, this means `a/b` is sent: the last `a` is skipped at `a` (already excluded) and
//!   does not match `a/b` itself;
//! * the optimised pattern kinds: a pattern that is a literal followed by a final `**` is a prefix
//!   test (`foo**` matches `foobar`), and a leading `**` followed only by literal text is a suffix test
//!   (`**.pem` matches `a/b.pem`).

use std::fmt;

use regex::Regex;

use super::glob::{self, GlobError};

/// How serious an ignore-file diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiagnosticLevel {
    /// The line is suspicious but Docker accepts it.
    Warning,
    /// Docker would refuse to build with this line; it is skipped here.
    Error,
}

/// A problem found while reading an ignore file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreDiagnostic {
    /// 1-based line number.
    pub line: usize,
    pub level: DiagnosticLevel,
    pub message: String,
}

impl fmt::Display for IgnoreDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            DiagnosticLevel::Warning => "warning",
            DiagnosticLevel::Error => "error",
        };
        write!(f, "line {}: {level}: {}", self.line, self.message)
    }
}

/// How a pattern is tested, mirroring the fast paths of Docker's matcher.
#[derive(Debug, Clone)]
enum Matcher {
    /// Literal pattern: the path must be equal to it.
    Exact(String),
    /// Literal text then a final `**`: the path must start with the text.
    Prefix(String),
    /// Leading `**` then literal text: the path must end with the text (or, when the text starts
    /// with `/`, be the text without that `/`).
    Suffix(String),
    /// Everything else.
    Regex(Regex),
}

impl Matcher {
    fn matches(&self, path: &str) -> bool {
        match self {
            Matcher::Exact(p) => path == p,
            Matcher::Prefix(p) => path.starts_with(p.as_str()),
            Matcher::Suffix(s) => {
                path.ends_with(s.as_str()) || s.strip_prefix('/').is_some_and(|rest| path == rest)
            }
            Matcher::Regex(re) => re.is_match(path),
        }
    }
}

/// One effective line of an ignore file.
#[derive(Debug, Clone)]
pub struct IgnorePattern {
    /// 1-based line number in the ignore file (0 for patterns given programmatically).
    pub line: usize,
    /// The cleaned pattern, without the `!`.
    pub pattern: String,
    /// `true` for `!pattern` (re-include).
    pub exception: bool,
    matcher: Matcher,
}

impl IgnorePattern {
    /// Whether this single pattern matches `path` itself (no parent-directory logic).
    pub fn matches(&self, path: &str) -> bool {
        self.matcher.matches(path)
    }
}

/// The per-pattern match results of a directory, passed down to its children while walking
/// (Docker's `MatchInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchState {
    matched: Vec<bool>,
}

/// A parsed `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    patterns: Vec<IgnorePattern>,
    /// Some pattern is an exception.
    has_exceptions: bool,
    /// Every exception is a plain path (BuildKit's `onlyPrefixExcludeExceptions`).
    only_prefix_exceptions: bool,
}

/// Characters whose presence in an exception disables BuildKit's "skip excluded directories"
/// optimisation (any glob syntax, including `\` escapes and `^`).
const GLOB_CHARS: [char; 6] = ['*', '[', ']', '?', '^', '\\'];

impl DockerIgnore {
    /// An ignore file with no patterns: nothing is excluded.
    pub fn empty() -> Self {
        DockerIgnore::default()
    }

    /// Parses the text of an ignore file. Never fails: bad lines become diagnostics and are skipped.
    pub fn parse(text: &str) -> (DockerIgnore, Vec<IgnoreDiagnostic>) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut patterns = Vec::new();
        let mut diagnostics = Vec::new();
        let mut saw_exclusion = false;
        for (index, raw) in text.split('\n').enumerate() {
            let line = index + 1;
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if raw.starts_with('#') {
                continue;
            }
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                continue;
            }
            if trimmed.starts_with('#') {
                diagnostics.push(IgnoreDiagnostic {
                    line,
                    level: DiagnosticLevel::Warning,
                    message: format!(
                        "`{trimmed}` is a pattern, not a comment: only a `#` in the first column \
                         starts a comment"
                    ),
                });
            }
            match compile_line(trimmed) {
                Ok(pattern) => {
                    if pattern.exception && !saw_exclusion {
                        diagnostics.push(IgnoreDiagnostic {
                            line,
                            level: DiagnosticLevel::Warning,
                            message: format!(
                                "exception `!{}` has no effect: no earlier pattern excludes anything",
                                pattern.pattern
                            ),
                        });
                    }
                    if pattern.pattern == ".." || pattern.pattern.starts_with("../") {
                        diagnostics.push(IgnoreDiagnostic {
                            line,
                            level: DiagnosticLevel::Warning,
                            message: format!(
                                "`{}` points outside the build context and never matches",
                                pattern.pattern
                            ),
                        });
                    }
                    saw_exclusion |= !pattern.exception;
                    patterns.push(IgnorePattern { line, ..pattern });
                }
                Err(message) => diagnostics.push(IgnoreDiagnostic {
                    line,
                    level: DiagnosticLevel::Error,
                    message,
                }),
            }
        }
        let has_exceptions = patterns.iter().any(|p| p.exception);
        let only_prefix_exceptions = patterns
            .iter()
            .filter(|p| p.exception)
            .all(|p| !without_trailing_glob(&p.pattern).contains(GLOB_CHARS));
        let ignore = DockerIgnore {
            patterns,
            has_exceptions,
            only_prefix_exceptions,
        };
        (ignore, diagnostics)
    }

    /// The effective patterns, in file order.
    pub fn patterns(&self) -> &[IgnorePattern] {
        &self.patterns
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether any pattern is an exception (`!…`).
    pub fn has_exceptions(&self) -> bool {
        self.has_exceptions
    }

    /// Whether Docker leaves `rel_path` out of the build context. `rel_path` is `/`-separated and
    /// relative to the context root (a leading `/` or `./` is tolerated). The context root itself is
    /// never excluded.
    ///
    /// This is the verdict of a full walk: the parent directories are evaluated first and their
    /// results threaded down, exactly as BuildKit does. It does not account for directories that a
    /// walk would skip; see [`DockerIgnore::may_reinclude_under`] and
    /// [`DockerIgnore::is_sent`] for that.
    pub fn is_excluded(&self, rel_path: &str) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        let path = normalize(rel_path);
        if path == "." || path == "/" {
            return false;
        }
        let mut state: Option<MatchState> = None;
        let mut excluded = false;
        for prefix in prefixes(&path) {
            let (ex, next) = self.match_with_parent(prefix, state.as_ref());
            excluded = ex;
            state = Some(next);
        }
        excluded
    }

    /// Whether a file at `rel_path` ends up in the context sent by BuildKit: not excluded, and not
    /// below an excluded directory that the walk skips (see [`DockerIgnore::may_reinclude_under`]).
    pub fn is_sent(&self, rel_path: &str) -> bool {
        if self.patterns.is_empty() {
            return true;
        }
        let path = normalize(rel_path);
        if path == "." || path == "/" {
            return true;
        }
        let all: Vec<&str> = prefixes(&path).collect();
        let mut state: Option<MatchState> = None;
        for (i, prefix) in all.iter().enumerate() {
            let (excluded, next) = self.match_with_parent(prefix, state.as_ref());
            let is_last = i + 1 == all.len();
            if is_last {
                return !excluded;
            }
            if excluded && !self.may_reinclude_under(prefix) {
                return false;
            }
            state = Some(next);
        }
        true
    }

    /// Evaluates one path given the [`MatchState`] of its parent directory (`None` for entries at the
    /// top of the context). Returns whether the path is excluded and the state to hand to its
    /// children. This is the incremental form used while walking; `path` must already be normalized.
    pub fn match_with_parent(&self, path: &str, parent: Option<&MatchState>) -> (bool, MatchState) {
        let parent = parent.filter(|s| s.matched.len() == self.patterns.len());
        let mut matched = false;
        let mut state = MatchState {
            matched: vec![false; self.patterns.len()],
        };
        for (i, pattern) in self.patterns.iter().enumerate() {
            let mut hit = parent.is_some_and(|s| s.matched.get(i).copied().unwrap_or(false));
            if !hit {
                // Only a pattern that could flip the verdict is evaluated.
                if pattern.exception != matched {
                    continue;
                }
                hit = pattern.matches(path);
                if !hit && parent.is_none() {
                    // Without parent results, test each ancestor directory directly.
                    hit = ancestors(path).any(|dir| pattern.matches(dir));
                }
            }
            if let Some(slot) = state.matched.get_mut(i) {
                *slot = hit;
            }
            if hit {
                matched = !pattern.exception;
            }
        }
        (matched, state)
    }

    /// Whether a walker must still descend into the excluded directory `rel_dir` because an exception
    /// might re-include something below it. Reproduces BuildKit: with no exceptions, never; if any
    /// exception uses glob syntax (after dropping a trailing `/**` or `/*`), always (the optimisation
    /// is off); otherwise only when an exception lies inside `rel_dir` (`!dir/keep.txt`).
    pub fn may_reinclude_under(&self, rel_dir: &str) -> bool {
        if !self.has_exceptions {
            return false;
        }
        if !self.only_prefix_exceptions {
            return true;
        }
        let dir = normalize(rel_dir);
        self.patterns.iter().filter(|p| p.exception).any(|p| {
            // `pattern + "/"` starts with `dir + "/"`.
            without_trailing_glob(&p.pattern)
                .strip_prefix(dir.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }
}

fn without_trailing_glob(pattern: &str) -> &str {
    let p = pattern.strip_suffix("/**").unwrap_or(pattern);
    p.strip_suffix("/*").unwrap_or(p)
}

/// Normalizes a caller-supplied relative path: cleaned, with one leading `/` removed.
pub(crate) fn normalize(rel_path: &str) -> String {
    let cleaned = glob::clean(rel_path);
    match cleaned.strip_prefix('/') {
        Some("") => ".".to_string(),
        Some(rest) => rest.to_string(),
        None => cleaned,
    }
}

/// `a`, `a/b`, `a/b/c` for `a/b/c`.
fn prefixes(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/')
        .map(move |(i, _)| &path[..i])
        .chain(std::iter::once(path))
}

/// The proper ancestor directories of `path`: `a`, `a/b` for `a/b/c`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(i, _)| &path[..i])
}

/// Reads one trimmed, non-comment line the way BuildKit's reader and Docker's matcher do.
fn compile_line(trimmed: &str) -> Result<IgnorePattern, String> {
    // Reader: split off `!`, clean, drop one leading `/`, put `!` back.
    let (invert, body) = match trimmed.strip_prefix('!') {
        Some(rest) => (true, rest.trim()),
        None => (false, trimmed),
    };
    let mut body = if body.is_empty() {
        String::new()
    } else {
        glob::clean(body)
    };
    if body.len() > 1 && body.starts_with('/') {
        body.remove(0);
    }
    let read = if invert { format!("!{body}") } else { body };

    // Matcher: trim, clean again, then split off `!`.
    let cleaned = glob::clean(read.trim());
    let (exception, pattern) = match cleaned.strip_prefix('!') {
        Some("") => return Err("illegal exclusion pattern: `!` needs a pattern after it".into()),
        Some(rest) => (true, rest.to_string()),
        None => (false, cleaned),
    };
    if let Err(e) = glob::validate(&pattern) {
        return Err(format!("invalid pattern `{pattern}`: {e}"));
    }
    let matcher =
        compile_matcher(&pattern).map_err(|e| format!("invalid pattern `{pattern}`: {e}"))?;
    Ok(IgnorePattern {
        line: 0,
        pattern,
        exception,
        matcher,
    })
}

/// Translates a validated pattern into a [`Matcher`], choosing the same kind Docker chooses.
fn compile_matcher(pattern: &str) -> Result<Matcher, String> {
    #[derive(PartialEq)]
    enum Kind {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let mut kind = Kind::Exact;
    let mut re = String::from("^");
    // Literal text seen before the first `**`, for the prefix fast path.
    let mut literal = String::new();
    let mut chars = pattern.chars().peekable();
    let mut first = true;
    while let Some(c) = chars.next() {
        let at_start = std::mem::replace(&mut first, false);
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                if chars.peek() == Some(&'/') {
                    chars.next();
                }
                if chars.peek().is_none() {
                    if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        re.push_str(".*");
                        kind = Kind::Regex;
                    }
                } else {
                    re.push_str("(.*/)?");
                    kind = Kind::Regex;
                }
                if at_start {
                    kind = Kind::Suffix;
                }
            }
            '*' => {
                re.push_str("[^/]*");
                kind = Kind::Regex;
            }
            '?' => {
                re.push_str("[^/]");
                kind = Kind::Regex;
            }
            '\\' => {
                // Validation guarantees a following character.
                if let Some(next) = chars.next() {
                    re.push_str(&regex::escape(&next.to_string()));
                    kind = Kind::Regex;
                }
            }
            '[' => {
                let token = glob::parse_class(&mut chars).map_err(|e: GlobError| e.to_string())?;
                if let glob::Token::Class { negated, ranges } = token {
                    re.push('[');
                    if negated {
                        re.push('^');
                    }
                    for (lo, hi) in ranges {
                        re.push_str(&regex::escape(&lo.to_string()));
                        if hi != lo {
                            re.push('-');
                            re.push_str(&regex::escape(&hi.to_string()));
                        }
                    }
                    re.push(']');
                }
                kind = Kind::Regex;
            }
            ']' => {
                re.push_str("\\]");
                kind = Kind::Regex;
            }
            other => {
                re.push_str(&regex::escape(&other.to_string()));
                if kind == Kind::Exact {
                    literal.push(other);
                }
            }
        }
    }
    Ok(match kind {
        Kind::Exact => Matcher::Exact(pattern.to_string()),
        Kind::Prefix => Matcher::Prefix(literal),
        Kind::Suffix => Matcher::Suffix(pattern.get(2..).unwrap_or_default().to_string()),
        Kind::Regex => {
            re.push('$');
            Matcher::Regex(Regex::new(&re).map_err(|e| e.to_string())?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(p: &str) -> &'static str {
        match compile_matcher(p) {
            Ok(Matcher::Exact(_)) => "exact",
            Ok(Matcher::Prefix(_)) => "prefix",
            Ok(Matcher::Suffix(_)) => "suffix",
            Ok(Matcher::Regex(_)) => "regex",
            Err(_) => "error",
        }
    }

    #[test]
    fn context_matcher_kinds_follow_docker() {
        assert_eq!(kind("foo/bar"), "exact");
        assert_eq!(kind("foo/**"), "prefix");
        assert_eq!(kind("foo**"), "prefix");
        assert_eq!(kind("**"), "suffix");
        assert_eq!(kind("**/foo"), "suffix");
        assert_eq!(kind("**/*.pem"), "regex");
        assert_eq!(kind("**/foo/**"), "regex");
        assert_eq!(kind("a/**/b"), "regex");
        assert_eq!(kind("*.md"), "regex");
        assert_eq!(kind("a\\b"), "regex");
        assert_eq!(kind("a]b"), "regex");
    }

    #[test]
    fn context_prefixes_and_ancestors() {
        assert_eq!(prefixes("a/b/c").collect::<Vec<_>>(), ["a", "a/b", "a/b/c"]);
        assert_eq!(prefixes("a").collect::<Vec<_>>(), ["a"]);
        assert_eq!(ancestors("a/b/c").collect::<Vec<_>>(), ["a", "a/b"]);
        assert!(ancestors("a").next().is_none());
    }

    #[test]
    fn context_normalize_paths() {
        assert_eq!(normalize("/foo"), "foo");
        assert_eq!(normalize("./foo/"), "foo");
        assert_eq!(normalize("/"), ".");
        assert_eq!(normalize(""), ".");
        assert_eq!(normalize("a/../b"), "b");
    }
}
