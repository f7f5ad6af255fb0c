//! Vectors of Maven's own ComparableVersionTest.
use crate::version::{Scheme, compare, parse};
use std::cmp::Ordering;

fn order(a: &str, b: &str) {
    assert_eq!(
        compare(Scheme::Maven, a, b).ok(),
        Some(Ordering::Less),
        "maven: {a} < {b}"
    );
    assert_eq!(
        compare(Scheme::Maven, b, a).ok(),
        Some(Ordering::Greater),
        "maven: {b} > {a}"
    );
}

fn equal(a: &str, b: &str) {
    assert_eq!(
        compare(Scheme::Maven, a, b).ok(),
        Some(Ordering::Equal),
        "maven: {a} == {b}"
    );
    assert_eq!(
        compare(Scheme::Maven, b, a).ok(),
        Some(Ordering::Equal),
        "maven: {b} == {a}"
    );
}

fn chain(versions: &[&str]) {
    for (i, a) in versions.iter().enumerate() {
        for b in &versions[i + 1..] {
            order(a, b);
        }
    }
}

#[test]
fn maven_versions_qualifier() {
    chain(&[
        "1-alpha2snapshot",
        "1-alpha2",
        "1-alpha-123",
        "1-beta-2",
        "1-beta123",
        "1-m2",
        "1-m11",
        "1-rc",
        "1-cr2",
        "1-rc123",
        "1-SNAPSHOT",
        "1",
        "1-sp",
        "1-sp2",
        "1-sp123",
        "1-abc",
        "1-def",
        "1-pom-1",
        "1-1-snapshot",
        "1-1",
        "1-2",
        "1-123",
    ]);
}

#[test]
fn maven_versions_number() {
    chain(&[
        "2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1",
        "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11",
        "11.a", "11b", "11c", "11m",
    ]);
}

#[test]
fn maven_versions_equal() {
    for (a, b) in [
        ("1", "1"),
        ("1", "1.0"),
        ("1", "1.0.0"),
        ("1.0", "1.0.0"),
        ("1", "1-0"),
        ("1", "1.0-0"),
        ("1.0", "1.0-0"),
        ("1a", "1-a"),
        ("1a", "1.0-a"),
        ("1a", "1.0.0-a"),
        ("1.0a", "1-a"),
        ("1.0.0a", "1-a"),
        ("1x", "1-x"),
        ("1x", "1.0-x"),
        ("1x", "1.0.0-x"),
        ("1.0x", "1-x"),
        ("1.0.0x", "1-x"),
        ("1cr", "1rc"),
        ("1a1", "1-alpha-1"),
        ("1b2", "1-beta-2"),
        ("1m3", "1-milestone-3"),
        ("1X", "1x"),
        ("1A", "1a"),
        ("1B", "1b"),
        ("1M", "1m"),
        ("1Cr", "1Rc"),
        ("1cR", "1rC"),
        ("1m3", "1Milestone3"),
        ("1m3", "1MileStone3"),
        ("1m3", "1MILESTONE3"),
        // Same order though not `equals` in Java.
        ("1ga", "1"),
        ("1release", "1"),
        ("1final", "1"),
        ("1Ga", "1"),
        ("1GA", "1"),
        ("1RELEASE", "1"),
        ("1RELeaSE", "1"),
        ("1Final", "1"),
        ("1FinaL", "1"),
        ("1FINAL", "1"),
        (
            "1-abcdefghijklmnopqrstuvwxyz",
            "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        ),
        ("1.0.0-alpha1", "1.0.0-ALPHA1"),
        ("1.a", "1.A"),
        ("1.é", "1.É"),
    ] {
        equal(a, b);
    }
    let ones = [
        "0000000000000000001",
        "000000000000000001",
        "00000000000000001",
        "0000000000000001",
        "000000000000001",
        "00000000000001",
        "0000000000001",
        "000000000001",
        "00000000001",
        "0000000001",
        "000000001",
        "00000001",
        "0000001",
        "000001",
        "00001",
        "0001",
        "001",
        "01",
        "1",
    ];
    for a in ones {
        equal(a, "1");
        equal(&a.replace('1', "0"), "0");
    }
}

#[test]
fn maven_version_comparing() {
    for (a, b) in [
        ("1", "2"),
        ("1.5", "2"),
        ("1", "2.5"),
        ("1.0", "1.1"),
        ("1.1", "1.2"),
        ("1.0.0", "1.1"),
        ("1.0.1", "1.1"),
        ("1.1", "1.2.0"),
        ("1.0-alpha-1", "1.0"),
        ("1.0-alpha-1", "1.0-alpha-2"),
        ("1.0-alpha-1", "1.0-beta-1"),
        ("1.0-beta-1", "1.0-SNAPSHOT"),
        ("1.0-SNAPSHOT", "1.0"),
        ("1.0-alpha-1-SNAPSHOT", "1.0-alpha-1"),
        ("1.0", "1.0-1"),
        ("1.0-1", "1.0-2"),
        ("1.0.0", "1.0-1"),
        ("2.0-1", "2.0.1"),
        ("2.0.1-klm", "2.0.1-lmn"),
        ("2.0.1", "2.0.1-xyz"),
        ("2.0.1", "2.0.1-123"),
        ("2.0.1-xyz", "2.0.1-123"),
        // leadingZeroes
        ("0.7", "2"),
        ("0.2", "1.0.7"),
        // digits are greater than letters and than non-ASCII
        ("J", "7"),
        ("c", "7"),
        ("é", "1"),
        ("\u{0668}", "1"),
        ("\u{0668}", "9"),
        ("aardvark", "zebra"),
        ("zebra", "ζέβρα"),
        // MNG-5568
        ("6.1.0rc3", "6.1.0"),
        ("6.1.0rc3", "6.1H.5-beta"),
        ("6.1.0", "6.1H.5-beta"),
        // MNG-6572
        ("20190126.230843", "1234567890.12345"),
        ("1234567890.12345", "123456789012345.1H.5-beta"),
        ("20190126.230843", "123456789012345.1H.5-beta"),
        (
            "123456789012345.1H.5-beta",
            "12345678901234567890.1H.5-beta",
        ),
        ("1234567890.12345", "12345678901234567890.1H.5-beta"),
        ("20190126.230843", "12345678901234567890.1H.5-beta"),
        // MNG-6964
        ("1-0.alpha", "1"),
        ("1-0.beta", "1"),
        ("1-0.alpha", "1-0.beta"),
        // MNG-7714
        ("1.0.final-redhat", "1.0-sp1-redhat"),
        ("1.0.final-redhat", "1.0-sp-1-redhat"),
        ("1.0.final-redhat", "1.0-sp.1-redhat"),
        // Real artifacts.
        ("2.14.1", "2.15.0-rc1"),
        ("2.15.0-rc1", "2.15.0"),
        ("5.3.17", "5.3.18"),
        ("2.12.6", "2.12.6.1"),
        ("9.4.43.v20210629", "9.4.44.v20210927"),
        ("1.2.3.Final", "1.2.4.Beta1"),
    ] {
        order(a, b);
    }
}

/// MNG-7644: 1.0.0.X1 < 1.0.0-X2, and 2-X == 2.0.X == 2.0.0.X, for any qualifier X.
#[test]
fn maven_mng7644() {
    for x in [
        "abc",
        "alpha",
        "a",
        "beta",
        "b",
        "def",
        "milestone",
        "m",
        "RC",
    ] {
        order(&format!("1.0.0.{x}1"), &format!("1.0.0-{x}2"));
        equal(&format!("2-{x}"), &format!("2.0.{x}"));
        equal(&format!("2-{x}"), &format!("2.0.0.{x}"));
        equal(&format!("2.0.{x}"), &format!("2.0.0.{x}"));
    }
}

#[test]
fn maven_deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = "1-".repeat(400) + "1";
    assert!(parse(Scheme::Maven, &deep).is_err());
    let ok = "1-".repeat(20) + "1";
    assert!(parse(Scheme::Maven, &ok).is_ok());
    assert!(parse(Scheme::Maven, "").is_err());
    assert!(parse(Scheme::Maven, "   ").is_err());
}

/// Maven's algorithm is not a total order on unusual versions: the three answers below are what
/// `ComparableVersion` answers pairwise, and they form a cycle. Matching compares pairwise, so it is exact;
/// sorting such versions has no consistent answer.
#[test]
fn maven_order_is_not_transitive_on_odd_versions() {
    order("1snapshotrc", "1.0.0-0beta");
    order("1.0.0-0beta", "1");
    order("1", "1snapshotrc");
}
