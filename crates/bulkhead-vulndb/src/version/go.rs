//! Go versions: module versions as ordered by `golang.org/x/mod/semver`, and Go toolchain versions (the
//! `stdlib` and `toolchain` modules of the Go vulnerability database) as ordered by `go/version`.
//!
//! Module versions: SemVer 2.0 with a `v` prefix (optional here), the shorthands `v1` and `v1.2` meaning
//! `v1.0.0` and `v1.2.0`; numbers without leading zeros, compared as unbounded integers; pre-release
//! identifiers as in SemVer (numeric < alphanumeric, numeric ones numerically); build metadata — including
//! `+incompatible` — ignored for order. Pseudo-versions (`v0.0.0-20210101000000-abcdef123456`,
//! `v1.2.4-0.20210101000000-abcdef123456`) are ordinary pre-releases and so order correctly by construction.
//!
//! Toolchain versions: `go1.21rc2`, `go1.20beta1`, `go1.21`, `go1.19.8` (and the same without `go`) are mapped
//! to the SemVer that the Go vulnerability database writes in its OSV ranges: `1.21.0-rc.2`, `1.20.0-beta.1`,
//! `1.21.0`, `1.19.8`; so a binary's `go1.19.8` equals the advisory's `1.19.8`, and `go1.21` equals `1.21.0`.
//! After `go`, a custom toolchain suffix (`go1.22.0-bigcorp`) or build-info note (`go1.20.5 X:boringcrypto`)
//! is dropped, as `go/version` does.

use super::cmp_digits;
use std::cmp::Ordering;

/// One pre-release identifier.
#[derive(Debug, Clone)]
enum Ident {
    Num(String),
    Alnum(String),
}

/// A parsed Go version.
#[derive(Debug, Clone)]
pub(crate) struct GoVersion {
    major: String,
    minor: String,
    patch: String,
    pre: Vec<Ident>,
}

/// A decimal number without leading zeros (`0` itself allowed).
fn is_num(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

fn is_ident(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Parse a Go module or toolchain version.
pub(crate) fn parse(s: &str) -> Result<GoVersion, String> {
    let t = s.trim();
    if let Some(r) = t.strip_prefix("go") {
        // Like go/version's FromToolchain: custom suffixes (`go1.22.0-bigcorp`) and what a binary's build info
        // appends (`go1.20.5 X:boringcrypto`) are not part of the version.
        let r = r.split([' ', '\t', '-']).next().unwrap_or(r);
        return toolchain(r)
            .ok_or_else(|| "not a Go toolchain version (goX[.Y[.Z]][betaN|rcN])".into());
    }
    let r = t.strip_prefix('v').unwrap_or(t);
    module(r).or_else(|| toolchain(r)).ok_or_else(|| {
        "not a Go semantic version (vX[.Y[.Z[-pre][+build]]]) nor a toolchain version".into()
    })
}

/// `X[.Y[.Z[-pre][+build]]]` (without the `v`).
fn module(r: &str) -> Option<GoVersion> {
    let (core, build) = match r.split_once('+') {
        Some((c, b)) => (c, Some(b)),
        None => (r, None),
    };
    if let Some(b) = build
        && !b.split('.').all(is_ident)
    {
        return None;
    }
    let (nums, pre) = match core.split_once('-') {
        Some((n, p)) => (n, Some(p)),
        None => (core, None),
    };
    let parts: Vec<&str> = nums.split('.').collect();
    if parts.len() > 3 || !parts.iter().all(|p| is_num(p)) {
        return None;
    }
    // The shorthands v1 and v1.2 take no pre-release nor build.
    if parts.len() < 3 && (pre.is_some() || build.is_some()) {
        return None;
    }
    let pre = match pre {
        Some(p) => {
            let mut ids = Vec::new();
            for id in p.split('.') {
                if !is_ident(id) {
                    return None;
                }
                if id.bytes().all(|b| b.is_ascii_digit()) {
                    if !is_num(id) {
                        return None;
                    }
                    ids.push(Ident::Num(id.to_string()));
                } else {
                    ids.push(Ident::Alnum(id.to_string()));
                }
            }
            ids
        }
        None => Vec::new(),
    };
    let part = |i: usize| parts.get(i).map_or("0", |p| p).to_string();
    Some(GoVersion {
        major: part(0),
        minor: part(1),
        patch: part(2),
        pre,
    })
}

/// `X[.Y[.Z]][(alpha|beta|rc)N]` (without the `go`).
fn toolchain(r: &str) -> Option<GoVersion> {
    let split = r.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(r.len());
    let (nums, kind) = r.split_at(split);
    let parts: Vec<&str> = nums.split('.').collect();
    if parts.len() > 3 || !parts.iter().all(|p| is_num(p)) {
        return None;
    }
    let mut pre = Vec::new();
    if !kind.is_empty() {
        let name = ["alpha", "beta", "rc"]
            .into_iter()
            .find(|k| kind.starts_with(k))?;
        let n = &kind[name.len()..];
        if !is_num(n) {
            return None;
        }
        pre.push(Ident::Alnum(name.to_string()));
        pre.push(Ident::Num(n.to_string()));
    }
    let part = |i: usize| parts.get(i).map_or("0", |p| p).to_string();
    Some(GoVersion {
        major: part(0),
        minor: part(1),
        patch: part(2),
        pre,
    })
}

/// SemVer pre-release identifier precedence.
fn cmp_ident(a: &Ident, b: &Ident) -> Ordering {
    match (a, b) {
        (Ident::Num(x), Ident::Num(y)) => cmp_digits(x, y),
        (Ident::Num(_), Ident::Alnum(_)) => Ordering::Less,
        (Ident::Alnum(_), Ident::Num(_)) => Ordering::Greater,
        (Ident::Alnum(x), Ident::Alnum(y)) => x.cmp(y),
    }
}

impl Ord for GoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(&self.major, &other.major)
            .then_with(|| cmp_digits(&self.minor, &other.minor))
            .then_with(|| cmp_digits(&self.patch, &other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let o = cmp_ident(a, b);
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}
super::ord_via_cmp!(GoVersion);

#[cfg(test)]
mod tests {
    use crate::version::{Scheme, compare, parse};
    use std::cmp::Ordering;

    /// golang.org/x/mod/semver's test list, in increasing order (entries on one line are equal).
    #[test]
    fn go_semver_test_order() {
        let groups: &[&[&str]] = &[
            &["v0.0.0-20210101000000-abcdef123456"],
            &["v0.1.0"],
            &["v1.0.0-alpha"],
            &["v1.0.0-alpha.1"],
            &["v1.0.0-alpha.beta"],
            &["v1.0.0-beta"],
            &["v1.0.0-beta.2"],
            &["v1.0.0-beta.11"],
            &["v1.0.0-rc.1"],
            &["v1", "v1.0", "v1.0.0", "1.0.0", "v1.0.0+meta"],
            &["v1.2", "v1.2.0", "v1.2.0+incompatible"],
            &["v1.2.3-456"],
            &["v1.2.3-456.789"],
            &["v1.2.3-456-789"],
            &["v1.2.3-456a"],
            &["v1.2.3-pre"],
            &["v1.2.3-pre.1"],
            &["v1.2.3-zzz"],
            &[
                "v1.2.3",
                "v1.2.3+meta",
                "v1.2.3+meta-pre",
                "v1.2.3+meta-pre.sha.256a",
            ],
            &["v1.2.4-0.20191109021931-daa7c04131f5"],
            &["v1.2.4"],
            &["v2.0.0+incompatible"],
            &["v2.0.1+incompatible"],
            &["v2.1.0"],
            &["v10.0.0"],
        ];
        let flat: Vec<(usize, &str)> = groups
            .iter()
            .enumerate()
            .flat_map(|(i, g)| g.iter().map(move |v| (i, *v)))
            .collect();
        for &(i, a) in &flat {
            for &(j, b) in &flat {
                assert_eq!(
                    compare(Scheme::Go, a, b).ok(),
                    Some(i.cmp(&j)),
                    "go: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn go_semver_test_compare_extras() {
        use Ordering::*;
        for (a, b, want) in [
            ("v1", "v1", Equal),
            ("v2", "v1", Greater),
            ("v1", "v2", Less),
            ("v1.19", "v1.2", Greater),
        ] {
            assert_eq!(
                compare(Scheme::Go, a, b).ok(),
                Some(want),
                "go: {a} {want:?} {b}"
            );
        }
        assert_eq!(
            compare(Scheme::Go, "v1.2.3-pre+meta", "v1.2.3-pre").ok(),
            Some(Equal)
        );
        // The invalid entries of the same test list.
        for bad in [
            "bad",
            "v1-alpha.beta.gamma",
            "v1-pre",
            "v1+meta",
            "v1-pre+meta",
            "v1.2-pre",
            "v1.2+meta",
            "v1.2-pre+meta",
        ] {
            assert!(parse(Scheme::Go, bad).is_err(), "go should reject {bad:?}");
        }
    }

    #[test]
    fn go_pseudo_versions() {
        let chain = [
            "v0.0.0-20190101000000-aaaaaaaaaaaa",
            "v0.0.0-20210101000000-abcdef123456",
            "v0.1.0",
            "v0.1.1-0.20200101000000-bbbbbbbbbbbb",
            "v0.1.1",
            "v1.5.0-pre",
            "v1.5.0-pre.0.20200101000000-cccccccccccc",
            "v1.5.0",
        ];
        for w in chain.windows(2) {
            assert_eq!(
                compare(Scheme::Go, w[0], w[1]).ok(),
                Some(Ordering::Less),
                "go: {} < {}",
                w[0],
                w[1]
            );
        }
    }

    #[test]
    fn go_toolchain_versions() {
        let eq = [
            ("go1.19.8", "1.19.8"),
            ("go1.19.8", "v1.19.8"),
            ("go1.21", "1.21.0"),
            ("go1.21.0", "1.21.0"),
            ("go1.21rc2", "1.21.0-rc.2"),
            ("1.20beta1", "1.20.0-beta.1"),
            ("go1.20beta1", "v1.20.0-beta.1"),
            ("go1", "1.0.0"),
            ("go1.9.2rc2", "1.9.2-rc.2"),
            ("go1.20.5 X:boringcrypto", "1.20.5"),
            ("go1.22.0-bigcorp", "1.22.0"),
        ];
        for (a, b) in eq {
            assert_eq!(
                compare(Scheme::Go, a, b).ok(),
                Some(Ordering::Equal),
                "go: {a} == {b}"
            );
        }
        let chain = [
            "go1.19.8",
            "go1.20beta1",
            "go1.20rc1",
            "go1.20rc2",
            "go1.20",
            "go1.20.1",
            "go1.20.10",
            "go1.21rc2",
            "go1.21.0",
            "go1.21.1",
            "go1.22.0",
        ];
        for w in chain.windows(2) {
            assert_eq!(
                compare(Scheme::Go, w[0], w[1]).ok(),
                Some(Ordering::Less),
                "go: {} < {}",
                w[0],
                w[1]
            );
        }
        for bad in [
            "",
            "v",
            "go",
            "v1.2-pre",
            "v1.2+meta",
            "v01.2.3",
            "v1.2.3.4",
            "v1.2.3-",
            "v1.2.3-01",
            "v1.2.3+",
            "go1.21xx1",
            "go1.21rc",
            "1..2",
            "vv1.0.0",
        ] {
            assert!(parse(Scheme::Go, bad).is_err(), "go should reject {bad:?}");
        }
    }
}
