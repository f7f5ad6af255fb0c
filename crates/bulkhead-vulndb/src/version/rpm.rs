//! RPM package versions (Red Hat, Fedora, SUSE, Amazon Linux, ...), as ordered by rpm's `rpmvercmp`
//! (`lib/rpmvercmp.c`) applied to epoch, version and release.
//!
//! - EVR: `[epoch:]version[-release]`. The epoch is the leading decimal digits before a `:` (missing = 0); the
//!   release is what follows the LAST `-` of the rest. Epochs compare numerically, then versions, then releases
//!   with `rpmvercmp` (a missing release orders before any release).
//! - `rpmvercmp`: characters other than ASCII letters, digits, `~` and `^` are separators and only delimit
//!   segments (`2.0` == `2_0`). A `~` sorts before everything, even the end of the string (`1.0~rc1` < `1.0`). A
//!   `^` sorts after the end of the string but before anything else (`1.0` < `1.0^git1` < `1.0.1`). Segments are
//!   maximal runs of digits or of letters; a numeric segment is newer than an alphabetic one, numeric segments
//!   compare as numbers (leading zeros ignored, unbounded), alphabetic ones with `strcmp`. When all segments
//!   are equal, the side with segments left is newer.

use std::cmp::Ordering;

/// A parsed rpm EVR.
#[derive(Debug, Clone)]
pub(crate) struct RpmVersion {
    epoch: String,
    version: String,
    release: Option<String>,
}

/// Parse an rpm `[epoch:]version[-release]`.
pub(crate) fn parse(s: &str) -> Result<RpmVersion, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty version".into());
    }
    if t.chars().any(char::is_whitespace) {
        return Err("embedded whitespace".into());
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (epoch, rest) = match t.get(digits..).and_then(|r| r.strip_prefix(':')) {
        Some(rest) => (t.get(..digits).unwrap_or_default(), rest),
        None => ("", t),
    };
    if t.get(digits..).is_some_and(|r| r.starts_with(':')) && digits == 0 {
        return Err("empty epoch".into());
    }
    let (version, release) = match rest.rsplit_once('-') {
        Some((v, r)) => (v, Some(r)),
        None => (rest, None),
    };
    if !version.bytes().any(|b| b.is_ascii_alphanumeric()) {
        return Err("no version (letters or digits) before the release".into());
    }
    if let Some(r) = release
        && !r.bytes().any(|b| b.is_ascii_alphanumeric())
    {
        return Err("empty release after `-`".into());
    }
    if version.contains(':') || release.is_some_and(|r| r.contains(':')) {
        return Err("`:` outside the epoch".into());
    }
    Ok(RpmVersion {
        epoch: if epoch.is_empty() {
            "0".into()
        } else {
            epoch.into()
        },
        version: version.into(),
        release: release.map(str::to_string),
    })
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        super::cmp_digits(&self.epoch, &other.epoch)
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
            })
    }
}
super::ord_via_cmp!(RpmVersion);

/// rpm's segment-wise version comparison.
pub(crate) fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0usize, 0usize);
    let is_sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    while i < a.len() || j < b.len() {
        while a.get(i).is_some_and(|&c| is_sep(c)) {
            i += 1;
        }
        while b.get(j).is_some_and(|&c| is_sep(c)) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(ca), Some(_)) = (ca, cb) else {
            break;
        };
        let numeric = ca.is_ascii_digit();
        let class = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let run = |s: &[u8], k: usize| {
            let n = s
                .get(k..)
                .unwrap_or_default()
                .iter()
                .take_while(|c| class(c))
                .count();
            (k, k + n)
        };
        let (sa, ea) = run(a, i);
        let (sb, eb) = run(b, j);
        if sb == eb {
            // Segments of different types: numeric is newer.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let seg_a = std::str::from_utf8(a.get(sa..ea).unwrap_or_default()).unwrap_or_default();
        let seg_b = std::str::from_utf8(b.get(sb..eb).unwrap_or_default()).unwrap_or_default();
        let ord = if numeric {
            super::cmp_digits(seg_a, seg_b)
        } else {
            seg_a.cmp(seg_b)
        };
        if ord != Ordering::Equal {
            return ord;
        }
        i = ea;
        j = eb;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::rpmvercmp;
    use crate::version::{Scheme, compare, parse};
    use std::cmp::Ordering;

    /// rpm's tests/rpmvercmp.at: (a, b, rpm.vercmp(a, b)).
    const RPMVERCMP_AT: &[(&str, &str, i8)] = &[
        ("1.0", "1.0", 0),
        ("1.0", "2.0", -1),
        ("2.0", "1.0", 1),
        ("2.0.1", "2.0.1", 0),
        ("2.0", "2.0.1", -1),
        ("2.0.1", "2.0", 1),
        ("2.0.1a", "2.0.1a", 0),
        ("2.0.1a", "2.0.1", 1),
        ("2.0.1", "2.0.1a", -1),
        ("5.5p1", "5.5p1", 0),
        ("5.5p1", "5.5p2", -1),
        ("5.5p2", "5.5p1", 1),
        ("5.5p10", "5.5p10", 0),
        ("5.5p1", "5.5p10", -1),
        ("5.5p10", "5.5p1", 1),
        ("10xyz", "10.1xyz", -1),
        ("10.1xyz", "10xyz", 1),
        ("xyz10", "xyz10", 0),
        ("xyz10", "xyz10.1", -1),
        ("xyz10.1", "xyz10", 1),
        ("xyz.4", "xyz.4", 0),
        ("xyz.4", "8", -1),
        ("8", "xyz.4", 1),
        ("xyz.4", "2", -1),
        ("2", "xyz.4", 1),
        ("5.5p2", "5.6p1", -1),
        ("5.6p1", "5.5p2", 1),
        ("5.6p1", "6.5p1", -1),
        ("6.5p1", "5.6p1", 1),
        ("6.0.rc1", "6.0", 1),
        ("6.0", "6.0.rc1", -1),
        ("10b2", "10a1", 1),
        ("10a2", "10b2", -1),
        ("1.0aa", "1.0aa", 0),
        ("1.0a", "1.0aa", -1),
        ("1.0aa", "1.0a", 1),
        ("10.0001", "10.0001", 0),
        ("10.0001", "10.1", 0),
        ("10.1", "10.0001", 0),
        ("10.0001", "10.0039", -1),
        ("10.0039", "10.0001", 1),
        ("4.999.9", "5.0", -1),
        ("5.0", "4.999.9", 1),
        ("20101121", "20101121", 0),
        ("20101121", "20101122", -1),
        ("20101122", "20101121", 1),
        ("2_0", "2_0", 0),
        ("2.0", "2_0", 0),
        ("2_0", "2.0", 0),
        ("a", "a", 0),
        ("a+", "a+", 0),
        ("a+", "a_", 0),
        ("a_", "a+", 0),
        ("+a", "+a", 0),
        ("+a", "_a", 0),
        ("_a", "+a", 0),
        ("+_", "+_", 0),
        ("_+", "+_", 0),
        ("_+", "_+", 0),
        ("+", "_", 0),
        ("_", "+", 0),
        ("1.0~rc1", "1.0~rc1", 0),
        ("1.0~rc1", "1.0", -1),
        ("1.0", "1.0~rc1", 1),
        ("1.0~rc1", "1.0~rc2", -1),
        ("1.0~rc2", "1.0~rc1", 1),
        ("1.0~rc1~git123", "1.0~rc1~git123", 0),
        ("1.0~rc1~git123", "1.0~rc1", -1),
        ("1.0~rc1", "1.0~rc1~git123", 1),
        // Caret cases of the same file in newer rpm releases.
        ("1.0^", "1.0^", 0),
        ("1.0^", "1.0", 1),
        ("1.0", "1.0^", -1),
        ("1.0^git1", "1.0^git1", 0),
        ("1.0^git1", "1.0", 1),
        ("1.0", "1.0^git1", -1),
        ("1.0^git1", "1.0^git2", -1),
        ("1.0^git2", "1.0^git1", 1),
        ("1.0^git1", "1.01", -1),
        ("1.01", "1.0^git1", 1),
        ("1.0^20160101", "1.0^20160101", 0),
        ("1.0^20160101", "1.0.1", -1),
        ("1.0.1", "1.0^20160101", 1),
        ("1.0^20160101^git1", "1.0^20160101^git1", 0),
        ("1.0^20160102", "1.0^20160101^git1", 1),
        ("1.0^20160101^git1", "1.0^20160102", -1),
        ("1.0~rc1^git1", "1.0~rc1^git1", 0),
        ("1.0~rc1^git1", "1.0~rc1", 1),
        ("1.0~rc1", "1.0~rc1^git1", -1),
        ("1.0^git1~pre", "1.0^git1~pre", 0),
        ("1.0^git1", "1.0^git1~pre", 1),
        ("1.0^git1~pre", "1.0^git1", -1),
    ];

    #[test]
    fn rpm_rpmvercmp_at() {
        for &(a, b, want) in RPMVERCMP_AT {
            let want = want.cmp(&0);
            assert_eq!(rpmvercmp(a, b), want, "rpmvercmp({a}, {b})");
        }
    }

    #[test]
    fn rpm_evr_order() {
        use Ordering::*;
        let cases = [
            ("1:3.0.7-16.el9", Greater, "3.0.7-16.el9"),
            ("0:3.0.7-16.el9", Equal, "3.0.7-16.el9"),
            ("3.0.7-16.el9", Less, "3.0.7-18.el9"),
            ("3.0.7-16.el9", Less, "3.0.7-16.el9_2"),
            ("3.0.7-16.el9_2.1", Greater, "3.0.7-16.el9_2"),
            ("1:1.1.1k-7.el8_6", Less, "1:1.1.1k-9.el8_7"),
            ("2.28-225.el9", Less, "2.28-225.el9_3.1"),
            ("4.18.0-477.10.1.el8_8", Less, "4.18.0-477.13.1.el8_8"),
            ("1.2-3", Less, "1.2.1-1"),
            ("1.0~rc1-1", Less, "1.0-1"),
            ("1.0^git1-1", Greater, "1.0-1"),
            ("7.61.1-22.el8", Less, "7.76.1-26.el9"),
            ("1.0", Less, "1.0-1"),
            ("10:1.0-1", Greater, "9:2.0-1"),
            (
                "99999999999999999999999-1",
                Greater,
                "9999999999999999999999-1",
            ),
            ("1.0-a-b", Equal, "1.0-a-b"),
        ];
        for (a, want, b) in cases {
            assert_eq!(
                compare(Scheme::Rpm, a, b).ok(),
                Some(want),
                "rpm: {a} {want:?} {b}"
            );
            assert_eq!(
                compare(Scheme::Rpm, b, a).ok(),
                Some(want.reverse()),
                "rpm: {b} vs {a}"
            );
        }
        for bad in ["", " ", ":1.0", "1:", "-1", "1.0-", "1 0", "a:1.0", "1:2:3"] {
            assert!(
                parse(Scheme::Rpm, bad).is_err(),
                "rpm should reject {bad:?}"
            );
        }
    }
}
