//! Path primitives shared by `.dockerignore` and COPY/ADD source resolution: lexical cleaning with the
//! rules of Go's `path/filepath.Clean` (Unix flavour) and a glob matcher with the syntax and semantics of
//! Go's `path/filepath.Match`, which both Docker's ignore patterns (for validation) and BuildKit's COPY
//! wildcards (for matching, one path component at a time) rely on.

use std::fmt;

/// Lexically cleans a `/`-separated path the way Go's `filepath.Clean` does on Unix:
/// repeated separators collapse, `.` elements disappear, `..` removes the preceding element (and is
/// dropped at the root of a rooted path), a trailing separator is removed, and an empty result is `.`.
pub fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for element in path.split('/') {
        match element {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Why a glob pattern is malformed (Go reports all of these as `filepath.ErrBadPattern`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlobError {
    /// A `\` with nothing after it.
    TrailingBackslash,
    /// A `[` without its closing `]`.
    UnclosedClass,
    /// A character class with no ranges, such as `[]` or `[^]`.
    EmptyClass,
    /// A range bound that is missing or is an unescaped `-` or `]`, such as `[-a]` or `[a-]`.
    BadRange,
}

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GlobError::TrailingBackslash => "a trailing `\\` escapes nothing",
            GlobError::UnclosedClass => "a `[` character class is never closed with `]`",
            GlobError::EmptyClass => "a `[]` character class must contain at least one character",
            GlobError::BadRange => {
                "a character class range is malformed (escape a literal `-` or `]` with `\\`)"
            }
        })
    }
}

impl std::error::Error for GlobError {}

/// One element of a parsed glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// A literal character (escapes already resolved).
    Literal(char),
    /// `?`: any single character except `/`.
    AnyChar,
    /// `*`: any run of characters except `/`.
    Star,
    /// `[...]`: inclusive ranges, optionally negated with a leading `^`.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Token {
    fn class_matches(negated: bool, ranges: &[(char, char)], c: char) -> bool {
        let hit = ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
        hit != negated
    }
}

/// Parses a character class body. `chars` is positioned just after the opening `[`; on success the
/// closing `]` has been consumed.
pub(crate) fn parse_class(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
) -> Result<Token, GlobError> {
    let negated = if chars.peek() == Some(&'^') {
        chars.next();
        true
    } else {
        false
    };
    let mut ranges = Vec::new();
    loop {
        match chars.peek() {
            None => return Err(GlobError::UnclosedClass),
            Some(']') if !ranges.is_empty() => {
                chars.next();
                return Ok(Token::Class { negated, ranges });
            }
            Some(']') => return Err(GlobError::EmptyClass),
            Some(_) => {}
        }
        let lo = class_char(chars)?;
        let hi = if chars.peek() == Some(&'-') {
            chars.next();
            class_char(chars)?
        } else {
            lo
        };
        ranges.push((lo, hi));
    }
}

/// One (possibly escaped) range bound inside a class.
fn class_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<char, GlobError> {
    match chars.next() {
        None => Err(GlobError::UnclosedClass),
        Some('-') | Some(']') => Err(GlobError::BadRange),
        Some('\\') => chars.next().ok_or(GlobError::UnclosedClass),
        Some(c) => Ok(c),
    }
}

/// Parses a whole glob with `filepath.Match` syntax. `/` is an ordinary literal here; callers that match
/// path components split on `/` first.
pub(crate) fn parse(pattern: &str) -> Result<Vec<Token>, GlobError> {
    let mut tokens = Vec::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        let token = match c {
            '*' => Token::Star,
            '?' => Token::AnyChar,
            '[' => parse_class(&mut chars)?,
            '\\' => Token::Literal(chars.next().ok_or(GlobError::TrailingBackslash)?),
            other => Token::Literal(other),
        };
        tokens.push(token);
    }
    Ok(tokens)
}

/// Checks that `pattern` is acceptable to Go's `filepath.Match` (what Docker uses to reject bad
/// `.dockerignore` lines).
pub fn validate(pattern: &str) -> Result<(), GlobError> {
    parse(pattern).map(|_| ())
}

/// Whether `pattern` uses any glob syntax (`*`, `?`, `[` or a `\` escape).
pub fn has_wildcards(pattern: &str) -> bool {
    pattern.contains(['*', '?', '[', '\\'])
}

/// A compiled glob for a single path component, with `filepath.Match` semantics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentGlob {
    tokens: Vec<Token>,
}

impl ComponentGlob {
    pub fn new(pattern: &str) -> Result<Self, GlobError> {
        Ok(ComponentGlob {
            tokens: parse(pattern)?,
        })
    }

    /// Matches one path component (a name without `/`). Iterative backtracking over the last `*`,
    /// linear in practice and never recursive.
    pub fn matches(&self, name: &str) -> bool {
        let text: Vec<char> = name.chars().collect();
        let toks = &self.tokens;
        let (mut t, mut p) = (0usize, 0usize);
        let mut backtrack: Option<(usize, usize)> = None;
        while t < text.len() {
            let c = text[t];
            let step = match toks.get(p) {
                Some(Token::Star) => {
                    backtrack = Some((p, t));
                    p += 1;
                    continue;
                }
                Some(Token::Literal(l)) => *l == c,
                Some(Token::AnyChar) => c != '/',
                Some(Token::Class { negated, ranges }) => Token::class_matches(*negated, ranges, c),
                None => false,
            };
            if step {
                t += 1;
                p += 1;
            } else if let Some((star_p, star_t)) = backtrack {
                // `*` never swallows a separator.
                if text[star_t] == '/' {
                    return false;
                }
                backtrack = Some((star_p, star_t + 1));
                p = star_p + 1;
                t = star_t + 1;
            } else {
                return false;
            }
        }
        toks[p.min(toks.len())..]
            .iter()
            .all(|tok| *tok == Token::Star)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        for (input, want) in [
            ("", "."),
            (".", "."),
            ("./", "."),
            ("a/../b", "b"),
            ("./foo", "foo"),
            ("foo/", "foo"),
            ("a//b///c", "a/b/c"),
            ("/", "/"),
            ("/..", "/"),
            ("/../a", "/a"),
            ("..", ".."),
            ("../../a", "../../a"),
            ("a/b/../../..", ".."),
            ("!/", "!"),
            ("**/", "**"),
        ] {
            assert_eq!(clean(input), want, "clean({input:?})");
        }
    }

    #[test]
    fn validate_matches_go_errors() {
        for ok in [
            "*", "a[bc]", "[^a]", "[a-z]", "[\\]]", "\\*", "a]b", "^x", "[!a]",
        ] {
            assert!(validate(ok).is_ok(), "{ok} should be valid");
        }
        for (bad, err) in [
            ("a\\", GlobError::TrailingBackslash),
            ("[", GlobError::UnclosedClass),
            ("[a", GlobError::UnclosedClass),
            ("[]", GlobError::EmptyClass),
            ("[]a]", GlobError::EmptyClass),
            ("[^]", GlobError::EmptyClass),
            ("[-a]", GlobError::BadRange),
            ("[a-]", GlobError::BadRange),
            ("[a\\", GlobError::UnclosedClass),
        ] {
            assert_eq!(validate(bad), Err(err), "{bad}");
        }
    }

    #[test]
    fn component_glob_semantics() {
        let m = |p: &str, s: &str| ComponentGlob::new(p).map(|g| g.matches(s)).unwrap_or(false);
        assert!(m("*.json", "package.json"));
        assert!(m("*.json", ".json"));
        assert!(!m("*.json", "package.json5"));
        assert!(m("*", ".env"));
        assert!(m("**", "abc"));
        assert!(m("?", "a"));
        assert!(!m("?", ""));
        assert!(!m("?", "ab"));
        assert!(m("[a-c]x", "bx"));
        assert!(!m("[^a-c]x", "bx"));
        assert!(m("[!a]", "!"));
        assert!(!m("[!a]", "b"));
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "a"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("*", ""));
        assert!(m("h\u{e9}*", "h\u{e9}llo"));
    }
}
