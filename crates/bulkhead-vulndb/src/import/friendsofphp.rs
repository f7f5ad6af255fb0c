//! FriendsOfPHP security-advisories (`<vendor>/<package>/<file>.yaml`): `title`, `link`, `cve`,
//! `reference: composer://vendor/package`, `branches: {name: {time, versions: [">=2.0.0", "<2.0.25"]}}`.
//!
//! Id: the CVE when given, else a GHSA named in `link`, else `FOP-<vendor>/<package>/<file stem>`; files sharing
//! an id (one CVE over several packages) are merged by the importer. Each branch is one ECOSYSTEM range of the
//! Packagist package: `>=X` → introduced X (none → `0`), `<X` → fixed X, `<=X` → last_affected X, `>X` →
//! introduced `X-p-dev`, the least Composer version above a plain numeric X (OSV has no exclusive start; Composer
//! orders `X` < `X-p-dev` < `X-p` < `X-p1` < `X.0.1-dev`); a `>X` on any other X gives introduced X, counted as
//! ignored (X itself reported as affected). The earliest branch `time` is the publication date.

use super::util::{Pairs, Parsed, from_yaml, non_empty, push_unique};
use crate::advisory::{Advisory, Affected, Event, Range, RangeKind};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FopRecord {
    title: Option<String>,
    link: Option<String>,
    cve: Option<String>,
    reference: Option<String>,
    branches: Option<Pairs<Option<Branch>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Branch {
    time: Option<String>,
    versions: Option<Versions>,
}

/// `versions` is a list, but a single string is accepted too.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Versions {
    List(Vec<String>),
    One(String),
}

/// Parse one FriendsOfPHP advisory.
pub(crate) fn parse(text: &str, path: &Path) -> Result<Parsed, String> {
    let rec: FopRecord = from_yaml(text)?;
    let reference = non_empty(rec.reference.as_deref())
        .ok_or("missing field `reference` (expected composer://vendor/package)")?;
    let name = reference
        .strip_prefix("composer://")
        .map(|n| n.trim().trim_matches('/').to_string())
        .filter(|n| n.contains('/'))
        .ok_or_else(|| format!("reference `{reference}`: expected composer://vendor/package"))?;
    let branches = rec
        .branches
        .ok_or("missing field `branches` (expected branch name → {time, versions})")?;
    let mut ranges = Vec::new();
    let mut ignored = Vec::new();
    let mut published: Option<String> = None;
    for (branch, body) in branches.0 {
        let Some(body) = body else {
            return Err(format!("branches.{branch}: expected {{time, versions}}"));
        };
        let versions = match body.versions {
            Some(Versions::List(l)) => l,
            Some(Versions::One(s)) => vec![s],
            None => return Err(format!("branches.{branch}: missing `versions`")),
        };
        let (events, inexact) =
            branch_events(&versions).map_err(|e| format!("branches.{branch}: {e}"))?;
        if inexact {
            ignored.push(EXCLUSIVE_LOWER.to_string());
        }
        ranges.push(Range {
            kind: RangeKind::Ecosystem,
            events,
        });
        if let Some(t) = body.time.as_deref().and_then(rfc3339)
            && published.as_ref().is_none_or(|p| t < *p)
        {
            published = Some(t);
        }
    }
    if ranges.is_empty() {
        return Ok(Parsed::only_ignored(
            "FriendsOfPHP advisory without branches",
        ));
    }
    let link = non_empty(rec.link.as_deref());
    let ghsa = link.as_deref().and_then(ghsa_in);
    let cve = non_empty(rec.cve.as_deref()).filter(|c| c != "~");
    let mut aliases = Vec::new();
    let id = match (cve, ghsa) {
        (Some(c), g) => {
            if let Some(g) = g {
                push_unique(&mut aliases, g);
            }
            c
        }
        (None, Some(g)) => g,
        (None, None) => {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            format!("FOP-{name}/{stem}")
        }
    };
    Ok(Parsed {
        advisories: vec![Advisory {
            id,
            published,
            aliases,
            summary: non_empty(rec.title.as_deref()),
            affected: vec![Affected {
                ecosystem: "Packagist".into(),
                name,
                ranges,
                ..Affected::default()
            }],
            references: link.into_iter().collect(),
            ..Advisory::default()
        }],
        ignored,
    })
}

/// The note counted for each branch with a `> X` bound that could not be made exact.
const EXCLUSIVE_LOWER: &str =
    "FriendsOfPHP `> X` bound: X itself reported as affected (OSV has no exclusive start)";

/// The least Composer version above `ver` when it is plain numeric (`1.2.3` → `1.2.3-p-dev`: a patch
/// release's dev build sorts right after the release), `None` otherwise.
fn successor(ver: &str) -> Option<String> {
    let parts: Vec<&str> = ver.split('.').collect();
    let plain = parts.len() <= 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    plain.then(|| format!("{ver}-p-dev"))
}

/// `GHSA-xxxx-xxxx-xxxx` in a URL.
fn ghsa_in(url: &str) -> Option<String> {
    let start = url.find("GHSA-")?;
    let id: String = url
        .get(start..)?
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (id.len() == "GHSA-xxxx-xxxx-xxxx".len()).then_some(id)
}

/// `2015-08-06 22:08:00` → `2015-08-06T22:08:00Z`; a bare date gets midnight.
fn rfc3339(t: &str) -> Option<String> {
    let t = t.trim();
    let (date, time) = t.split_once([' ', 'T']).unwrap_or((t, "00:00:00"));
    let ok = date.len() == 10 && date.chars().all(|c| c.is_ascii_digit() || c == '-');
    ok.then(|| format!("{date}T{}Z", time.trim().trim_end_matches('Z')))
}

/// The events of one branch from its comparators (several may share one string, `>=1.0,<1.5`), and whether
/// a `> X` bound had to be written as `introduced X`.
fn branch_events(versions: &[String]) -> Result<(Vec<Event>, bool), String> {
    let mut inexact = false;
    let mut lower: Option<String> = None;
    let mut upper: Option<Event> = None;
    for item in versions {
        let item = glue_operators(item);
        for comp in item
            .split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let split = comp
                .find(|c: char| !matches!(c, '<' | '>' | '=' | '!'))
                .unwrap_or(comp.len());
            let (op, ver) = comp.split_at(split);
            if ver.is_empty() {
                return Err(format!("`{comp}`: expected a version after the operator"));
            }
            if op.is_empty() && !ver.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(format!(
                    "`{comp}`: expected an operator (<, <=, >, >=, =) and a version"
                ));
            }
            let ver = ver.to_string();
            match op {
                ">=" => lower = Some(ver),
                ">" => {
                    lower = Some(match successor(&ver) {
                        Some(next) => next,
                        None => {
                            inexact = true;
                            ver
                        }
                    })
                }
                "<" => upper = Some(Event::Fixed(ver)),
                "<=" => upper = Some(Event::LastAffected(ver)),
                "=" | "==" | "" => {
                    lower = Some(ver.clone());
                    upper = Some(Event::LastAffected(ver));
                }
                other => return Err(format!("`{comp}`: unknown operator `{other}`")),
            }
        }
    }
    if lower.is_none() && upper.is_none() {
        return Err("expected comparators like `>=2.0.0` and `<2.0.25`".into());
    }
    let mut events = vec![Event::Introduced(lower.unwrap_or_else(|| "0".into()))];
    events.extend(upper);
    Ok((events, inexact))
}

/// `>= 1.0` → `>=1.0`: spaces after an operator removed.
fn glue_operators(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_whitespace() && out.ends_with(['<', '>', '=', '!']) {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn branch_comparators() {
        let e = branch_events(&[">=2.0.0".into(), "<2.0.25".into()]);
        assert_eq!(
            e,
            Ok((
                vec![
                    Event::Introduced("2.0.0".into()),
                    Event::Fixed("2.0.25".into())
                ],
                false
            ))
        );
        let e = branch_events(&["<=1.4".into()]);
        assert_eq!(
            e,
            Ok((
                vec![
                    Event::Introduced("0".into()),
                    Event::LastAffected("1.4".into())
                ],
                false
            ))
        );
        assert!(branch_events(&["~1.0".into()]).is_err());
        assert!(branch_events(&[]).is_err());
        assert_eq!(
            branch_events(&[">= 1.0 < 1.2".into()]),
            Ok((
                vec![Event::Introduced("1.0".into()), Event::Fixed("1.2".into())],
                false
            ))
        );
    }

    /// `> X` excludes X (drupal/core CVE-2019-6342: `>8.7.3`, `<8.7.5`) and takes every version above it.
    #[test]
    fn exclusive_lower_bound_is_the_next_version() {
        let composer = |a: &str, b: &str| crate::version::compare(crate::Scheme::Composer, a, b);
        let e = branch_events(&[">8.7.3".into(), "<8.7.5".into()]);
        let start = "8.7.3-p-dev";
        assert_eq!(
            e,
            Ok((
                vec![
                    Event::Introduced(start.into()),
                    Event::Fixed("8.7.5".into())
                ],
                false
            ))
        );
        for below in ["8.7.3", "v8.7.3", "8.7.3.0", "8.7.3-RC1", "8.7.3.0-stable"] {
            assert_eq!(composer(below, start), Ok(Ordering::Less), "{below}");
        }
        for above in [
            "8.7.3-p",
            "8.7.3-p1",
            "8.7.3-patch0-dev",
            "8.7.3.1-dev",
            "8.7.4-alpha1",
        ] {
            assert_eq!(composer(above, start), Ok(Ordering::Greater), "{above}");
        }
        assert_eq!(
            branch_events(&["> 3.2".into()]).map(|(e, _)| e),
            Ok(vec![Event::Introduced("3.2-p-dev".into())])
        );
        // Not plain numeric: written as introduced X and counted.
        let text = "title: t\nreference: composer://acme/tool\nbranches:\n  1.x:\n    versions: ['> 1.0-beta1', '<2.0']\n  2.x:\n    versions: ['>2.1', '<2.2']\n";
        let got = parse(text, Path::new("acme/tool/x.yaml"));
        assert_eq!(
            got.map(|p| p.ignored),
            Ok(vec![EXCLUSIVE_LOWER.to_string()])
        );
    }

    #[test]
    fn ghsa_from_link() {
        assert_eq!(
            ghsa_in("https://github.com/advisories/GHSA-abcd-efgh-ijkl").as_deref(),
            Some("GHSA-abcd-efgh-ijkl")
        );
        assert_eq!(ghsa_in("https://example.com/"), None);
        assert_eq!(
            rfc3339("2015-08-06 22:08:00").as_deref(),
            Some("2015-08-06T22:08:00Z")
        );
    }
}
