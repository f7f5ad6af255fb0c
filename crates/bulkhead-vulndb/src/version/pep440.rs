//! Python package versions (PyPI), per PEP 440 / the PyPA version specification, parsed and ordered by the
//! `pep440_rs` crate (the implementation used by uv).
//!
//! Rules: `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, normalized (case-insensitive, `v` prefix,
//! alternative spellings `alpha`/`beta`/`c`/`pre`/`preview`, `-`/`_`/`.` separators, implicit numbers:
//! `1.0RC1` == `1.0rc1`, `1.0-1` == `1.0.post1`). Order: epoch, then release segments with trailing zeros
//! ignored (`1.0` == `1.0.0`), then `.devN` < `aN` < `bN` < `rcN` < (final) < `.postN`, a dev release of a
//! pre/post release sorting just before it; a local label sorts after the same public version. Invalid
//! versions are an error.

use std::cmp::Ordering;
use std::str::FromStr;

/// A parsed PEP 440 version.
#[derive(Debug, Clone)]
pub(crate) struct Pep440Version(pep440_rs::Version);

/// Parse a PEP 440 version.
pub(crate) fn parse(s: &str) -> Result<Pep440Version, String> {
    pep440_rs::Version::from_str(s.trim())
        .map(Pep440Version)
        .map_err(|e| e.to_string())
}

impl Ord for Pep440Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}
super::ord_via_cmp!(Pep440Version);

#[cfg(test)]
mod tests {
    use crate::version::{Scheme, compare, parse};
    use std::cmp::Ordering;

    /// The ordering example of PEP 440 ("Summary of permitted suffixes and relative ordering"), in order.
    #[test]
    fn pep440_spec_ordering_example() {
        let chain = [
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ];
        for (i, a) in chain.iter().enumerate() {
            for b in &chain[i + 1..] {
                crate::version::assert_lt(Scheme::Pep440, a, b);
            }
        }
    }

    #[test]
    fn pep440_normalization() {
        let eq = [
            ("1.0RC1", "1.0rc1"),
            ("1.0c1", "1.0rc1"),
            ("1.0-alpha1", "1.0a1"),
            ("1.0.beta.2", "1.0b2"),
            ("1.0-1", "1.0.post1"),
            ("1.0.rev1", "1.0.post1"),
            ("v1.0", "1.0"),
            ("1.0", "1.0.0"),
            ("0!1.0", "1.0"),
            ("1.0.DEV1", "1.0.dev1"),
            ("  1.0  ", "1.0"),
            ("1.0+ubuntu-1", "1.0+ubuntu.1"),
        ];
        for (a, b) in eq {
            assert_eq!(
                compare(Scheme::Pep440, a, b).ok(),
                Some(Ordering::Equal),
                "pep440: {a} == {b}"
            );
        }
        let lt = [
            ("2.0", "1!1.0"),
            ("1!2.0", "2!0.1"),
            ("1.0a1", "1.0"),
            ("1.0.dev1", "1.0a1"),
            ("1.0", "1.0.post1"),
            ("1.0", "1.0+local"),
            ("2.31.0", "2.32.0"),
            ("1.9", "1.10"),
        ];
        for (a, b) in lt {
            assert_eq!(
                compare(Scheme::Pep440, a, b).ok(),
                Some(Ordering::Less),
                "pep440: {a} < {b}"
            );
        }
        for bad in [
            "",
            "1.0-",
            "1..0",
            "french toast",
            "1.0+",
            "1.0_dev_x",
            "!1.0",
        ] {
            assert!(
                parse(Scheme::Pep440, bad).is_err(),
                "pep440 should reject {bad:?}"
            );
        }
    }
}
