//! Composer (Packagist, PHP) versions, as Composer orders them: `VersionParser::normalize` then PHP's
//! `version_compare` on the normalized strings (Composer's `Comparator`).
//!
//! Normalization (composer/semver `VersionParser::normalize`):
//! - surrounding whitespace, a `v`/`V` prefix, a `@stability` flag and `+build` metadata are dropped;
//! - classical versions `N{1,5}[.N[.N[.N]]]` are padded to four parts (`1.2` → `1.2.0.0`); date versions
//!   (`YYYY[.-:]MM...`, `YYYYMMDD...`) keep their numbers, separators becoming `.`;
//! - an optional modifier `[._-]?(stable|beta|b|RC|alpha|a|patch|pl|p)(N)*` becomes `-beta2`, `-RC1`,
//!   `-alpha`, `-patch3` (`stable` is dropped), and an optional `[.-]dev` becomes `-dev`;
//! - `1.x-dev` style branches become `1.9999999.9999999.9999999-dev`. Named branches (`dev-main`) have no
//!   order and are an error here.
//!
//! `version_compare`: `-`, `_`, `+` become `.`, a `.` is inserted between digits and letters, then parts compare
//! pairwise: numbers numerically (unbounded here), other parts by the special forms `dev` < `alpha` = `a` <
//! `beta` = `b` < `RC` = `rc` < (a number) < `pl` = `p` (`patch` counts as `p`), unknown words lowest; when one
//! side has parts left, a number makes it greater, a word compares against "a number" (so `1.0.0.0-beta1` <
//! `1.0.0.0` < `1.0.0.0-patch1`). Hence stability order dev < alpha < beta < RC < stable < patch.

use super::cmp_digits;
use std::cmp::Ordering;

#[derive(Debug, Clone)]
enum Part {
    Num(String),
    Word(String),
}

/// A parsed Composer version: the `version_compare` parts of its normalized form.
#[derive(Debug, Clone)]
pub(crate) struct ComposerVersion {
    parts: Vec<Part>,
}

/// Parse a Composer version.
pub(crate) fn parse(s: &str) -> Result<ComposerVersion, String> {
    let normalized = normalize(s)?;
    Ok(ComposerVersion {
        parts: canonical_parts(&normalized),
    })
}

/// Composer's `VersionParser::normalize` for versions that have an order.
pub(crate) fn normalize(s: &str) -> Result<String, String> {
    let mut v = s.trim();
    if v.is_empty() || v.chars().any(char::is_whitespace) {
        return Err("empty or containing whitespace".into());
    }
    // Stability flags: `1.0@dev`.
    if let Some((base, flag)) = v.rsplit_once('@')
        && ["stable", "rc", "beta", "alpha", "dev"].contains(&flag.to_ascii_lowercase().as_str())
    {
        v = base;
    }
    let lower = v.to_ascii_lowercase();
    if lower.starts_with("dev-") || ["master", "trunk", "default"].contains(&lower.as_str()) {
        return Err("a branch name, which has no version order".into());
    }
    // Build metadata: `1.0.0+foo`.
    if let Some((base, meta)) = v.split_once('+') {
        if base.is_empty() || meta.is_empty() {
            return Err("empty version or metadata around `+`".into());
        }
        v = base;
    }
    let body = v.strip_prefix(['v', 'V']).unwrap_or(v);
    if let Some(n) = classical(body).or_else(|| date(body)) {
        return Ok(n);
    }
    if let Some(n) = branch(body) {
        return Ok(n);
    }
    Err("not a Composer version (N[.N[.N[.N]]][-stabilityN][-dev])".into())
}

fn digits_prefix(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_digit).count()
}

/// `N{1,5}(.N){0,3}` + modifier.
fn classical(body: &str) -> Option<String> {
    let n = digits_prefix(body);
    if n == 0 || n > 5 {
        return None;
    }
    let mut nums = vec![body.get(..n)?];
    let mut rest = body.get(n..)?;
    while nums.len() < 4 {
        let Some(r) = rest.strip_prefix('.') else {
            break;
        };
        let k = digits_prefix(r);
        if k == 0 {
            break;
        }
        nums.push(r.get(..k)?);
        rest = r.get(k..)?;
    }
    let mut out = nums.join(".");
    for _ in nums.len()..4 {
        out.push_str(".0");
    }
    modifier(rest).map(|m| out + &m)
}

/// Date-like versions, Composer's `\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2}` + modifier; the longest
/// date prefix whose remainder is a valid modifier wins, its separators becoming `.`.
fn date(body: &str) -> Option<String> {
    let b = body.as_bytes();
    let digit = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
    // One `[.:-]?\d{lo,hi}` step from each position.
    let step = |from: &[usize], lo: usize, hi: usize| -> Vec<usize> {
        let mut out = Vec::new();
        for &p in from {
            let seps = if matches!(b.get(p), Some(b'.' | b':' | b'-')) {
                vec![p, p + 1]
            } else {
                vec![p]
            };
            for q in seps {
                let run = (q..).take_while(|&k| digit(k)).count();
                for n in lo..=hi.min(run) {
                    out.push(q + n);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    };
    if !(0..4).all(digit) {
        return None;
    }
    let mut ends = Vec::new();
    let mut cur = step(&[4], 2, 2);
    for _ in 0..6 {
        if cur.is_empty() {
            break;
        }
        let mut small = cur.clone();
        ends.extend(&small);
        for _ in 0..2 {
            small = step(&small, 1, 3);
            ends.extend(&small);
        }
        cur = step(&cur, 2, 2);
    }
    ends.sort_unstable();
    ends.dedup();
    for &end in ends.iter().rev() {
        let (Some(head), Some(rest)) = (body.get(..end), body.get(end..)) else {
            continue;
        };
        if let Some(m) = modifier(rest) {
            let num: String = head
                .chars()
                .map(|c| if c.is_ascii_digit() { c } else { '.' })
                .collect();
            return Some(num + &m);
        }
    }
    None
}

/// The modifier `[._-]?(stability)(N)*([.-]?dev)?` at the end, normalized (`-beta2`, `-dev`, ...).
fn modifier(rest: &str) -> Option<String> {
    if rest.is_empty() {
        return Some(String::new());
    }
    let lower = rest.to_ascii_lowercase();
    let mut starts = vec![lower.as_str()];
    if let Some(r) = lower.strip_prefix(['.', '_', '-']) {
        starts.insert(0, r);
    }
    const STABILITIES: [(&str, &str); 9] = [
        ("stable", "stable"),
        ("beta", "beta"),
        ("b", "beta"),
        ("rc", "RC"),
        ("alpha", "alpha"),
        ("a", "alpha"),
        ("patch", "patch"),
        ("pl", "patch"),
        ("p", "patch"),
    ];
    for r in starts {
        if let Some(dev) = dev_suffix(r) {
            return Some(if dev { "-dev".into() } else { String::new() });
        }
        for (name, canon) in STABILITIES {
            let Some(after) = r.strip_prefix(name) else {
                continue;
            };
            // The number: `(?:[.-]?\d+)*`, taken greedily.
            let bytes = after.as_bytes();
            let mut k = 0;
            loop {
                let skip = usize::from(matches!(bytes.get(k), Some(b'.' | b'-')));
                let d = bytes
                    .get(k + skip..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                if d == 0 {
                    break;
                }
                k += skip + d;
            }
            let number = after.get(..k)?.trim_start_matches(['.', '-']);
            let Some(dev) = dev_suffix(after.get(k..)?) else {
                continue;
            };
            let mut out = String::new();
            if canon != "stable" {
                out = format!("-{canon}{number}");
            }
            if dev {
                out.push_str("-dev");
            }
            return Some(out);
        }
    }
    None
}

/// `([.-]?dev)?$`: `Some(true)` for a dev suffix, `Some(false)` for nothing left, `None` otherwise.
fn dev_suffix(r: &str) -> Option<bool> {
    if r.is_empty() {
        return Some(false);
    }
    let r = r.strip_prefix(['.', '-']).unwrap_or(r);
    r.eq_ignore_ascii_case("dev").then_some(true)
}

/// `1.x-dev`, `2.1.*-dev`: numeric branches get 9999999 in place of `x`.
fn branch(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let name = lower.strip_suffix("dev")?;
    let name = name.strip_suffix(['.', '-']).unwrap_or(name);
    let parts: Vec<&str> = name.split('.').collect();
    if name.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut out = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if matches!(*p, "x" | "*") && i > 0 {
            out.push("9999999");
        } else if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
            out.push(p);
        } else {
            return None;
        }
    }
    if !parts.iter().any(|p| matches!(*p, "x" | "*")) {
        return None;
    }
    while out.len() < 4 {
        out.push("9999999");
    }
    Some(out.join(".") + "-dev")
}

/// PHP's `version_compare` canonicalization: split on `.`, `-`, `_`, `+` and between digits and non-digits.
fn canonical_parts(v: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut cur_digit = false;
    let flush = |cur: &mut String, digit: bool, parts: &mut Vec<Part>| {
        if !cur.is_empty() {
            let s = std::mem::take(cur);
            parts.push(if digit { Part::Num(s) } else { Part::Word(s) });
        }
    };
    for c in v.chars() {
        if matches!(c, '.' | '-' | '_' | '+') {
            flush(&mut cur, cur_digit, &mut parts);
            continue;
        }
        let d = c.is_ascii_digit();
        if !cur.is_empty() && d != cur_digit {
            flush(&mut cur, cur_digit, &mut parts);
        }
        cur_digit = d;
        cur.push(c);
    }
    flush(&mut cur, cur_digit, &mut parts);
    parts
}

/// PHP's special forms; a number ranks as `#` (4). Matching is by prefix of the word, in this order.
fn special_rank(word: &str) -> i32 {
    const FORMS: [(&str, i32); 9] = [
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("pl", 5),
        ("p", 5),
    ];
    FORMS
        .iter()
        .find(|(f, _)| word.starts_with(f))
        .map_or(-6, |(_, r)| *r)
}

const NUMBER_RANK: i32 = 4;

fn cmp_part(a: &Part, b: &Part) -> Ordering {
    match (a, b) {
        (Part::Num(x), Part::Num(y)) => cmp_digits(x, y),
        (Part::Word(x), Part::Word(y)) => special_rank(x).cmp(&special_rank(y)),
        (Part::Num(_), Part::Word(y)) => NUMBER_RANK.cmp(&special_rank(y)),
        (Part::Word(x), Part::Num(_)) => special_rank(x).cmp(&NUMBER_RANK),
    }
}

/// The remaining parts of the longer side against nothing: a number wins, a word compares with "a number".
fn cmp_rest(rest: &[Part]) -> Ordering {
    match rest.first() {
        None => Ordering::Equal,
        Some(Part::Num(_)) => Ordering::Greater,
        Some(Part::Word(w)) => special_rank(w).cmp(&NUMBER_RANK).then_with(|| {
            // PHP goes on comparing the rest with nothing after "#".
            cmp_rest(rest.get(1..).unwrap_or_default())
        }),
    }
}

impl Ord for ComposerVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.parts.iter().zip(&other.parts) {
            let o = cmp_part(a, b);
            if o != Ordering::Equal {
                return o;
            }
        }
        let n = self.parts.len().min(other.parts.len());
        match self.parts.len().cmp(&other.parts.len()) {
            Ordering::Equal => Ordering::Equal,
            Ordering::Greater => cmp_rest(self.parts.get(n..).unwrap_or_default()),
            Ordering::Less => cmp_rest(other.parts.get(n..).unwrap_or_default()).reverse(),
        }
    }
}
super::ord_via_cmp!(ComposerVersion);

#[cfg(test)]
mod tests;
