//! Debian/Ubuntu package versions, as ordered by dpkg (`dpkg --compare-versions`, `lib/dpkg/version.c`).
//!
//! Rules (Debian Policy §5.6.12):
//! - `[epoch:]upstream[-revision]`: the epoch is the decimal number before the first `:` (missing = 0), the
//!   revision is what follows the last `-` (missing = empty, which orders like `0`).
//! - Epochs compare numerically, then upstream, then revision, each with dpkg's `verrevcmp`: the string is
//!   alternately a non-digit run and a digit run. Non-digit runs compare character by character with the
//!   weight `~` < end of string < letters (ASCII order) < every other character; digit runs compare as numbers
//!   (here as unbounded digit strings, so no overflow).
//!
//! Parsing follows dpkg's `parseversion`: surrounding whitespace is ignored; empty, embedded whitespace, a
//! non-numeric/negative/huge (> `i32::MAX`) epoch, an empty upstream, a character outside `[A-Za-z0-9.+~-:]`
//! (`:` only in the upstream part) or outside `[A-Za-z0-9.+~]` in the revision is an error. An upstream version
//! not starting with a digit is only a warning for dpkg and is accepted, but a version without any digit is
//! rejected (it is never a real package version).

use std::cmp::Ordering;

/// A parsed dpkg version.
#[derive(Debug, Clone)]
pub(crate) struct DpkgVersion {
    epoch: u32,
    upstream: String,
    revision: String,
}

/// Parse a dpkg version.
pub(crate) fn parse(s: &str) -> Result<DpkgVersion, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty version".into());
    }
    if t.chars().any(char::is_whitespace) {
        return Err("embedded whitespace".into());
    }
    let (epoch, rest) = match t.split_once(':') {
        Some((e, rest)) => {
            if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("epoch `{e}` is not a non-negative number"));
            }
            let epoch = e
                .parse::<u32>()
                .ok()
                .filter(|n| *n <= i32::MAX as u32)
                .ok_or_else(|| format!("epoch `{e}` is too big"))?;
            if rest.is_empty() {
                return Err("nothing after the epoch's colon".into());
            }
            (epoch, rest)
        }
        None => (0, t),
    };
    let (upstream, revision) = match rest.rsplit_once('-') {
        Some((u, r)) => (u, r),
        None => (rest, ""),
    };
    if upstream.is_empty() {
        return Err("empty upstream version".into());
    }
    if let Some(c) = upstream
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || ".-+~:".contains(*c)))
    {
        return Err(format!("invalid character `{c}` in the upstream version"));
    }
    if let Some(c) = revision
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || ".+~".contains(*c)))
    {
        return Err(format!("invalid character `{c}` in the revision"));
    }
    if !upstream
        .bytes()
        .chain(revision.bytes())
        .any(|b| b.is_ascii_digit())
    {
        return Err("no digit in the version".into());
    }
    Ok(DpkgVersion {
        epoch,
        upstream: upstream.to_string(),
        revision: revision.to_string(),
    })
}

impl Ord for DpkgVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(&self.upstream, &other.upstream))
            .then_with(|| verrevcmp(&self.revision, &other.revision))
    }
}
super::ord_via_cmp!(DpkgVersion);

/// The weight of one character of a non-digit run (`None` = end of string or a digit).
fn weight(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's comparison of one version part (upstream or revision).
pub(crate) fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    let digit_at = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    while i < a.len() || j < b.len() {
        // Non-digit run: both sides advance together until a weight differs.
        while (i < a.len() && !digit_at(a, i)) || (j < b.len() && !digit_at(b, j)) {
            let (wa, wb) = (weight(a.get(i).copied()), weight(b.get(j).copied()));
            if wa != wb {
                return wa.cmp(&wb);
            }
            i += 1;
            j += 1;
        }
        // Digit run: compare as unbounded numbers.
        let run = |s: &[u8], mut k: usize| {
            let start = k;
            while digit_at(s, k) {
                k += 1;
            }
            (start, k)
        };
        let (sa, ea) = run(a, i);
        let (sb, eb) = run(b, j);
        let da = std::str::from_utf8(a.get(sa..ea).unwrap_or_default()).unwrap_or_default();
        let db = std::str::from_utf8(b.get(sb..eb).unwrap_or_default()).unwrap_or_default();
        let ord = super::cmp_digits(da, db);
        if ord != Ordering::Equal {
            return ord;
        }
        i = ea;
        j = eb;
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use crate::version::{Scheme, compare, parse};
    use std::cmp::Ordering::{self, Equal, Greater, Less};

    fn check(cases: &[(&str, Ordering, &str)]) {
        for &(a, want, b) in cases {
            let got = compare(Scheme::Dpkg, a, b).unwrap_or_else(|e| panic!("{a} vs {b}: {e}"));
            assert_eq!(got, want, "dpkg: {a} {want:?} {b}");
            let back = compare(Scheme::Dpkg, b, a).unwrap_or_else(|e| panic!("{b} vs {a}: {e}"));
            assert_eq!(back, want.reverse(), "dpkg (reversed): {b} vs {a}");
        }
    }

    /// dpkg's lib/dpkg/t/t-version.c: equality, epoch, upstream and revision differences, and the parse cases
    /// that must compare equal to a given (epoch, upstream, revision).
    #[test]
    fn dpkg_t_version_cases() {
        check(&[
            ("1-1", Less, "2-1"),
            ("1-1", Less, "1-2"),
            ("0-0", Equal, "0-0"),
            ("0-00", Equal, "00-0"),
            ("1:2-3", Equal, "1:2-3"),
            ("0:0-0", Less, "1:0-0"),
            ("0:a0-0", Less, "0:b0-0"),
            ("0-a0", Less, "0-b0"),
            ("0", Equal, "0:0"),
            ("0", Equal, "0:0-"),
            ("0:0-0", Equal, "0-0"),
            ("0:0.0-0.0", Equal, "0.0-0.0"),
            ("1:0", Greater, "0"),
            ("5:1", Greater, "4:9"),
            ("0:0-0-0", Equal, "0-0-0"),
            ("0:0-0-0-0", Equal, "0-0-0-0"),
            ("0:0:0-0", Equal, "0:0:0-0"),
            ("0:0:0:0-0", Greater, "0:0:0-0"),
            ("0:0:0-0-0", Equal, "0:0:0-0-0"),
            ("0:0-0:0-0", Equal, "0:0-0:0-0"),
            ("0:09azAZ.-+~:-0", Equal, "0:09azAZ.-+~:-0"),
            ("0:0-azAZ09.+~", Equal, "0-azAZ09.+~"),
            ("  \t0:0-1", Equal, "0:0-1"),
            ("0:0-1\t  ", Equal, "0-1"),
            ("\t  0:0-1  \t", Equal, "0:0-1"),
        ]);
    }

    /// dpkg's scripts/t/Dpkg_Version.t data: `a b expected` (also what `dpkg --compare-versions` answers).
    const DPKG_VERSION_T: &str = "\
1.0-1 2.0-2 -1
2.2~rc-4 2.2-1 -1
2.2-1 2.2~rc-4 1
1.0000-1 1.0-1 0
1 0:1 0
0 0:0-0 0
2:2.5 1:7.5 1
1:0foo 0foo 1
0:0foo 0foo 0
0foo 0foo 0
0foo- 0foo 0
0foo- 0foo-0 0
0foo 0fo 1
0foo- 0foo+ -1
0foo~1 0foo -1
0foo~foo+Bar 0foo~foo+bar -1
0foo~~ 0foo~ -1
1~ 1 -1
12345+that-really-is-some-ver-0 12345+that-really-is-some-ver-10 -1
0foo-0 0foo-01 -1
0foo.bar 0foobar 1
0foo.bar 0foo1bar 1
0foo.bar 0foo0bar 1
0foo1bar-1 0foobar-1 -1
0foo2.0 0foo2 1
0foo2.0.0 0foo2.10.0 -1
0foo2.0 0foo2.0.0 -1
0foo2.0 0foo2.10 -1
0foo2.1 0foo2.10 -1
1.09 1.9 0
1.0.8+nmu1 1.0.8 1
3.11 3.10+nmu1 1
0.9j-20080306-4 0.9i-20070324-2 1
1.2.0~b7-1 1.2.0~b6-1 1
1.011-1 1.06-2 1
0.0.9+dfsg1-1 0.0.8+dfsg1-3 1
4.6.99+svn6582-1 4.6.99+svn6496-1 1
53 52 1
0.9.9~pre122-1 0.9.9~pre111-1 1
2:2.3.2-2+lenny2 2:2.3.2-2 1
1:3.8.1-1 3.8.GA-1 1
1.0.1+gpl-1 1.0.1-2 1
1a 1000a -1
";

    #[test]
    fn dpkg_version_t_data() {
        let mut n = 0;
        for line in DPKG_VERSION_T.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            let [a, b, r] = f.as_slice() else {
                panic!("bad line {line:?}");
            };
            let want = r.parse::<i8>().expect("result").cmp(&0);
            check(&[(a, want, b)]);
            n += 1;
        }
        assert_eq!(n, 43);
        // The data's last pair, `-0.6.5` < `0.9.1`, has an empty upstream version, which dpkg's parser rejects.
        assert!(parse(Scheme::Dpkg, "-0.6.5").is_err());
    }

    /// The Debian Policy / dpkg examples of `~`, letters and digit runs.
    #[test]
    fn dpkg_policy_order() {
        check(&[
            ("1.0~rc1", Less, "1.0"),
            ("1.0~~", Less, "1.0~~a"),
            ("1.0~~a", Less, "1.0~"),
            ("1.0~", Less, "1.0"),
            ("1.0", Less, "1.0a"),
            ("1.0a", Less, "1.0+"),
            ("1.0", Less, "1.0.1"),
            ("1.0a", Less, "1.0.1"),
            ("1.0a", Less, "1.0."),
            ("1.0-1", Less, "1.0-1.1"),
            ("1.0-1ubuntu1", Greater, "1.0-1"),
            ("1.0-1~bpo1", Less, "1.0-1"),
            ("2.30-1", Greater, "2.4-1"),
            ("1:1.0", Greater, "2.0"),
            ("1.2.3-0ubuntu0.22.04.1", Less, "1.2.3-0ubuntu0.22.04.2"),
            ("3.0.2-0ubuntu1.10", Greater, "3.0.2-0ubuntu1.9"),
            ("7.88.1-10+deb12u5", Greater, "7.88.1-10"),
            ("7.88.1-10+deb12u5", Less, "7.88.1-10+deb12u12"),
            ("2.36-9+deb12u4", Less, "2.36-9+deb12u7"),
            ("1.0", Equal, "1.00"),
            ("1.01", Equal, "1.1"),
            ("99999999999999999999999", Less, "100000000000000000000000"),
            (
                "1.99999999999999999999999",
                Greater,
                "1.99999999999999999999998",
            ),
            ("0:abc3-0", Less, "0:abd1-0"),
        ]);
    }

    #[test]
    fn dpkg_rejects_what_dpkg_rejects() {
        for bad in [
            "",
            "  ",
            "0:",
            "0:0 0-1",
            "-1:0-1",
            "999999999999999999999999:0-1",
            "a:0-0",
            "A:0-0",
            "-0",
            "0:-0",
            "0:0-0:0",
            "abc",
            "0:0a_-0",
        ] {
            assert!(
                parse(Scheme::Dpkg, bad).is_err(),
                "dpkg should reject {bad:?}"
            );
        }
        for c in "!#@$%&/|\\<>()[]{};,_=*^'".chars() {
            let up = format!("0:0{c}-0");
            assert!(
                parse(Scheme::Dpkg, &up).is_err(),
                "dpkg should reject {up:?}"
            );
        }
        for c in "!#@$%&/|\\<>()[]{}:;,_=*^'".chars() {
            let rev = format!("0:0-0{c}");
            assert!(
                parse(Scheme::Dpkg, &rev).is_err(),
                "dpkg should reject {rev:?}"
            );
        }
        assert!(parse(Scheme::Dpkg, "0:abc3-0").is_ok());
    }
}
