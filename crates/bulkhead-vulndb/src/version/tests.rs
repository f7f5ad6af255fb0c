//! Cross-scheme properties: odd input never panics, errors name the scheme, long digit runs do not overflow,
//! and the order is consistent (antisymmetric, transitive on samples).
use super::{MAX_LEN, Scheme, Version, compare, parse};
use std::cmp::Ordering;

const ALL: [Scheme; 10] = [
    Scheme::Dpkg,
    Scheme::Apk,
    Scheme::Rpm,
    Scheme::Semver,
    Scheme::Go,
    Scheme::Pep440,
    Scheme::Maven,
    Scheme::RubyGems,
    Scheme::Composer,
    Scheme::NuGet,
];

fn odd_inputs() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        " ",
        "\t\n",
        "1..2",
        ".",
        "..",
        "-",
        "--",
        ":",
        "~",
        "^",
        "_",
        "+",
        "@",
        "v",
        "go",
        "1.",
        ".1",
        "-1",
        "1-",
        "1:",
        ":1",
        "1::1",
        "1--1",
        "1__1",
        "1~~",
        "1^^",
        "1.0-r",
        "1.0_",
        "1.0+",
        "1.0@",
        "v.1",
        "1 2",
        "99999999999999999999999",
        "1.99999999999999999999999",
        "99999999999999999999999:1-1",
        "1.0-99999999999999999999999",
        "1.0_p99999999999999999999999",
        "v99999999999999999999999.0.0",
        "é",
        "1.é",
        "١٢٣",
        "1.٢",
        "\u{0}",
        "1\u{0}",
        "😀",
        "1.0😀",
        "ᵛ1.0",
        "\u{FEFF}1.0",
        "1.0\u{200B}",
        "dev-master",
        "1.x-dev",
        "*",
        "latest",
        "0",
        "00",
        "0.0.0",
        "1!",
        "!1",
        "1!2!3",
        "1.0rc",
        "rc1",
        "1.0.0-",
        "1.0.0-+",
        "1.0.0+-",
        "1-a-",
        "a-1",
        "1-0.a-0.b",
        "0:0:0",
        "1.0.0.0.0.0.0.0.0.0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("9".repeat(500));
    v.push("1.".repeat(300) + "1");
    v.push("1-".repeat(400) + "1");
    v.push("a".repeat(MAX_LEN + 1));
    v.push("1".repeat(MAX_LEN + 1));
    v.push("1.0-".to_string() + &"a1".repeat(300));
    v
}

#[test]
fn odd_inputs_never_panic_in_any_scheme() {
    let inputs = odd_inputs();
    for scheme in ALL {
        let parsed: Vec<Version> = inputs
            .iter()
            .filter_map(|s| parse(scheme, s).ok())
            .collect();
        for a in &parsed {
            for b in &parsed {
                // Antisymmetry on whatever parsed.
                assert_eq!(
                    a.cmp(b),
                    b.cmp(a).reverse(),
                    "{}: {} vs {}",
                    scheme.as_str(),
                    a.as_str(),
                    b.as_str()
                );
            }
        }
    }
}

#[test]
fn empty_and_blank_are_errors_naming_the_scheme() {
    for scheme in ALL {
        for s in ["", " ", "\t\n"] {
            let e = parse(scheme, s).expect_err("blank must not parse");
            assert_eq!(e.scheme, scheme);
            assert_eq!(e.version, s);
            assert!(e.to_string().contains(scheme.as_str()), "{e}");
        }
        assert!(
            parse(scheme, &"1".repeat(MAX_LEN + 1)).is_err(),
            "{}: over MAX_LEN",
            scheme.as_str()
        );
    }
}

#[test]
fn long_digit_runs_do_not_overflow() {
    // Schemes whose reference compares numbers without bound.
    let cases = [
        (
            Scheme::Dpkg,
            "99999999999999999999999",
            "100000000000000000000000",
        ),
        (
            Scheme::Apk,
            "1.99999999999999999999999",
            "1.100000000000000000000000",
        ),
        (
            Scheme::Rpm,
            "1.99999999999999999999999",
            "1.100000000000000000000000",
        ),
        (
            Scheme::Go,
            "v1.0.99999999999999999999999",
            "v1.0.100000000000000000000000",
        ),
        (
            Scheme::Maven,
            "1.99999999999999999999999",
            "1.100000000000000000000000",
        ),
        (
            Scheme::RubyGems,
            "1.99999999999999999999999",
            "1.100000000000000000000000",
        ),
        (
            Scheme::Composer,
            "1.99999999999999999999999",
            "1.100000000000000000000000",
        ),
        (
            Scheme::NuGet,
            "1.99999999999999999999999",
            "1.100000000000000000000000",
        ),
    ];
    for (scheme, a, b) in cases {
        assert_eq!(
            compare(scheme, a, b).ok(),
            Some(Ordering::Less),
            "{}: {a} < {b}",
            scheme.as_str()
        );
    }
    // Schemes backed by crates with 64-bit numbers: an error, never a panic.
    for scheme in [Scheme::Semver, Scheme::Pep440] {
        let r = compare(scheme, "99999999999999999999999.0.0", "1.0.0");
        assert!(
            r.is_err() || r == Ok(Ordering::Greater),
            "{}: {r:?}",
            scheme.as_str()
        );
    }
}

#[test]
fn versions_of_different_schemes_order_by_scheme() {
    let a = parse(Scheme::Dpkg, "9.0").expect("dpkg 9.0");
    let b = parse(Scheme::Apk, "1.0").expect("apk 1.0");
    assert_eq!(a.cmp(&b), Ordering::Less);
    assert_ne!(a, b);
    assert_eq!(a.scheme(), Scheme::Dpkg);
    assert_eq!(a.as_str(), "9.0");
    let c = parse(Scheme::Dpkg, "9.00").expect("dpkg 9.00");
    assert_eq!(a, c, "equal in order though written differently");
    assert_eq!(c.as_str(), "9.00");
}

/// Sorting a shuffled sample must give a consistent total order (transitivity check on real-looking data).
#[test]
fn sorting_is_consistent() {
    let samples: [(Scheme, &[&str]); 4] = [
        (
            Scheme::Dpkg,
            &[
                "1.0~rc1-1",
                "1.0-1",
                "1:0.9-1",
                "1.0-1ubuntu1",
                "1.0+dfsg-1",
                "1.0-1~bpo1",
                "2.0-0",
            ],
        ),
        (
            Scheme::Maven,
            &[
                "1.0-SNAPSHOT",
                "1.0-alpha-1",
                "1.0",
                "1.0-sp1",
                "1.0.1",
                "1.0-rc1",
                "1.0-beta",
            ],
        ),
        (
            Scheme::Apk,
            &[
                "1.0_rc1",
                "1.0",
                "1.0-r1",
                "1.0_p1",
                "1.0a",
                "1.0.1",
                "1.0_alpha",
            ],
        ),
        (
            Scheme::Rpm,
            &[
                "1.0~rc1-1",
                "1.0-1",
                "1:0.9-1",
                "1.0^git1-1",
                "1.0.1-1",
                "1.0-2.el9",
            ],
        ),
    ];
    for (scheme, versions) in samples {
        let mut v: Vec<Version> = versions
            .iter()
            .map(|s| parse(scheme, s).expect("sample parses"))
            .collect();
        v.reverse();
        v.sort();
        for i in 0..v.len() {
            for j in i + 1..v.len() {
                assert!(
                    v[i] <= v[j],
                    "{}: {} <= {}",
                    scheme.as_str(),
                    v[i].as_str(),
                    v[j].as_str()
                );
            }
        }
    }
}
