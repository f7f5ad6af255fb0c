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

/// A deterministic pseudo-random generator (no dependency needed for a test).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// Random versions built from the pieces every scheme cares about; the order of each scheme must be a total
/// order on them (otherwise sorting could misbehave): antisymmetric and transitive, checked on all triples.
/// Maven is the exception: `ComparableVersion` itself is not transitive on unusual versions (see
/// `maven::tests::maven_order_is_not_transitive_on_odd_versions`), so only antisymmetry is checked for it.
#[test]
fn order_is_total_on_generated_versions() {
    const PIECES: [&str; 30] = [
        "0", "1", "2", "10", "01", "9", ".", ".", ".", "-", "_", "~", "^", "+", ":", "a", "b", "m",
        "rc", "alpha", "beta", "sp", "p", "dev", "pre", "r", "x", "ga", "final", "snapshot",
    ];
    let mut rng = Lcg(0x5eed);
    let strings: Vec<String> = (0..6000)
        .map(|_| {
            let mut s = String::from(
                ["1", "0", "2", "v1", "1.", "1.0.0-", "1.2.3", "v0.0.0-"][rng.next(8)],
            );
            for _ in 0..rng.next(7) {
                s.push_str(PIECES[rng.next(PIECES.len())]);
            }
            s
        })
        .collect();
    for scheme in ALL {
        let mut vs: Vec<Version> = strings
            .iter()
            .filter_map(|s| parse(scheme, s).ok())
            .collect();
        vs.dedup_by(|a, b| a.as_str() == b.as_str());
        vs.truncate(70);
        assert!(
            vs.len() >= 10,
            "{}: only {} generated versions parse",
            scheme.as_str(),
            vs.len()
        );
        for a in &vs {
            for b in &vs {
                let ab = a.cmp(b);
                assert_eq!(
                    ab,
                    b.cmp(a).reverse(),
                    "{}: {} vs {}",
                    scheme.as_str(),
                    a.as_str(),
                    b.as_str()
                );
                if scheme == Scheme::Maven {
                    continue;
                }
                for c in &vs {
                    if ab != Ordering::Greater && b.cmp(c) != Ordering::Greater {
                        let ac = a.cmp(c);
                        let want_lt = ab == Ordering::Less || b.cmp(c) == Ordering::Less;
                        assert!(
                            ac != Ordering::Greater && (!want_lt || ac == Ordering::Less),
                            "{}: not transitive: {} {:?} {} {:?} {} but {:?}",
                            scheme.as_str(),
                            a.as_str(),
                            ab,
                            b.as_str(),
                            b.cmp(c),
                            c.as_str(),
                            ac
                        );
                    }
                }
            }
        }
        if scheme != Scheme::Maven {
            vs.sort();
        }
    }
}
