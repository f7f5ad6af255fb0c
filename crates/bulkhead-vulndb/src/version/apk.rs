//! Alpine/Wolfi package versions, as ordered by apk-tools (`apk version -t`, `src/version.c`).
//!
//! Grammar (Gentoo-like): `digits{.digits}[letter]{_suffix[digits]}[~hash][-rN]`.
//! - The version is read as a sequence of tokens: the first number, further `.`-numbers, one lowercase letter,
//!   suffixes (`_alpha` < `_beta` < `_pre` < `_rc` < (none) < `_cvs` < `_svn` < `_git` < `_hg` < `_p`) each
//!   with an optional number, a `~` commit hash, and the `-rN` package revision.
//! - Tokens of the same kind compare pairwise: numbers numerically (unbounded), except that a non-first number
//!   with a leading zero on either side compares as a string (`1.02` < `1.1`, the "leading-zero fraction" rule),
//!   letters by code, suffixes by the order above, hashes as strings.
//! - When one side runs into a different kind of token, a pre-release suffix (`_alpha`.. `_rc`) makes its side
//!   lower; otherwise the side whose token kind comes earlier in the grammar (digit < letter < suffix < suffix
//!   number < hash < revision < end) is greater: `1.2.1` > `1.2`, `1.0-r1` > `1.0`, `1.0_p1` > `1.0`.
//!
//! Anything outside the grammar (apk-tools falls back to a plain string sort for such "invalid" versions) is an
//! error here, so that a malformed version is reported rather than silently mis-ordered.

use std::cmp::Ordering;

/// Token kinds, in apk-tools' order (the order decides between differing kinds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    FirstDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    Hash,
    Revision,
    End,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    /// Digits for numeric kinds, the letter, the suffix name, or the hash.
    text: String,
}

/// A parsed apk version: its tokens, ending with [`Kind::End`].
#[derive(Debug, Clone)]
pub(crate) struct ApkVersion {
    tokens: Vec<Token>,
}

const PRE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

/// The rank of a suffix: negative for pre-release suffixes, 0.. for post-release ones.
fn suffix_rank(name: &str) -> i32 {
    if let Some(i) = PRE_SUFFIXES.iter().position(|s| *s == name) {
        return i as i32 - PRE_SUFFIXES.len() as i32;
    }
    POST_SUFFIXES
        .iter()
        .position(|s| *s == name)
        .map_or(i32::MAX, |i| i as i32)
}

fn take_digits(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    s.split_at(n)
}

/// Parse an apk version.
pub(crate) fn parse(s: &str) -> Result<ApkVersion, String> {
    let mut rest = s.trim();
    let mut tokens = Vec::new();
    let push = |tokens: &mut Vec<Token>, kind, text: &str| {
        tokens.push(Token {
            kind,
            text: text.to_string(),
        })
    };
    let (first, r) = take_digits(rest);
    if first.is_empty() {
        return Err("does not start with a digit".into());
    }
    push(&mut tokens, Kind::FirstDigit, first);
    rest = r;
    while let Some(r) = rest.strip_prefix('.') {
        let (d, r) = take_digits(r);
        if d.is_empty() {
            return Err("`.` not followed by a number".into());
        }
        push(&mut tokens, Kind::Digit, d);
        rest = r;
    }
    if let Some(c) = rest.chars().next().filter(char::is_ascii_lowercase) {
        push(&mut tokens, Kind::Letter, &c.to_string());
        rest = &rest[1..];
    }
    while let Some(r) = rest.strip_prefix('_') {
        let name = PRE_SUFFIXES
            .iter()
            .chain(POST_SUFFIXES.iter())
            .find(|n| r.starts_with(**n))
            .ok_or_else(|| {
                format!(
                    "unknown suffix `_{}`",
                    r.split(['_', '~', '-']).next().unwrap_or(r)
                )
            })?;
        push(&mut tokens, Kind::Suffix, name);
        let (d, r) = take_digits(&r[name.len()..]);
        if !d.is_empty() {
            push(&mut tokens, Kind::SuffixNo, d);
        }
        rest = r;
    }
    if let Some(r) = rest.strip_prefix('~') {
        let n = r
            .bytes()
            .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            .count();
        if n == 0 {
            return Err("`~` not followed by a commit hash".into());
        }
        push(&mut tokens, Kind::Hash, &r[..n]);
        rest = &r[n..];
    }
    if let Some(r) = rest.strip_prefix("-r") {
        let (d, r) = take_digits(r);
        if d.is_empty() {
            return Err("`-r` not followed by a number".into());
        }
        push(&mut tokens, Kind::Revision, d);
        rest = r;
    }
    if !rest.is_empty() {
        return Err(format!("unexpected `{rest}`"));
    }
    push(&mut tokens, Kind::End, "");
    Ok(ApkVersion { tokens })
}

/// Compare two tokens of the same kind.
fn token_cmp(a: &Token, b: &Token) -> Ordering {
    match a.kind {
        Kind::Digit if a.text.starts_with('0') || b.text.starts_with('0') => a.text.cmp(&b.text),
        Kind::FirstDigit | Kind::Digit | Kind::SuffixNo | Kind::Revision => {
            super::cmp_digits(&a.text, &b.text)
        }
        Kind::Suffix => suffix_rank(&a.text).cmp(&suffix_rank(&b.text)),
        Kind::Letter | Kind::Hash | Kind::End => a.text.cmp(&b.text),
    }
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let end = Token {
            kind: Kind::End,
            text: String::new(),
        };
        let mut i = 0;
        loop {
            let a = self.tokens.get(i).unwrap_or(&end);
            let b = other.tokens.get(i).unwrap_or(&end);
            if a.kind != b.kind {
                // Same leading tokens; the longer side is greater unless it goes on with a pre-release suffix.
                if a.kind == Kind::Suffix && suffix_rank(&a.text) < 0 {
                    return Ordering::Less;
                }
                if b.kind == Kind::Suffix && suffix_rank(&b.text) < 0 {
                    return Ordering::Greater;
                }
                return b.kind.cmp(&a.kind);
            }
            let ord = token_cmp(a, b);
            if ord != Ordering::Equal || a.kind == Kind::End {
                return ord;
            }
            i += 1;
        }
    }
}
super::ord_via_cmp!(ApkVersion);

#[cfg(test)]
mod tests;
