//! RubyGems versions, as ordered by `Gem::Version` (`lib/rubygems/version.rb`).
//!
//! - Valid: `N(.[0-9A-Za-z]+)*(-[0-9A-Za-z-]+(.[0-9A-Za-z-]+)*)?` with surrounding whitespace ignored; every
//!   `-` means `.pre.` (`1.0-rc1` == `1.0.pre.rc1`).
//! - Segments are the runs of digits (numbers, unbounded) and of letters (strings): `1.0.0a1` is
//!   `[1, 0, 0, "a", 1]`. A version with a letter is a prerelease.
//! - Comparison uses the canonical segments: trailing zeros are dropped from the numeric part and from the part
//!   starting at the first string (`1.0` == `1`, `1.0.a.0` == `1.a`); then segments compare pairwise, missing
//!   ones counting as 0: two numbers numerically, two strings bytewise, a string is lower than a number — so a
//!   prerelease is lower than its release (`1.0.a` < `1.0`).
//!
//! `Gem::Version.new("")` means `0`; here an empty version is an error like in every scheme.

use super::cmp_digits;
use std::cmp::Ordering;

#[derive(Debug, Clone)]
enum Segment {
    Num(String),
    Str(String),
}

/// A parsed RubyGems version (its canonical segments).
#[derive(Debug, Clone)]
pub(crate) struct GemVersion {
    segments: Vec<Segment>,
}

fn valid(t: &str) -> bool {
    let (main, pre) = match t.split_once('-') {
        Some((m, p)) => (m, Some(p)),
        None => (t, None),
    };
    let mut parts = main.split('.');
    let first_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let rest_ok = parts.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    let pre_ok = pre.is_none_or(|p| {
        p.split('.')
            .all(|q| !q.is_empty() && q.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    });
    first_ok && rest_ok && pre_ok
}

/// Parse a RubyGems version.
pub(crate) fn parse(s: &str) -> Result<GemVersion, String> {
    let t = s.trim();
    if !valid(t) {
        return Err("malformed version number string".into());
    }
    let t = t.replace('-', ".pre.");
    let mut segments = Vec::new();
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let digit = b.get(i).is_some_and(u8::is_ascii_digit);
        let alpha = b.get(i).is_some_and(u8::is_ascii_alphabetic);
        if !digit && !alpha {
            i += 1;
            continue;
        }
        while b.get(i).is_some_and(|c| {
            if digit {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        }) {
            i += 1;
        }
        let run = t.get(start..i).unwrap_or_default().to_string();
        segments.push(if digit {
            Segment::Num(run)
        } else {
            Segment::Str(run)
        });
    }
    // Canonical segments: drop trailing zeros of the numeric part and of the string part.
    let split = segments
        .iter()
        .position(|s| matches!(s, Segment::Str(_)))
        .unwrap_or(segments.len());
    let mut strings = segments.split_off(split);
    let is_zero = |s: &Segment| matches!(s, Segment::Num(d) if d.bytes().all(|c| c == b'0'));
    while segments.last().is_some_and(is_zero) {
        segments.pop();
    }
    while strings.last().is_some_and(is_zero) {
        strings.pop();
    }
    segments.extend(strings);
    Ok(GemVersion { segments })
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Segment::Num("0".into());
        for k in 0..self.segments.len().max(other.segments.len()) {
            let a = self.segments.get(k).unwrap_or(&zero);
            let b = other.segments.get(k).unwrap_or(&zero);
            let o = match (a, b) {
                (Segment::Num(x), Segment::Num(y)) => cmp_digits(x, y),
                (Segment::Str(x), Segment::Str(y)) => x.cmp(y),
                (Segment::Str(_), Segment::Num(_)) => Ordering::Less,
                (Segment::Num(_), Segment::Str(_)) => Ordering::Greater,
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}
super::ord_via_cmp!(GemVersion);

#[cfg(test)]
mod tests {
    use crate::version::{Scheme, compare, parse};
    use std::cmp::Ordering::{self, Equal, Greater, Less};

    /// RubyGems' test/rubygems/test_gem_version.rb: test_spaceship, test_eql/test_equals, test_semver,
    /// test_prerelease ordering, and the canonical-segment cases.
    #[test]
    fn rubygems_test_gem_version() {
        let cases: &[(&str, Ordering, &str)] = &[
            ("1.0", Equal, "1.0.0"),
            ("1.0", Greater, "1.0.a"),
            ("1.8.2", Greater, "0.0.0"),
            ("1.8.2", Greater, "1.8.2.a"),
            ("1.8.2.b", Greater, "1.8.2.a"),
            ("1.8.2.a", Less, "1.8.2"),
            ("1.8.2.a10", Greater, "1.8.2.a9"),
            ("0.beta.1", Equal, "0.0.beta.1"),
            ("0.0.beta", Less, "0.0.beta.1"),
            ("0.0.beta", Less, "0.beta.1"),
            ("5.a", Equal, "5.0.0.a"),
            ("1.9.3", Equal, "1.9.3.0"),
            ("1.9.3", Less, "1.9.3.1"),
            ("1.2", Equal, "1.2"),
            ("1.2", Equal, "1.2.0"),
            ("1.0.a.2", Less, "1.0.b1"),
            ("1.0.b1", Less, "1.0"),
            ("1.0.0-alpha", Less, "1.0.0-alpha.1"),
            ("1.0.0-alpha.1", Less, "1.0.0-beta.2"),
            ("1.0.0-beta.2", Less, "1.0.0-beta.11"),
            ("1.0.0-beta.11", Less, "1.0.0-rc.1"),
            ("1.0.0-rc1", Less, "1.0.0"),
            ("1.0.0-1", Less, "1"),
            ("1.0-rc1", Equal, "1.0.pre.rc1"),
            ("1.0.a.0", Equal, "1.0.a"),
            ("0.0.1", Greater, "0.0.1.a"),
            ("2.0.0.rc1", Less, "2.0.0"),
            ("2.0.0.rc1", Greater, "2.0.0.beta2"),
            ("1.1.a", Greater, "1.0"),
            ("1.0.0a1", Equal, "1.0.0.a.1"),
            ("1.0.0A", Less, "1.0.0a"),
            ("3.2.22", Less, "3.2.22.1"),
            ("5.2.4.3", Less, "5.2.4.4"),
            ("6.0.3.rc1", Less, "6.0.3"),
            ("6.1.4.1", Less, "6.1.4.2"),
            ("1.13.10", Greater, "1.13.9"),
            (
                "99999999999999999999999",
                Greater,
                "9999999999999999999999.9",
            ),
            (" 1.0 ", Equal, "1"),
            ("\n1.0\n", Equal, "1.0"),
            ("1.2.b1", Equal, "1.2.b.1"),
            ("1.2", Less, "1.3"),
            ("1.2.pre.1", Equal, "1.2.0.pre.1.0"),
            ("1.0.0.a.1.0", Equal, "1.a.1"),
            ("1.2.3-1", Equal, "1.2.3.pre.1"),
            ("1-1", Less, "1"),
            ("1-a", Less, "1"),
            ("1.A", Less, "1"),
            ("22.1.50.0.d", Less, "22.1.50"),
            ("1.1.rc10", Less, "1.1"),
            ("1.9.3.alpha.5", Less, "1.9.3"),
            ("9.8.8", Greater, "9.8.7"),
        ];
        for &(a, want, b) in cases {
            assert_eq!(
                compare(Scheme::RubyGems, a, b).ok(),
                Some(want),
                "rubygems: {a} {want:?} {b}"
            );
            assert_eq!(
                compare(Scheme::RubyGems, b, a).ok(),
                Some(want.reverse()),
                "rubygems: {b} vs {a}"
            );
        }
    }

    #[test]
    fn rubygems_invalid() {
        for bad in [
            "",
            "junk",
            "1.0\n2.0",
            "1..2",
            "1.2\\ 3.4",
            "2.3422222.222.222222222.22222.ads0as.dasd0.ddd2222.2.qd3e.",
            "1.",
            "-1",
            "1.0-",
            "1.0 beta",
        ] {
            assert!(
                parse(Scheme::RubyGems, bad).is_err(),
                "rubygems should reject {bad:?}"
            );
        }
    }
}
