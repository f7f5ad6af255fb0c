use crate::version::{Scheme, compare, parse};
use std::cmp::Ordering;

/// apk-tools' own test/version.data pairs (`a op b`), one per line.
const VERSION_DATA: &str = include_str!("version_data.txt");

/// Pairs of version.data that apk-tools only orders by its "invalid version: string sort" fallback; here they
/// are errors.
const INVALID_IN_DATA: [&str; 2] = ["1.0bc", "23_foo"];

#[test]
fn apk_tools_version_data() {
    let mut checked = 0;
    for line in VERSION_DATA.lines().filter(|l| !l.trim().is_empty()) {
        let mut f = line.split_whitespace();
        let (Some(a), Some(op), Some(b)) = (f.next(), f.next(), f.next()) else {
            panic!("bad line {line:?}");
        };
        if INVALID_IN_DATA.contains(&a) || INVALID_IN_DATA.contains(&b) {
            let bad = if INVALID_IN_DATA.contains(&a) { a } else { b };
            assert!(parse(Scheme::Apk, bad).is_err(), "apk should reject {bad}");
            continue;
        }
        let want = match op {
            "<" => Ordering::Less,
            ">" => Ordering::Greater,
            "=" => Ordering::Equal,
            _ => panic!("bad op in {line:?}"),
        };
        let got = compare(Scheme::Apk, a, b).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(got, want, "apk: {line}");
        assert_eq!(
            compare(Scheme::Apk, b, a).ok(),
            Some(want.reverse()),
            "apk reversed: {line}"
        );
        checked += 1;
    }
    assert!(checked > 400, "only {checked} pairs checked");
}

#[test]
fn apk_suffix_chain_and_hash() {
    let chain = [
        "1.0_alpha",
        "1.0_alpha1",
        "1.0_beta",
        "1.0_pre1",
        "1.0_rc1",
        "1.0_rc2",
        "1.0",
        "1.0-r1",
        "1.0_cvs",
        "1.0_svn",
        "1.0_git20200101",
        "1.0_hg",
        "1.0_p1",
        "1.0_p2",
        "1.0a",
        "1.0.1",
    ];
    for w in chain.windows(2) {
        let (a, b) = (w[0], w[1]);
        assert_eq!(
            compare(Scheme::Apk, a, b).ok(),
            Some(Ordering::Less),
            "apk: {a} < {b}"
        );
    }
    let cases = [
        ("1.0~abc123", Ordering::Greater, "1.0"),
        ("1.0~abc123-r1", Ordering::Greater, "1.0~abc123"),
        ("1.0~abc123-r0", Ordering::Less, "1.0~abd000-r0"),
        ("1.02", Ordering::Less, "1.1"),
        ("3.0.7-r0", Ordering::Less, "3.0.15-r0"),
        (
            "99999999999999999999999",
            Ordering::Greater,
            "9999999999999999999999",
        ),
    ];
    for (a, want, b) in cases {
        assert_eq!(
            compare(Scheme::Apk, a, b).ok(),
            Some(want),
            "apk: {a} {want:?} {b}"
        );
    }
    for bad in [
        "", "a1", "1.", "1..2", "1.0_foo", "1.0-r", "1.0-1", "1.0~", "1.0A", "1.0 1",
    ] {
        assert!(
            parse(Scheme::Apk, bad).is_err(),
            "apk should reject {bad:?}"
        );
    }
}
