//! Alpine secdb (`secfixes` per package and release), as the legacy YAML files or the JSON that
//! secdb.alpinelinux.org serves: `{distroversion, reponame, packages: [{pkg: {name, secfixes: {ver: [ids]}}}]}`.
//!
//! One advisory per vulnerability id, named `ALPINE-<id>` (as OSV's own Alpine records are), with one affected
//! entry per (release, package): `Alpine:vX.Y`, ECOSYSTEM range `introduced 0, fixed <ver>`. The importer
//! merges the advisories of every file of one import by id. A line naming a CVE and other ids
//! (`CVE-2017-8904 XSA-214`) gives the CVE's advisory, the other ids becoming its aliases.

use super::util::{Pairs, Parsed, from_json, from_yaml, push_unique};
use crate::advisory::{Advisory, Affected, Event, Range, RangeKind};
use crate::ecosystem::Ecosystem;
use crate::version::Scheme;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SecDb {
    distroversion: Option<String>,
    packages: Option<Vec<Option<PkgEntry>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PkgEntry {
    pkg: Option<Pkg>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Pkg {
    name: Option<String>,
    secfixes: Option<Fixes>,
}

/// `secfixes`: fixed version → ids, in document order.
type Fixes = Pairs<Option<Vec<Option<String>>>>;

/// Parse a secdb YAML document; `path` gives the release when `distroversion` is missing.
pub(crate) fn parse_yaml(text: &str, path: &Path) -> Result<Parsed, String> {
    convert(from_yaml(text)?, path)
}

/// Parse a secdb JSON document.
pub(crate) fn parse_json(bytes: &[u8], path: &Path) -> Result<Parsed, String> {
    convert(from_json(bytes)?, path)
}

fn release_of(db: &SecDb, path: &Path) -> Option<String> {
    let from_dir = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .filter(|n| n.starts_with('v') || *n == "edge");
    let raw = db.distroversion.as_deref().or(from_dir)?;
    let (_, release) = Ecosystem::parse_osv(&format!("Alpine:{}", raw.trim()))?;
    (!release.is_empty()).then_some(release)
}

/// `(advisory id, package)`.
type FixKey = (String, String);

fn convert(db: SecDb, path: &Path) -> Result<Parsed, String> {
    let release = release_of(&db, path)
        .ok_or("`distroversion` missing or not vX.Y, and the parent directory is not named vX.Y")?;
    let ecosystem = format!("Alpine:{release}");
    let mut out = Parsed::default();
    // (id, package) -> (aliases, fixed): a CVE listed under two versions of one package in one release was
    // fixed by the lower one (the later entry documents a rebuild or upgrade that keeps the fix).
    let mut fixes: Vec<(FixKey, (Vec<String>, String))> = Vec::new();
    let mut index: std::collections::HashMap<FixKey, usize> = Default::default();
    for (i, entry) in db.packages.unwrap_or_default().into_iter().enumerate() {
        let Some(pkg) = entry.and_then(|e| e.pkg) else {
            return Err(format!("packages[{i}]: expected a mapping with `pkg`"));
        };
        let Some(name) = pkg
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
        else {
            return Err(format!("packages[{i}].pkg: missing `name`"));
        };
        for (version, lines) in pkg.secfixes.unwrap_or_default().0 {
            let version = version.trim().to_string();
            for line in lines.unwrap_or_default().into_iter().flatten() {
                let (cves, others, bad) = split_ids(&line);
                for _ in 0..bad {
                    out.ignore("secfixes entry that is not a usable id");
                }
                if version == "0" {
                    for _ in 0..(cves.len() + others.len()) {
                        out.ignore("secfixes `0`: package never affected");
                    }
                    continue;
                }
                let (primary, extra) = if cves.is_empty() {
                    (others, Vec::new())
                } else {
                    (cves, others)
                };
                if crate::version::parse(Scheme::Apk, &version).is_err() {
                    for _ in 0..primary.len() {
                        out.ignore("secfixes version that is not an apk version");
                    }
                    continue;
                }
                for id in primary {
                    let key = (id.clone(), name.clone());
                    match index.get(&key).and_then(|&i| fixes.get_mut(i)) {
                        Some((_, (aliases, fixed))) => {
                            for x in &extra {
                                push_unique(aliases, x.clone());
                            }
                            if crate::version::compare(Scheme::Apk, &version, fixed)
                                .is_ok_and(|o| o == std::cmp::Ordering::Less)
                            {
                                *fixed = version.clone();
                            }
                        }
                        None => {
                            let mut aliases = vec![id.clone()];
                            for x in &extra {
                                push_unique(&mut aliases, x.clone());
                            }
                            index.insert(key.clone(), fixes.len());
                            fixes.push((key, (aliases, version.clone())));
                        }
                    }
                }
            }
        }
    }
    for ((id, name), (aliases, fixed)) in fixes {
        out.advisories.push(Advisory {
            id: format!("ALPINE-{id}"),
            aliases,
            affected: vec![Affected {
                ecosystem: ecosystem.clone(),
                name,
                ranges: vec![Range {
                    kind: RangeKind::Ecosystem,
                    events: vec![Event::Introduced("0".into()), Event::Fixed(fixed)],
                }],
                ..Affected::default()
            }],
            ..Advisory::default()
        });
    }
    Ok(out)
}

/// Split one secfixes line into CVE ids, other ids, and the number of unusable tokens. Comments
/// (`# ...`) and notes in parentheses are dropped. Spellings found in the data are read as the CVE they name:
/// `CVE_2019-2426`, `CVE-2017-8073.patch`, `CVE 2018-16859` (two tokens) and `CVE-2017-17434-1` (one patch of
/// several for CVE-2017-17434).
fn split_ids(line: &str) -> (Vec<String>, Vec<String>, usize) {
    let text = line.split(['#', '(']).next().unwrap_or("");
    let (mut cves, mut others, mut bad) = (Vec::new(), Vec::new(), 0);
    let mut toks = text
        .split_whitespace()
        .map(|t| t.trim_matches([',', ';', ':']))
        .peekable();
    while let Some(tok) = toks.next() {
        let mut t = tok.to_string();
        if t == "CVE"
            && let Some(next) = toks.next_if(|n| cve_number(n).is_some())
        {
            t = format!("CVE-{next}");
        }
        if let Some(rest) = t.strip_prefix("CVE_") {
            t = format!("CVE-{rest}");
        }
        if let Some(stem) = t.strip_suffix(".patch") {
            t = stem.to_string();
        }
        if let Some(number) = t.strip_prefix("CVE-").and_then(cve_number) {
            t = format!("CVE-{number}");
        }
        if !is_id(&t) {
            bad += 1;
        } else if t.starts_with("CVE-") {
            push_unique(&mut cves, t);
        } else {
            push_unique(&mut others, t);
        }
    }
    (cves, others, bad)
}

/// The `YYYY-NNNN` of a CVE id written `YYYY-NNNN` or `YYYY-NNNN-<patch number>`.
fn cve_number(t: &str) -> Option<&str> {
    let mut parts = t.split('-');
    let year = parts.next()?;
    let seq = parts.next()?;
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let ok = year.len() == 4
        && digits(year)
        && seq.len() >= 4
        && digits(seq)
        && parts.all(|p| digits(p) && p.len() <= 2);
    ok.then(|| t.get(..year.len() + 1 + seq.len()).unwrap_or(t))
}

/// `PREFIX-rest` with an alphanumeric prefix and a rest of alphanumerics, `.`, `-`, `_`.
fn is_id(t: &str) -> bool {
    let Some((prefix, rest)) = t.split_once('-') else {
        return false;
    };
    !prefix.is_empty()
        && prefix.chars().all(|c| c.is_ascii_alphanumeric())
        && rest.chars().any(|c| c.is_ascii_alphanumeric())
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_split_on_whitespace_and_drop_notes() {
        let (c, o, b) = split_ids("CVE-2017-8904 XSA-214");
        assert_eq!(c, ["CVE-2017-8904"]);
        assert_eq!(o, ["XSA-214"]);
        assert_eq!(b, 0);
        let (c, _, b) = split_ids("CVE-2019-1 CVE-2019-2 (SMB - partially fixed)");
        assert_eq!(c, ["CVE-2019-1", "CVE-2019-2"]);
        assert_eq!(b, 0);
        let (c, o, b) = split_ids("CVE-????-?????  XSA-99");
        assert!(c.is_empty());
        assert_eq!(o, ["XSA-99"]);
        assert_eq!(b, 1);
        assert_eq!(split_ids("CVE_2018-1.patch").0, ["CVE-2018-1"]);
    }

    /// Spellings of v3.4-v3.11 secdb (rsync, ansible) that gave ids no CVE lookup could find, or no advisory.
    #[test]
    fn cve_spellings_of_the_data() {
        assert_eq!(split_ids("CVE-2017-17434-1").0, ["CVE-2017-17434"]);
        assert_eq!(
            split_ids("CVE-2017-17434-2 CVE-2017-17434-1").0,
            ["CVE-2017-17434"]
        );
        let (c, o, b) = split_ids("CVE 2018-16859");
        assert_eq!((c, o, b), (vec!["CVE-2018-16859".to_string()], vec![], 0));
        assert_eq!(split_ids("CVE_2019-2426").0, ["CVE-2019-2426"]);
        assert_eq!(split_ids("CVE-2017-8073.patch").0, ["CVE-2017-8073"]);
        // Not CVE numbers: left as they are or counted.
        assert_eq!(
            split_ids("CVE XSA-1"),
            (vec![], vec!["XSA-1".to_string()], 1)
        );
        assert_eq!(split_ids("CVE-????-?????").2, 1);
        assert_eq!(split_ids("CVE-2017-1234-abc").0, ["CVE-2017-1234-abc"]);
    }
}

#[cfg(test)]
mod lowest_fix_tests {
    use super::*;

    /// busybox in v3.10 lists CVE-2018-1000500 under 1.29.3-r10 and again under 1.30.1-r2: 1.30.0 is fixed.
    #[test]
    fn a_cve_listed_twice_is_fixed_by_the_lower_version_and_bad_versions_are_counted() {
        let yaml = "distroversion: v3.10\nreponame: main\npackages:\n  - pkg:\n      name: busybox\n      secfixes:\n        1.30.1-r2:\n          - CVE-2018-1000500\n        1.29.3-r10:\n          - CVE-2018-1000500\n        1.18.-r2:\n          - CVE-2011-5325\n";
        let parsed = parse_yaml(yaml, Path::new("v3.10/main.yaml")).unwrap();
        assert_eq!(parsed.advisories.len(), 1, "{:?}", parsed.advisories);
        let a = &parsed.advisories[0];
        assert_eq!(a.id, "ALPINE-CVE-2018-1000500");
        assert_eq!(
            a.affected[0].ranges[0].events,
            vec![
                Event::Introduced("0".into()),
                Event::Fixed("1.29.3-r10".into())
            ]
        );
        assert_eq!(
            parsed.ignored,
            vec!["secfixes version that is not an apk version".to_string()]
        );
    }
}
