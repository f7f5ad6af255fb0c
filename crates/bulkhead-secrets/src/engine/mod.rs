//! The scanning engine.
//!
//! # How a text is scanned
//!
//! 1. **Keyword prefilter.** One ASCII case-insensitive Aho-Corasick automaton (a DFA, standard match
//!    semantics, every occurrence reported so that `secret` inside `client_secret` is still seen) holds
//!    every keyword of every rule; it is walked over four lanes at once (see `keywords.rs`), about
//!    twice the speed of a plain walk. A rule never runs unless one of its keywords occurs:
//!    [`Scope::Line`] rules only on the lines where one of *their* keywords occurs, [`Scope::Text`]
//!    rules on the whole text once one of their keywords occurs anywhere.
//! 2. **Candidate units.** Keyword hits are grouped by line as they stream out of the automaton; each
//!    line runs each of its candidate rules once however many hits it has (a per-line rule bitset).
//!    A line longer than [`ScanConfig::max_line_len`] (minified code, a 50 MB one-line file) is not
//!    scanned whole: each hit opens a window of [`ScanConfig::line_window`] bytes on each side,
//!    overlapping windows merge (up to [`MAX_WINDOW`]), and the rules run on the windows only, so work
//!    stays proportional to the hits, not to the line. The regex still sees the whole line as its
//!    haystack (only the search span is narrowed), so `^`, `$` and `\b` keep their line meaning.
//! 3. **Regex pass: per rule, not one multi-pattern regex.** Each rule has its own compiled
//!    `regex_automata::meta::Regex`, run on the candidate units of the rules that survived the
//!    prefilter. A single `new_many` regex over all patterns would report, at each position, only the
//!    leftmost-first pattern and so hide overlapping matches of other rules (a GitHub token inside a
//!    generic `password=` match), which the dedupe step needs to see to keep the more specific rule.
//!    Since the prefilter leaves only a few short candidate lines, running a few regexes per line costs
//!    little; the whole-text cost is the automaton pass (see the throughput benchmark in
//!    `bench/secrets_throughput.sh`). A pattern's `secret` capture group is the secret, else the whole
//!    match; capture slots are only computed once the lazy DFA has found a match.
//! 4. **Checks**, in order, on each candidate secret: the rule's `entropy` minimum (Shannon bits per
//!    char), the rule's `validate` function (checks no regex can make: base64 decoding, JSON
//!    headers), the rule's `allow` regexes, then the global allowlist ([`is_placeholder`]).
//! 5. **Dedupe.** When one match's secret range contains another's (equal ranges included) and the
//!    rules differ, only the more specific is kept. Specificity, compared in order:
//!    1. a provider-specific rule beats a generic one ([`crate::rules::is_generic`]: `password=`,
//!       `Authorization:`, credentials in a URL, a bare JWT), whatever their severities;
//!    2. a rule whose keyword occurs *inside* its secret (a self-identifying token format: `ghp_`,
//!       `AKIA`, `sk_live_`) beats one that only recognises the secret by its context (`password=`);
//!    3. higher severity;
//!    4. the longer keyword found in the match (`aws_secret_access_key` over `secret`);
//!    5. the narrower match range (less context needed);
//!    6. the lower rule id (deterministic).
//!
//! A match is dropped when some more specific match contains it or lies inside it.
//!
//! 6. **Inline suppressions.** Before dedupe, a match is dropped when the line its secret starts on
//!    carries a suppression marker, so a reviewed value can be kept with a comment on its own line:
//!    `pragma: allowlist secret` (detect-secrets), `gitleaks:allow` (gitleaks), `bulkhead:allow`,
//!    or `nosec` as a comment marker (`# nosec`, `// nosec G101`, `-- nosec`; not `nosecurity`,
//!    not `nosec` inside a value). Markers are matched ASCII case-insensitively; only the lines of
//!    matches are looked at, each once. A multi-line secret (a PEM block) is suppressed by a marker
//!    on its first line.
//!
//! Patterns are compiled with ASCII Perl classes: `\d`, `\w`, `\s` and `\b` mean their ASCII
//! versions, as in RE2 (see `pattern.rs`: Unicode `\w` makes a typical rule 100 times larger).
//!
//! Texts are scanned as bytes: invalid UTF-8 is scanned too (invalid bytes match no character class
//! and so act as separators), and ranges always index the bytes given. Lines and columns are 1-based;
//! columns count characters (UTF-8 sequences) from the line start. A trailing `\r` (CRLF) is not part
//! of a line.

mod allow;
mod keywords;
mod pattern;
mod tree;

pub use allow::{is_placeholder, is_test_path};
pub use tree::{TreeOptions, TreeReport, scan_tree};

use crate::rule::{Scope, SecretRule};
use bulkhead_core::Severity;
use bulkhead_core::text::{redact, shannon_entropy};
use keywords::Keywords;
use regex_automata::util::captures::Captures;
use regex_automata::{Input, PatternID, meta};
use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

/// The largest span a merged window of a long line grows to before a new window starts.
pub const MAX_WINDOW: usize = 256 * 1024;
/// How many leading bytes are checked for NUL to call a file binary.
pub const BINARY_SNIFF_LEN: usize = 8 * 1024;
/// Web assets (`.js`, `.css`, `.html`, ...) at least this large whose average line is at least
/// [`MINIFIED_AVG_LINE`] bytes are minified.
pub const MINIFIED_MIN_SIZE: usize = 4 * 1024;
/// See [`MINIFIED_MIN_SIZE`].
pub const MINIFIED_AVG_LINE: usize = 1024;

/// Engine settings.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Files larger than this are skipped with a note (default 10 MiB).
    pub max_file_size: u64,
    /// Scan minified files and source maps too (default false).
    pub include_minified: bool,
    /// Lines longer than this (bytes) are scanned only in windows around keyword hits (default 64 KiB).
    pub max_line_len: usize,
    /// Bytes scanned on each side of a keyword hit in a long line (default 4 KiB).
    pub line_window: usize,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            max_file_size: 10 * 1024 * 1024,
            include_minified: false,
            max_line_len: 64 * 1024,
            line_window: 4 * 1024,
        }
    }
}

/// One secret found in a text. Offsets index the scanned text (bytes). It never holds the secret
/// itself, only its range and a redacted form, so printing it (`Debug`) cannot leak the secret.
#[derive(Debug, Clone)]
pub struct SecretMatch {
    pub rule: &'static SecretRule,
    /// The secret itself.
    pub secret_range: Range<usize>,
    /// The whole match of the rule's pattern.
    pub match_range: Range<usize>,
    /// 1-based line and column (chars) of the secret.
    pub line: usize,
    pub column: usize,
    /// The secret, redacted (`ghp_****…(40 chars)`). The engine never hands out the full secret.
    pub redacted: String,
    /// The file is a test fixture or third-party code (`tests/`, `fixtures/`, `node_modules/`,
    /// `*_test.go`, `*.test.js`, ...): callers may lower the severity. Always false for
    /// [`Engine::scan_text`] and [`Engine::scan_value`], which have no path.
    pub in_test_path: bool,
    /// 1-based line and column (chars) just after the secret's last character.
    pub end_line: usize,
    pub end_column: usize,
}

impl SecretMatch {
    /// The secret's region for a finding.
    pub fn span(&self) -> bulkhead_core::Span {
        bulkhead_core::Span {
            start_line: self.line,
            start_column: self.column,
            end_line: self.end_line,
            end_column: self.end_column,
            byte_start: self.secret_range.start,
            byte_end: self.secret_range.end,
        }
    }
}

/// Why a file was not scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// A NUL byte in the first [`BINARY_SNIFF_LEN`] bytes.
    Binary,
    /// Larger than [`ScanConfig::max_file_size`].
    TooLarge { size: u64, limit: u64 },
    /// A minified file or source map (by name or by its long lines); see [`ScanConfig::include_minified`].
    Minified,
    /// Could not be read (not a regular file, permission denied, ...).
    Unreadable(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Binary => f.write_str("not scanned for secrets: binary content (NUL bytes)"),
            SkipReason::TooLarge { size, limit } => write!(
                f,
                "not scanned for secrets: {} exceeds the {} size limit",
                human_size(*size),
                human_size(*limit)
            ),
            SkipReason::Minified => f.write_str(
                "not scanned for secrets: minified code or source map (include minified files to scan it)",
            ),
            SkipReason::Unreadable(why) => write!(f, "not scanned for secrets: unreadable ({why})"),
        }
    }
}

fn human_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b >= KIB * KIB * KIB {
        format!("{:.1} GiB", b / (KIB * KIB * KIB))
    } else if b >= KIB * KIB {
        format!("{:.1} MiB", b / (KIB * KIB))
    } else if b >= KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// The result of scanning one file.
#[derive(Debug, Clone, Default)]
pub struct ScanOutcome {
    pub matches: Vec<SecretMatch>,
    pub skipped: Option<SkipReason>,
}

/// One rule, compiled.
struct Compiled {
    rule: &'static SecretRule,
    regex: meta::Regex,
    /// Index of the `secret` capture group, if the pattern has one.
    secret_group: Option<usize>,
    allow: Vec<meta::Regex>,
    /// Lower-cased keywords, for the dedupe priority.
    keywords: Vec<String>,
}

/// Which rules one keyword triggers.
#[derive(Clone)]
struct Targets {
    line: Bits,
    text: Bits,
}

/// A fixed-size bitset over rule indexes.
#[derive(Clone, Default)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }
    fn set(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }
    fn union(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= *b;
        }
    }
    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
    fn clear(&mut self) {
        self.0.iter_mut().for_each(|w| *w = 0);
    }
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(wi, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let bit = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(wi * 64 + bit)
            })
        })
    }
}

/// A match that passed the checks, before dedupe and positions.
#[derive(Debug, Clone)]
struct Raw {
    rule: usize,
    secret: Range<usize>,
    mat: Range<usize>,
}

/// The engine: rules compiled once, shared across threads.
pub struct Engine {
    pub config: ScanConfig,
    rules: Vec<Compiled>,
    keywords: Option<Keywords>,
    /// Per keyword pattern id: the rules it triggers.
    targets: Vec<Targets>,
    errors: Vec<(&'static str, String)>,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.config)
            .field("rules", &self.rules.len())
            .field("keywords", &self.targets.len())
            .field("errors", &self.errors)
            .finish()
    }
}

static GLOBAL: LazyLock<Engine> = LazyLock::new(|| Engine::new(ScanConfig::default()));

impl Engine {
    /// Compiles every rule of [`crate::rules::all`] once.
    pub fn new(config: ScanConfig) -> Engine {
        Engine::with_rules(config, crate::rules::all())
    }

    /// The default engine (default config, all rules), compiled on first use.
    pub fn global() -> &'static Engine {
        &GLOBAL
    }

    /// An engine over the given rules. A rule whose pattern or allow regex does not compile, or that
    /// has no usable keyword, is left out and listed by [`Engine::rule_errors`] (never a panic).
    pub fn with_rules(config: ScanConfig, rules: &'static [SecretRule]) -> Engine {
        // Compiling the regexes is most of the engine's start-up cost (about 0.1 s for the real
        // rules): the rules compile in parallel, and stay in their order.
        let results: Vec<Result<Compiled, String>> = {
            use rayon::prelude::*;
            rules.par_iter().map(compile_rule).collect()
        };
        let mut compiled = Vec::with_capacity(rules.len());
        let mut errors = Vec::new();
        for (rule, result) in rules.iter().zip(results) {
            match result {
                Ok(c) => compiled.push(c),
                Err(e) => errors.push((rule.id, e)),
            }
        }
        let n = compiled.len();
        // Keyword -> rules, keywords deduplicated.
        let mut words: Vec<String> = Vec::new();
        let mut targets: Vec<Targets> = Vec::new();
        for (i, c) in compiled.iter().enumerate() {
            for kw in &c.keywords {
                let at = match words.iter().position(|w| w == kw) {
                    Some(at) => at,
                    None => {
                        words.push(kw.clone());
                        targets.push(Targets {
                            line: Bits::new(n),
                            text: Bits::new(n),
                        });
                        words.len() - 1
                    }
                };
                if let Some(t) = targets.get_mut(at) {
                    match c.rule.scope {
                        Scope::Line => t.line.set(i),
                        Scope::Text => t.text.set(i),
                    }
                }
            }
        }
        let keywords = if words.is_empty() {
            None
        } else {
            match Keywords::new(&words) {
                Ok(k) => Some(k),
                Err(e) => {
                    errors.push(("*", format!("keyword automaton: {e}")));
                    None
                }
            }
        };
        Engine {
            config,
            rules: compiled,
            keywords,
            targets,
            errors,
        }
    }

    /// Rules left out because they could not be compiled: `(rule id, why)`.
    pub fn rule_errors(&self) -> &[(&'static str, String)] {
        &self.errors
    }

    /// Heap bytes held by the compiled rules and the keyword automaton (not counting the regex
    /// search caches, which grow per thread as the patterns run).
    pub fn memory_usage(&self) -> usize {
        let rules: usize = self
            .rules
            .iter()
            .map(|c| {
                c.regex.memory_usage()
                    + c.allow.iter().map(meta::Regex::memory_usage).sum::<usize>()
            })
            .sum();
        rules + self.keywords.as_ref().map_or(0, Keywords::memory_usage)
    }

    /// The rules this engine runs, in the order given.
    pub fn rules(&self) -> impl Iterator<Item = &'static SecretRule> + '_ {
        self.rules.iter().map(|c| c.rule)
    }

    /// Scans a text. Nothing is skipped: the caller chose the text.
    pub fn scan_text(&self, text: &str) -> Vec<SecretMatch> {
        self.scan(text.as_bytes(), false)
    }

    /// Scans one variable (Dockerfile `ENV`/`ARG`, compose `environment:`): `"{name}={value}"` is
    /// scanned as one text so rules keyed on the name (`password=`) see it, but only secrets inside
    /// the value are reported, with ranges, line and column relative to `value`. A `match_range` that
    /// began in the name is clipped to the start of the value.
    pub fn scan_value(&self, name: Option<&str>, value: &str) -> Vec<SecretMatch> {
        let Some(name) = name else {
            return self.scan_text(value);
        };
        let joined = format!("{name}={value}");
        let offset = name.len() + 1;
        let mut raws = self.select(joined.as_bytes(), self.scan_raw(joined.as_bytes()));
        raws.retain(|r| r.secret.start >= offset);
        for r in &mut raws {
            r.secret = r.secret.start - offset..r.secret.end - offset;
            r.mat = r.mat.start.saturating_sub(offset)..r.mat.end.saturating_sub(offset);
        }
        self.build(value.as_bytes(), raws, false)
    }

    /// Scans the content of a file. `path` (the path shown to users, `/`-separated) decides the
    /// minified-by-name skip and the [`SecretMatch::in_test_path`] flag. Skipped, with the reason:
    /// content larger than [`ScanConfig::max_file_size`], binary content (a NUL byte in the first
    /// 8 KiB), and (unless [`ScanConfig::include_minified`]) minified files: `*.min.js`, `*.min.css`,
    /// `*.map`, and web assets (`.js`, `.css`, `.html`, ...) of at least 4 KiB whose lines average
    /// 1 KiB or more. Invalid UTF-8 is scanned.
    pub fn scan_bytes(&self, path: &str, bytes: &[u8]) -> ScanOutcome {
        let size = bytes.len() as u64;
        if size > self.config.max_file_size {
            return skipped(SkipReason::TooLarge {
                size,
                limit: self.config.max_file_size,
            });
        }
        if is_binary(bytes) {
            return skipped(SkipReason::Binary);
        }
        if !self.config.include_minified
            && (is_minified_name(path) || (is_web_asset(path) && looks_minified(bytes)))
        {
            return skipped(SkipReason::Minified);
        }
        ScanOutcome {
            matches: self.scan(bytes, is_test_path(path)),
            skipped: None,
        }
    }

    /// Scans a file, reading at most [`ScanConfig::max_file_size`] bytes (+1 to notice a file that
    /// grew): memory stays bounded whatever the file. Binary files are recognised from their first
    /// 8 KiB without reading the rest; a file too large by its metadata, a minified file by name and
    /// anything but a regular file (FIFO, device) are not read at all. `display` is the path used for
    /// the name checks (see [`Engine::scan_bytes`]).
    pub fn scan_file(&self, path: &Path, display: &str) -> ScanOutcome {
        self.scan_file_counted(path, display).0
    }

    /// [`Engine::scan_file`], also returning how many bytes were scanned (0 when skipped).
    pub(crate) fn scan_file_counted(&self, path: &Path, display: &str) -> (ScanOutcome, u64) {
        let limit = self.config.max_file_size;
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => return (skipped(SkipReason::Unreadable(e.to_string())), 0),
        };
        if !meta.is_file() {
            return (
                skipped(SkipReason::Unreadable("not a regular file".into())),
                0,
            );
        }
        if meta.len() > limit {
            return (
                skipped(SkipReason::TooLarge {
                    size: meta.len(),
                    limit,
                }),
                0,
            );
        }
        if !self.config.include_minified && is_minified_name(display) {
            return (skipped(SkipReason::Minified), 0);
        }
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) => return (skipped(SkipReason::Unreadable(e.to_string())), 0),
        };
        // Never trust the metadata for the allocation or the read: read at most limit + 1 bytes.
        let cap = usize::try_from(meta.len().min(limit))
            .unwrap_or(0)
            .saturating_add(1);
        let mut buf = Vec::with_capacity(cap.min(BINARY_SNIFF_LEN));
        let mut reader = file.take(limit.saturating_add(1));
        // The head first: a binary file is not read any further.
        if let Err(e) = (&mut reader)
            .take(BINARY_SNIFF_LEN as u64)
            .read_to_end(&mut buf)
        {
            return (skipped(SkipReason::Unreadable(e.to_string())), 0);
        }
        if is_binary(&buf) {
            return (skipped(SkipReason::Binary), 0);
        }
        buf.reserve(cap.saturating_sub(buf.len()));
        if let Err(e) = reader.read_to_end(&mut buf) {
            return (skipped(SkipReason::Unreadable(e.to_string())), 0);
        }
        let read = buf.len() as u64;
        if read > limit {
            return (
                skipped(SkipReason::TooLarge {
                    size: read.max(meta.len()),
                    limit,
                }),
                0,
            );
        }
        let outcome = self.scan_bytes(display, &buf);
        let scanned = if outcome.skipped.is_none() { read } else { 0 };
        (outcome, scanned)
    }

    fn scan(&self, bytes: &[u8], in_test_path: bool) -> Vec<SecretMatch> {
        let raws = self.select(bytes, self.scan_raw(bytes));
        self.build(bytes, raws, in_test_path)
    }

    /// Prefilter, regex pass and checks: the candidate matches, not yet deduplicated.
    fn scan_raw(&self, text: &[u8]) -> Vec<Raw> {
        let mut out = Vec::new();
        let Some(keywords) = &self.keywords else {
            return out;
        };
        let n = self.rules.len();
        let mut scratch = Scratch {
            caps: (0..n).map(|_| None).collect(),
        };
        let mut text_rules = Bits::new(n);
        let mut unit_rules = Bits::new(n);
        // The current line (content, without `\n` and a trailing `\r`), and the current unit in it.
        let mut line: Option<Range<usize>> = None;
        let mut unit: Option<Range<usize>> = None;
        let long = self.config.max_line_len;
        let radius = self.config.line_window.max(1);

        keywords.for_each_hit(text, |hit| {
            let Some(t) = self.targets.get(hit.keyword) else {
                return;
            };
            text_rules.union(&t.text);
            if t.line.is_empty() {
                return;
            }
            let pos = hit.start;
            let in_line = line
                .as_ref()
                .is_some_and(|l| l.start <= pos && pos <= l.end);
            if !in_line {
                if let (Some(l), Some(u)) = (&line, unit.take()) {
                    self.run_unit(text, l, u, &unit_rules, &mut scratch, &mut out);
                }
                unit_rules.clear();
                line = Some(line_around(text, pos));
            }
            let Some(l) = &line else { return };
            let next = if l.len() <= long {
                l.clone()
            } else {
                let start = floor_char(text, pos.saturating_sub(radius).max(l.start));
                let end = ceil_char(text, hit.end.saturating_add(radius).min(l.end));
                start..end.max(start)
            };
            unit = match unit.take() {
                Some(u)
                    if next.start <= u.end
                        && next.end >= u.start
                        && (u.end.max(next.end) - u.start.min(next.start))
                            <= MAX_WINDOW.max(long) =>
                {
                    Some(u.start.min(next.start)..u.end.max(next.end))
                }
                Some(u) => {
                    self.run_unit(text, l, u, &unit_rules, &mut scratch, &mut out);
                    unit_rules.clear();
                    Some(next)
                }
                None => Some(next),
            };
            unit_rules.union(&t.line);
        });
        if let (Some(l), Some(u)) = (&line, unit.take()) {
            self.run_unit(text, l, u, &unit_rules, &mut scratch, &mut out);
        }
        for ri in text_rules.iter() {
            self.run_rule(ri, text, 0..text.len(), 0, &mut scratch, &mut out);
        }
        out
    }

    /// Runs the unit's candidate rules on it. The haystack is the whole line, the search span the unit.
    fn run_unit(
        &self,
        text: &[u8],
        line: &Range<usize>,
        unit: Range<usize>,
        rules: &Bits,
        scratch: &mut Scratch,
        out: &mut Vec<Raw>,
    ) {
        let Some(hay) = text.get(line.clone()) else {
            return;
        };
        let span = unit.start.saturating_sub(line.start)..unit.end.saturating_sub(line.start);
        for ri in rules.iter() {
            self.run_rule(ri, hay, span.clone(), line.start, scratch, out);
        }
    }

    /// All matches of one rule in `hay[span]`, checked; offsets are shifted by `base`.
    fn run_rule(
        &self,
        ri: usize,
        hay: &[u8],
        span: Range<usize>,
        base: usize,
        scratch: &mut Scratch,
        out: &mut Vec<Raw>,
    ) {
        let Some(c) = self.rules.get(ri) else { return };
        let end = span.end.min(hay.len());
        let mut at = span.start.min(end);
        let Some(slot) = scratch.caps.get_mut(ri) else {
            return;
        };
        let caps = slot.get_or_insert_with(|| c.regex.create_captures());
        loop {
            let input = Input::new(hay).range(at..end);
            c.regex.search_captures(&input, caps);
            let Some(m) = caps.get_match() else { break };
            let secret = match c.secret_group {
                Some(g) => caps.get_group(g).map(|s| s.range()),
                None => Some(m.range()),
            };
            if let Some(secret) = secret
                && !secret.is_empty()
                && let Some(bytes) = hay.get(secret.clone())
                && c.accepts(bytes)
            {
                out.push(Raw {
                    rule: ri,
                    secret: secret.start + base..secret.end + base,
                    mat: m.start() + base..m.end() + base,
                });
            }
            // Always moves forward: a non-empty match ends after `at`, an empty one steps one byte.
            let next = if m.is_empty() { m.end() + 1 } else { m.end() };
            if next > end {
                break;
            }
            at = next;
        }
    }

    /// Sorted by position (start, then longer first), with duplicates and less specific overlapping
    /// matches removed.
    fn select(&self, text: &[u8], mut raws: Vec<Raw>) -> Vec<Raw> {
        raws.sort_by(|a, b| {
            (a.secret.start, std::cmp::Reverse(a.secret.end), a.rule).cmp(&(
                b.secret.start,
                std::cmp::Reverse(b.secret.end),
                b.rule,
            ))
        });
        drop_suppressed(text, &mut raws);
        // Defensive: the same rule reporting the same range twice.
        raws.dedup_by(|b, a| a.rule == b.rule && a.secret == b.secret);
        let keep = self.dedupe(text, &raws);
        raws.into_iter()
            .zip(keep)
            .filter_map(|(r, k)| k.then_some(r))
            .collect()
    }

    /// Line/column and redaction of selected matches (sorted by start).
    fn build(&self, text: &[u8], raws: Vec<Raw>, in_test_path: bool) -> Vec<SecretMatch> {
        let mut pos = Positions::default();
        let mut out = Vec::with_capacity(raws.len());
        for r in raws {
            let Some(c) = self.rules.get(r.rule) else {
                continue;
            };
            let (line, column) = pos.advance(text, r.secret.start);
            let secret = text.get(r.secret.clone()).unwrap_or_default();
            // The end, from the secret itself: a PEM block ends lines below its start.
            let secret_str = String::from_utf8_lossy(secret);
            let (end_line, end_column) = match secret_str.rfind('\n') {
                Some(nl) => (
                    line + secret_str.matches('\n').count(),
                    secret_str[nl + 1..].chars().count() + 1,
                ),
                None => (line, column + secret_str.chars().count()),
            };
            out.push(SecretMatch {
                rule: c.rule,
                secret_range: r.secret,
                match_range: r.mat,
                line,
                column,
                redacted: redact(&secret_str),
                in_test_path,
                end_line,
                end_column,
            });
        }
        out
    }

    /// Which of the (sorted by start, then end descending) matches survive: a match is dropped when a
    /// match of another rule with a higher [`Engine::priority`] contains it or lies inside it.
    ///
    /// Sweep: the matches still open at a start are at most one per rule (a rule's own matches never
    /// overlap), so the work is O(matches × rules) at worst.
    fn dedupe(&self, text: &[u8], raws: &[Raw]) -> Vec<bool> {
        let mut keep = vec![true; raws.len()];
        let mut open: Vec<usize> = Vec::new();
        let mut prio: Vec<Option<Priority>> = vec![None; raws.len()];
        let mut priority_of = |i: usize, r: &Raw| -> Priority {
            match prio.get_mut(i) {
                Some(slot) => *slot.get_or_insert_with(|| self.priority(text, r)),
                None => self.priority(text, r),
            }
        };
        for (i, m) in raws.iter().enumerate() {
            open.retain(|&j| raws.get(j).is_some_and(|o| o.secret.end > m.secret.start));
            for &j in &open {
                let Some(o) = raws.get(j) else { continue };
                // Sorted by start then end descending: `o` starts at or before `m`; it contains `m`
                // when it also ends at or after it.
                if o.rule == m.rule || o.secret.end < m.secret.end {
                    continue;
                }
                let loser = if priority_of(j, o) > priority_of(i, m) {
                    i
                } else {
                    j
                };
                if let Some(k) = keep.get_mut(loser) {
                    *k = false;
                }
            }
            open.push(i);
        }
        keep
    }

    /// Specificity of a match, higher wins (see the module docs).
    fn priority(&self, text: &[u8], r: &Raw) -> Priority {
        let Some(c) = self.rules.get(r.rule) else {
            return Priority::default();
        };
        let secret = text.get(r.secret.clone()).unwrap_or_default();
        let mat = text.get(r.mat.clone()).unwrap_or_default();
        let in_secret = c.keywords.iter().any(|k| contains_ci(secret, k));
        let longest = c
            .keywords
            .iter()
            .filter(|k| contains_ci(mat, k))
            .map(|k| k.len())
            .max()
            .unwrap_or(0);
        Priority {
            keyword_in_secret: in_secret,
            specific: !crate::rules::is_generic(c.rule),
            severity: c.rule.severity,
            keyword_len: longest,
            narrowness: std::cmp::Reverse(r.mat.len()),
            id: std::cmp::Reverse(c.rule.id),
        }
    }
}

/// Per-scan buffers.
struct Scratch {
    /// One reusable capture buffer per rule, made on first use.
    caps: Vec<Option<Captures>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Priority {
    // A provider-specific rule beats a generic one (`password=`, `Authorization:`, credentials in a URL, a
    // bare JWT), whatever their severities: it names the credential and where to revoke it.
    specific: bool,
    keyword_in_secret: bool,
    severity: Severity,
    keyword_len: usize,
    narrowness: std::cmp::Reverse<usize>,
    id: std::cmp::Reverse<&'static str>,
}

impl Default for Priority {
    fn default() -> Self {
        Priority {
            specific: false,
            keyword_in_secret: false,
            severity: Severity::Info,
            keyword_len: 0,
            narrowness: std::cmp::Reverse(usize::MAX),
            id: std::cmp::Reverse(""),
        }
    }
}

impl Compiled {
    /// The rule's entropy minimum, its validator, its allow regexes, then the global allowlist.
    fn accepts(&self, secret: &[u8]) -> bool {
        let s: Cow<'_, str> = String::from_utf8_lossy(secret);
        if let Some(min) = self.rule.entropy
            && shannon_entropy(&s) < min
        {
            return false;
        }
        if let Some(check) = self.rule.validate
            && !check(&s)
        {
            return false;
        }
        if self.allow.iter().any(|a| a.is_match(secret)) {
            return false;
        }
        !is_placeholder(&s)
    }
}

/// The lazy DFA's cache limit for rule patterns: twice the regex default (2 MiB). When a pattern's
/// DFA states do not fit, the cache thrashes and the search falls back to the PikeVM, some 70 times
/// slower (seen with Unicode `\w` prefixes before Perl classes were made ASCII). The cache grows only
/// as states are made: most rules use a few KiB of it.
const DFA_CACHE: usize = 4 * 1024 * 1024;

/// Compiles a rule pattern with ASCII Perl classes ([`pattern`]); the pattern as written when the
/// rewrite does not compile.
fn compile_pattern(src: &str, cache: Option<usize>) -> Result<meta::Regex, String> {
    let config = match cache {
        Some(c) => meta::Config::new().hybrid_cache_capacity(c),
        None => meta::Config::new(),
    };
    let build = |p: &str| {
        meta::Builder::new()
            .configure(config.clone())
            .build(p)
            .map_err(|e| e.to_string())
    };
    if let Some(ascii) = pattern::ascii_perl_classes(src)
        && let Ok(re) = build(&ascii)
    {
        return Ok(re);
    }
    build(src)
}

fn compile_rule(rule: &'static SecretRule) -> Result<Compiled, String> {
    let regex =
        compile_pattern(rule.pattern, Some(DFA_CACHE)).map_err(|e| format!("pattern: {e}"))?;
    let secret_group = regex.group_info().to_index(PatternID::ZERO, "secret");
    let allow = rule
        .allow
        .iter()
        .map(|a| compile_pattern(a, None).map_err(|e| format!("allow regex {a:?}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let keywords: Vec<String> = rule
        .keywords
        .iter()
        .filter(|k| !k.is_empty() && !k.contains(['\n', '\r']))
        .map(|k| k.to_ascii_lowercase())
        .collect();
    if keywords.is_empty() {
        return Err("no usable keyword (keywords must be non-empty and single-line)".into());
    }
    Ok(Compiled {
        rule,
        regex,
        secret_group,
        allow,
        keywords,
    })
}

fn skipped(reason: SkipReason) -> ScanOutcome {
    ScanOutcome {
        matches: Vec::new(),
        skipped: Some(reason),
    }
}

/// A NUL byte in the first [`BINARY_SNIFF_LEN`] bytes.
fn is_binary(bytes: &[u8]) -> bool {
    let head = bytes.get(..BINARY_SNIFF_LEN).unwrap_or(bytes);
    memchr::memchr(0, head).is_some()
}

/// `*.min.js`, `*.min.css`, `*.min.mjs`, `*.map`.
fn is_minified_name(path: &str) -> bool {
    let name = path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    name.ends_with(".min.js")
        || name.ends_with(".min.mjs")
        || name.ends_with(".min.css")
        || name.ends_with(".map")
}

/// Extensions whose files may be minified: a long line elsewhere (a base64 key in a Kubernetes
/// secret or a kubeconfig) is data to scan.
fn is_web_asset(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        ext.as_str(),
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" | "css" | "html" | "htm" | "svg"
    )
}

/// At least [`MINIFIED_MIN_SIZE`] bytes whose lines average [`MINIFIED_AVG_LINE`] bytes or more.
fn looks_minified(bytes: &[u8]) -> bool {
    if bytes.len() < MINIFIED_MIN_SIZE {
        return false;
    }
    // Minified when fewer than len / MINIFIED_AVG_LINE lines: stop counting once there are enough.
    let enough = bytes.len() / MINIFIED_AVG_LINE;
    memchr::memchr_iter(b'\n', bytes).take(enough).count() < enough
}

/// The line containing `pos`: from after the previous `\n` to before the next `\n`, without a
/// trailing `\r`.
fn line_around(text: &[u8], pos: usize) -> Range<usize> {
    let pos = pos.min(text.len());
    let start = memchr::memrchr(b'\n', text.get(..pos).unwrap_or_default()).map_or(0, |i| i + 1);
    let mut end =
        memchr::memchr(b'\n', text.get(pos..).unwrap_or_default()).map_or(text.len(), |i| pos + i);
    if end > start && text.get(end - 1) == Some(&b'\r') {
        end -= 1;
    }
    start..end.max(start)
}

/// Moves `i` back to the start of a UTF-8 sequence (at most 3 bytes).
fn floor_char(text: &[u8], mut i: usize) -> usize {
    let mut steps = 0;
    while i > 0 && steps < 3 && text.get(i).is_some_and(|b| is_continuation(*b)) {
        i -= 1;
        steps += 1;
    }
    i
}

/// Moves `i` forward to the start of a UTF-8 sequence (at most 3 bytes).
fn ceil_char(text: &[u8], mut i: usize) -> usize {
    let mut steps = 0;
    while i < text.len() && steps < 3 && text.get(i).is_some_and(|b| is_continuation(*b)) {
        i += 1;
        steps += 1;
    }
    i
}

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// Drops the matches (sorted by start) whose secret starts on a line carrying an inline
/// suppression marker (see [`has_suppression`]). Each line is looked at once, however many matches
/// it holds, so a long line with many matches costs one pass.
fn drop_suppressed(text: &[u8], raws: &mut Vec<Raw>) {
    let mut last: Option<(Range<usize>, bool)> = None;
    raws.retain(|r| {
        let pos = r.secret.start;
        if let Some((line, suppressed)) = &last
            && line.start <= pos
            && pos <= line.end
        {
            return !*suppressed;
        }
        let line = line_around(text, pos);
        let suppressed = text.get(line.clone()).is_some_and(has_suppression);
        last = Some((line, suppressed));
        !suppressed
    });
}

/// Inline suppression markers, matched ASCII case-insensitively anywhere on the line.
const SUPPRESSION_MARKERS: &[&str] = &[
    "pragma: allowlist secret",
    "gitleaks:allow",
    "bulkhead:allow",
];

/// Whether a line carries an inline suppression: one of [`SUPPRESSION_MARKERS`], or `nosec` as a
/// comment marker (right after `#`, `//`, `/*`, `--`, `;` or `<!--`, spaces allowed between, and not
/// followed by a letter, digit or `_`: `# nosec`, `//nosec G101`, but not `nosecurity` or a value
/// `abcnosec1`).
fn has_suppression(line: &[u8]) -> bool {
    if SUPPRESSION_MARKERS.iter().any(|m| contains_ci_all(line, m)) {
        return true;
    }
    let mut from = 0;
    while let Some(i) = find_ci(line.get(from..).unwrap_or_default(), b"nosec") {
        let at = from + i;
        let after = line.get(at + 5).copied();
        let word_end = !after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
        let before = line.get(..at).unwrap_or_default().trim_ascii_end();
        let comment = before.ends_with(b"#")
            || before.ends_with(b"//")
            || before.ends_with(b"/*")
            || before.ends_with(b"--")
            || before.ends_with(b";");
        if word_end && comment {
            return true;
        }
        from = at + 5;
    }
    false
}

/// ASCII case-insensitive search of `needle` (lower-case) in the whole of `hay`.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

fn contains_ci_all(hay: &[u8], needle: &str) -> bool {
    find_ci(hay, needle.as_bytes()).is_some()
}

/// How much of a match or secret the dedupe priority looks at for keywords (they sit at the start).
const PRIORITY_SCAN: usize = 1024;

/// ASCII case-insensitive substring test (`needle` is lower-case), in the first [`PRIORITY_SCAN`]
/// bytes of `hay`.
fn contains_ci(hay: &[u8], needle: &str) -> bool {
    let hay = hay.get(..PRIORITY_SCAN).unwrap_or(hay);
    let n = needle.as_bytes();
    if n.is_empty() {
        return true;
    }
    hay.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// Incremental line/column computation over increasing offsets: O(text) for all matches together,
/// even on a single 50 MB line.
#[derive(Default)]
struct Positions {
    /// Offset already accounted for.
    at: usize,
    /// 0-based line of `at`.
    line: usize,
    /// 0-based column (chars) of `at`.
    col: usize,
}

impl Positions {
    /// 1-based (line, column) of `offset`; offsets must not decrease (a smaller one restarts).
    fn advance(&mut self, text: &[u8], offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        if offset < self.at {
            *self = Positions::default();
        }
        let chunk = text.get(self.at..offset).unwrap_or_default();
        match memchr::memrchr(b'\n', chunk) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', chunk).count();
                let rest = chunk.get(last + 1..).unwrap_or_default();
                self.col = count_chars(rest);
            }
            None => self.col += count_chars(chunk),
        }
        self.at = offset;
        (self.line + 1, self.col + 1)
    }
}

/// Characters in UTF-8 bytes (an invalid byte counts as one).
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| !is_continuation(**b)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_without_cr() {
        let t = b"ab\r\ncd\nef";
        assert_eq!(line_around(t, 0), 0..2);
        assert_eq!(line_around(t, 4), 4..6);
        assert_eq!(line_around(t, 8), 7..9);
    }

    #[test]
    fn positions_are_incremental() {
        let t = "a♥b\nxyz\n\nq".as_bytes();
        let mut p = Positions::default();
        assert_eq!(p.advance(t, 0), (1, 1));
        assert_eq!(p.advance(t, 4), (1, 3));
        assert_eq!(p.advance(t, 7), (2, 2));
        assert_eq!(p.advance(t, 11), (4, 1));
        assert_eq!(p.advance(t, 1), (1, 2));
    }

    #[test]
    fn bits() {
        let mut b = Bits::new(130);
        b.set(0);
        b.set(64);
        b.set(129);
        assert_eq!(b.iter().collect::<Vec<_>>(), vec![0, 64, 129]);
        b.clear();
        assert!(b.is_empty());
    }

    #[test]
    fn skip_notes_are_clear() {
        let s = SkipReason::TooLarge {
            size: 12 * 1024 * 1024,
            limit: 10 * 1024 * 1024,
        }
        .to_string();
        assert_eq!(
            s,
            "not scanned for secrets: 12.0 MiB exceeds the 10.0 MiB size limit"
        );
    }
}
