use super::normalize;
use crate::version::{Scheme, compare, parse};
use std::cmp::Ordering;

/// composer/semver's VersionParserTest::successfulNormalizedVersions (input, normalized).
#[test]
fn composer_normalize_cases() {
    for (input, want) in [
        ("1.0.0", "1.0.0.0"),
        ("1.2.3.4", "1.2.3.4"),
        ("1.0.0RC1dev", "1.0.0.0-RC1-dev"),
        ("1.0.0-rC15-dev", "1.0.0.0-RC15-dev"),
        ("1.0.0.RC.15-dev", "1.0.0.0-RC15-dev"),
        ("1.0.0-rc1", "1.0.0.0-RC1"),
        ("1.0.0.pl3-dev", "1.0.0.0-patch3-dev"),
        ("1.0-dev", "1.0.0.0-dev"),
        ("0", "0.0.0.0"),
        ("10.4.13-beta", "10.4.13.0-beta"),
        ("10.4.13beta2", "10.4.13.0-beta2"),
        ("10.4.13beta.2", "10.4.13.0-beta2"),
        ("10.4.13-beta.2", "10.4.13.0-beta2"),
        ("10.4.13-b", "10.4.13.0-beta"),
        ("10.4.13-b5", "10.4.13.0-beta5"),
        ("v1.0.0", "1.0.0.0"),
        ("2010.01", "2010.01.0.0"),
        ("2010.01.02", "2010.01.02.0"),
        ("2010.1.555", "2010.1.555.0"),
        ("2010.10.200", "2010.10.200.0"),
        ("v20100102", "20100102"),
        ("2010-01-02", "2010.01.02"),
        ("2010-01-02.5", "2010.01.02.5"),
        ("20100102-203040", "20100102.203040"),
        ("20100102203040-10", "20100102203040.10"),
        ("20100102-203040-p1", "20100102.203040-patch1"),
        ("1.x-dev", "1.9999999.9999999.9999999-dev"),
        ("1.0.0+foo", "1.0.0.0"),
        ("1.0.0-beta.5+foo", "1.0.0.0-beta5"),
        ("20150920.0.0", "20150920.0.0"),
        ("1.2.3b5", "1.2.3.0-beta5"),
        ("1.2.3a1", "1.2.3.0-alpha1"),
        ("1.2.3p1234", "1.2.3.0-patch1234"),
        ("1.2.3pl1234", "1.2.3.0-patch1234"),
        ("1.0.x-dev", "1.0.9999999.9999999-dev"),
        ("1.2.3.4-stable", "1.2.3.4"),
        ("1.0.0-alpha.3.1+foo", "1.0.0.0-alpha3.1"),
        ("1.0.0-alpha2.1+foo", "1.0.0.0-alpha2.1"),
        ("1.0.0-alpha-2.1-3+foo", "1.0.0.0-alpha2.1-3"),
        ("1.0.0@dev", "1.0.0.0"),
        ("1.0.0-stable", "1.0.0.0"),
        ("1.0.0-patch1", "1.0.0.0-patch1"),
        ("1.0.0-p1", "1.0.0.0-patch1"),
        ("1.2.3-alpha", "1.2.3.0-alpha"),
        ("1.2.3-a2", "1.2.3.0-alpha2"),
        (" 1.0.0", "1.0.0.0"),
        ("1.0.0 ", "1.0.0.0"),
        ("V1.2", "1.2.0.0"),
        ("1.0.0-dev", "1.0.0.0-dev"),
    ] {
        assert_eq!(
            normalize(input).as_deref(),
            Ok(want),
            "composer normalize {input:?}"
        );
    }
}

/// composer/semver's VersionParserTest::failingNormalizedVersions, plus branch names (no order).
#[test]
fn composer_rejects() {
    for bad in [
        "",
        "a",
        "1.0.0-meh",
        "1.0.0.0.0",
        "feature-foo",
        "1.0.1-SNAPSHOT",
        "20100102.0.3.4",
        "1.2.3.4.5-dev",
        "1.0.0 as 1.1.0",
        "dev-master",
        "dev-feature/foo",
        "master",
        "1.0.0+",
        "1.0.0+foo bar",
        "1..2",
    ] {
        assert!(
            parse(Scheme::Composer, bad).is_err(),
            "composer should reject {bad:?}"
        );
    }
}

/// Comparator / version_compare order on Packagist-style versions.
#[test]
fn composer_order() {
    let chain = [
        "1.0.0-dev",
        "1.0.0-alpha",
        "1.0.0-alpha1",
        "1.0.0-alpha2",
        "1.0.0-beta",
        "1.0.0-beta1",
        "1.0.0-beta.2",
        "1.0.0-b3",
        "1.0.0-RC1",
        "1.0.0-rc2",
        "1.0.0",
        "1.0.0-patch1",
        "1.0.0-p2",
        "1.0.1",
        "1.0.10",
        "1.1",
        "v2.0.0",
        "2.0.0.1",
        "10.0.0",
    ];
    for (i, a) in chain.iter().enumerate() {
        for b in &chain[i + 1..] {
            assert_eq!(
                compare(Scheme::Composer, a, b).ok(),
                Some(Ordering::Less),
                "composer: {a} < {b}"
            );
            assert_eq!(
                compare(Scheme::Composer, b, a).ok(),
                Some(Ordering::Greater),
                "composer: {b} > {a}"
            );
        }
    }
    for (a, b) in [
        ("1.0", "1.0.0"),
        ("1", "1.0.0.0"),
        ("v1.2.3", "1.2.3"),
        ("1.0.0-RC1", "1.0.0-rc1"),
        ("1.0.0-beta1", "1.0.0beta1"),
        ("1.0.0-pl1", "1.0.0-patch1"),
        ("1.0.0+build", "1.0.0"),
        ("1.0.0-stable", "1.0.0"),
    ] {
        assert_eq!(
            compare(Scheme::Composer, a, b).ok(),
            Some(Ordering::Equal),
            "composer: {a} == {b}"
        );
    }
    for (a, b) in [
        ("5.4.0", "5.4.0.1"),
        ("4.4.49", "4.4.50"),
        ("2.0.0-beta1-dev", "2.0.0-beta1"),
        ("1.x-dev", "2.0.0"),
        ("1.0.0", "1.x-dev"),
        ("2010-01-02", "2010-01-03"),
    ] {
        assert_eq!(
            compare(Scheme::Composer, a, b).ok(),
            Some(Ordering::Less),
            "composer: {a} < {b}"
        );
    }
}
