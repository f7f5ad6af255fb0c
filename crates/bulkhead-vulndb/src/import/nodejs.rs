//! Node.js security WG advisories (`vuln/npm/<n>.json`): `module_name`, `vulnerable_versions` (an npm semver
//! range), `cves`, `cvss_vector`, ...
//!
//! Id `NSWG-ECO-<id>`, aliases the CVEs, ecosystem `npm`. Each `||` alternative of `vulnerable_versions` becomes one
//! SEMVER range (OSV: a version is affected when any range says so); exact versions go to `versions`.
//! Comparators: `<X` → fixed X, `<=X` → last_affected X, `>=X` → introduced X, `>X` → introduced the least
//! SemVer version above X (`>2.0.0` → `2.0.1-0`, `>2.0.0-rc.1` → `2.0.0-rc.1.0`; OSV has no exclusive start, and
//! nothing orders between X and that version); partial versions (`<=1.0`, `>2`), x-ranges, `*`, `^`, `~` and
//! hyphen ranges are converted to the exact bounds npm gives them.
//! `vuln/core` (the node runtime), `vuln/deps` (assessments of bundled libraries) and `index.json` files are
//! ignored with a count.

use super::util::{
    Parsed, cvss_kind, from_json, non_empty, push_unique, rfc3339_date, truncate_details,
};
use crate::advisory::{Advisory, Affected, Event, Range, RangeKind, SeverityScore};
use serde::Deserialize;
use std::cmp::Ordering;
use std::path::Path;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WgRecord {
    id: Option<serde_json::Value>,
    module_name: Option<String>,
    cves: Option<Vec<String>>,
    vulnerable_versions: Option<String>,
    title: Option<String>,
    overview: Option<String>,
    cvss_vector: Option<String>,
    publish_date: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    references: Option<Vec<String>>,
}

/// What kind of Node.js WG file `path` is, from its place in the repository (`vuln/<kind>/<file>`).
pub(crate) fn wg_dir(path: &Path) -> Option<&str> {
    let parent = path.parent()?;
    let grand = parent.parent()?.file_name()?.to_str()?;
    let kind = parent.file_name()?.to_str()?;
    (grand == "vuln" && matches!(kind, "npm" | "core" | "deps")).then_some(kind)
}

/// Parse one Node.js WG file.
pub(crate) fn parse(bytes: &[u8], path: &Path) -> Result<Parsed, String> {
    let is_index = path.file_name().and_then(|n| n.to_str()) == Some("index.json");
    match wg_dir(path) {
        _ if is_index => {
            return Ok(Parsed::only_ignored(
                "Node.js WG index.json (repeats the per-advisory files)",
            ));
        }
        Some("core") => {
            return Ok(Parsed::only_ignored(
                "Node.js core advisory: no npm package",
            ));
        }
        Some("deps") => {
            return Ok(Parsed::only_ignored(
                "Node.js dependency assessment: no npm package",
            ));
        }
        _ => {}
    }
    let rec: WgRecord = from_json(bytes)?;
    let id = match &rec.id {
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        _ => return Err("missing field `id` (expected the advisory number)".into()),
    };
    let name = non_empty(rec.module_name.as_deref()).ok_or("missing field `module_name`")?;
    let range_text = non_empty(rec.vulnerable_versions.as_deref())
        .ok_or("missing field `vulnerable_versions` (expected an npm semver range)")?;
    let (ranges, versions) = convert_range(&range_text)
        .map_err(|e| format!("vulnerable_versions `{range_text}`: {e}"))?;
    let mut aliases = Vec::new();
    for c in rec.cves.unwrap_or_default() {
        push_unique(&mut aliases, c.trim());
    }
    let severity = non_empty(rec.cvss_vector.as_deref())
        .map(|v| SeverityScore {
            kind: cvss_kind(&v).to_string(),
            score: v,
        })
        .into_iter()
        .collect();
    let mut references = Vec::new();
    for r in rec.references.unwrap_or_default() {
        push_unique(&mut references, r.trim());
    }
    Ok(Parsed {
        advisories: vec![Advisory {
            id: format!("NSWG-ECO-{id}"),
            modified: rfc3339_date(rec.updated_at.as_deref()),
            published: rfc3339_date(rec.publish_date.as_deref())
                .or_else(|| rfc3339_date(rec.created_at.as_deref())),
            aliases,
            summary: non_empty(rec.title.as_deref()),
            details: non_empty(rec.overview.as_deref()).map(|d| truncate_details(&d)),
            severity,
            affected: vec![Affected {
                ecosystem: "npm".into(),
                name,
                ranges,
                versions,
                ..Affected::default()
            }],
            references,
            ..Advisory::default()
        }],
        ignored: Vec::new(),
    })
}

/// A version as written, possibly partial (`1`, `1.2`, `1.2.x`, `*`).
#[derive(Debug, Clone)]
struct Partial {
    major: Option<u64>,
    minor: Option<u64>,
    patch: Option<u64>,
    /// `-pre` and `+build` part of a full version.
    rest: String,
}

impl Partial {
    fn parse(s: &str) -> Result<Partial, String> {
        let s = s.trim().trim_start_matches(['v', 'V', '=']);
        let (core, rest) = match s.find(['-', '+']) {
            Some(i) => (s.get(..i).unwrap_or(""), s.get(i..).unwrap_or("")),
            None => (s, ""),
        };
        let mut nums = [None, None, None];
        let parts: Vec<&str> = core.split('.').collect();
        if parts.len() > 3 || core.is_empty() {
            return Err(format!("`{s}` is not a version"));
        }
        for (slot, p) in nums.iter_mut().zip(&parts) {
            *slot = match *p {
                "x" | "X" | "*" => None,
                p => Some(
                    p.parse::<u64>()
                        .map_err(|_| format!("`{s}` is not a version"))?,
                ),
            };
        }
        // `1.x.3` is meaningless: once a part is a wildcard, the rest are too.
        let [major, mut minor, mut patch] = nums;
        if major.is_none() {
            minor = None;
        }
        if minor.is_none() {
            patch = None;
        }
        if !rest.is_empty() && patch.is_none() {
            return Err(format!("`{s}`: a pre-release needs a full version"));
        }
        Ok(Partial {
            major,
            minor,
            patch,
            rest: rest.to_string(),
        })
    }

    fn full(&self) -> bool {
        self.patch.is_some()
    }

    /// The lowest version matching this partial (`1.2` → `1.2.0`).
    fn floor(&self) -> String {
        format!(
            "{}.{}.{}{}",
            self.major.unwrap_or(0),
            self.minor.unwrap_or(0),
            self.patch.unwrap_or(0),
            self.rest
        )
    }

    /// The least SemVer version above this full version: `1.2.3` → `1.2.4-0` (the lowest pre-release of the
    /// next patch), `1.2.3-rc.1` → `1.2.3-rc.1.0` (one more identifier); build metadata does not order.
    fn successor(&self) -> Result<String, String> {
        let (m, n, p) = (
            self.major.unwrap_or(0),
            self.minor.unwrap_or(0),
            self.patch.unwrap_or(0),
        );
        let pre = self.rest.split('+').next().unwrap_or("");
        if pre.is_empty() {
            Ok(format!("{m}.{n}.{}-0", succ(p)?))
        } else {
            Ok(format!("{m}.{n}.{p}{pre}.0"))
        }
    }

    /// The first version above every version matching this partial (`1.2` → `1.3.0`, `1` → `2.0.0`);
    /// `None` for `*`.
    fn ceiling(&self) -> Result<Option<String>, String> {
        Ok(match (self.major, self.minor, self.patch) {
            (None, _, _) => None,
            (Some(m), None, _) => Some(format!("{}.0.0", succ(m)?)),
            (Some(m), Some(n), None) => Some(format!("{m}.{}.0", succ(n)?)),
            (Some(m), Some(n), Some(p)) => Some(format!("{m}.{n}.{}", succ(p)?)),
        })
    }
}

/// `n + 1`, an error when `n` is the largest number a version part can hold.
fn succ(n: u64) -> Result<u64, String> {
    n.checked_add(1)
        .ok_or_else(|| format!("version number `{n}` is too large"))
}

#[derive(Debug, Clone, PartialEq)]
enum Upper {
    Fixed(String),
    LastAffected(String),
}

impl Upper {
    fn version(&self) -> &str {
        match self {
            Upper::Fixed(v) | Upper::LastAffected(v) => v,
        }
    }
}

#[derive(Debug, Default)]
struct Bounds {
    lower: Option<String>,
    upper: Option<Upper>,
}

fn cmp(a: &str, b: &str) -> Result<Ordering, String> {
    let pa = semver::Version::parse(a).map_err(|e| format!("`{a}`: {e}"))?;
    let pb = semver::Version::parse(b).map_err(|e| format!("`{b}`: {e}"))?;
    Ok(pa.cmp_precedence(&pb))
}

impl Bounds {
    fn lower(&mut self, v: String) -> Result<(), String> {
        match &self.lower {
            Some(cur) if cmp(cur, &v)? != Ordering::Less => {}
            _ => self.lower = Some(v),
        }
        Ok(())
    }
    fn upper(&mut self, u: Upper) -> Result<(), String> {
        let keep_current = match &self.upper {
            Some(cur) => match cmp(cur.version(), u.version())? {
                Ordering::Less => true,
                Ordering::Greater => false,
                // Same version: `< X` is tighter than `<= X`.
                Ordering::Equal => matches!(cur, Upper::Fixed(_)),
            },
            None => false,
        };
        if !keep_current {
            self.upper = Some(u);
        }
        Ok(())
    }
    /// Apply one comparator.
    fn apply(&mut self, op: &str, v: &Partial) -> Result<(), String> {
        if v.major.is_none() {
            // `*`, `x`: any version.
            return match op {
                "" | "=" | ">=" | "<=" | "~" | "^" => Ok(()),
                _ => Err(format!("`{op}*` matches nothing")),
            };
        }
        match op {
            "<" => self.upper(Upper::Fixed(v.floor())),
            "<=" => match v.ceiling()? {
                _ if v.full() => self.upper(Upper::LastAffected(v.floor())),
                Some(c) => self.upper(Upper::Fixed(c)),
                None => Ok(()),
            },
            ">=" => self.lower(v.floor()),
            ">" => match v.ceiling()? {
                _ if v.full() => self.lower(v.successor()?),
                Some(c) => self.lower(c),
                None => Err("`>*` matches nothing".into()),
            },
            "" | "=" => {
                self.lower(v.floor())?;
                match v.ceiling()? {
                    _ if v.full() => self.upper(Upper::LastAffected(v.floor())),
                    Some(c) => self.upper(Upper::Fixed(c)),
                    None => Ok(()),
                }
            }
            "~" => {
                self.lower(v.floor())?;
                let up = match (v.major, v.minor) {
                    (Some(m), Some(n)) => Some(format!("{m}.{}.0", succ(n)?)),
                    (Some(m), None) => Some(format!("{}.0.0", succ(m)?)),
                    _ => None,
                };
                up.map_or(Ok(()), |u| self.upper(Upper::Fixed(u)))
            }
            "^" => {
                self.lower(v.floor())?;
                let up = match (v.major, v.minor, v.patch) {
                    (Some(0), Some(0), Some(p)) => Some(format!("0.0.{}", succ(p)?)),
                    (Some(0), Some(0), None) => Some("0.1.0".to_string()),
                    (Some(0), Some(n), _) => Some(format!("0.{}.0", succ(n)?)),
                    (Some(0), None, _) => Some("1.0.0".to_string()),
                    (Some(m), _, _) => Some(format!("{}.0.0", succ(m)?)),
                    (None, _, _) => None,
                };
                up.map_or(Ok(()), |u| self.upper(Upper::Fixed(u)))
            }
            other => Err(format!("unknown operator `{other}`")),
        }
    }
}

/// Convert an npm range into SEMVER ranges (one per `||` alternative) and exact versions.
fn convert_range(text: &str) -> Result<(Vec<Range>, Vec<String>), String> {
    let mut ranges = Vec::new();
    let mut versions = Vec::new();
    for alt in text.split("||") {
        let comps = comparators(alt)?;
        if comps.is_empty() {
            return Err("empty alternative".into());
        }
        // A single exact version goes to `versions`.
        if let [(op, v)] = comps.as_slice()
            && (op.is_empty() || op == "=")
            && v.full()
        {
            push_unique(&mut versions, v.floor());
            continue;
        }
        let mut b = Bounds::default();
        for (op, v) in &comps {
            b.apply(op, v)?;
        }
        if let (Some(lo), Some(up)) = (&b.lower, &b.upper) {
            match (cmp(lo, up.version())?, up) {
                (Ordering::Greater, _) | (Ordering::Equal, Upper::Fixed(_)) => continue,
                _ => {}
            }
        }
        let mut events = vec![Event::Introduced(
            b.lower.clone().unwrap_or_else(|| "0".into()),
        )];
        match b.upper {
            Some(Upper::Fixed(v)) => events.push(Event::Fixed(v)),
            Some(Upper::LastAffected(v)) => events.push(Event::LastAffected(v)),
            None => {}
        }
        ranges.push(Range {
            kind: RangeKind::Semver,
            events,
        });
    }
    if ranges.is_empty() && versions.is_empty() {
        return Err("matches no version".into());
    }
    Ok((ranges, versions))
}

/// The comparators of one alternative: operators may be separated from their version by spaces, and
/// `a - b` is a hyphen range.
fn comparators(alt: &str) -> Result<Vec<(String, Partial)>, String> {
    let toks: Vec<&str> = alt.split_whitespace().collect();
    if let [a, "-", b] = toks.as_slice() {
        let (a, b) = (Partial::parse(a)?, Partial::parse(b)?);
        let mut out = vec![(">=".to_string(), a)];
        out.push(("<=".to_string(), b));
        return Ok(out);
    }
    let mut out = Vec::new();
    let mut pending: Option<String> = None;
    for tok in toks {
        let split = tok
            .find(|c: char| !matches!(c, '<' | '>' | '=' | '~' | '^'))
            .unwrap_or(tok.len());
        let (op, ver) = tok.split_at(split);
        let op = match (pending.take(), op) {
            (Some(p), "") => p,
            (Some(p), _) => return Err(format!("operator `{p}` without a version")),
            (None, op) => op.to_string(),
        };
        if ver.is_empty() {
            pending = Some(op);
            continue;
        }
        let op = if op == "~>" { "~".to_string() } else { op };
        if !matches!(op.as_str(), "" | "=" | "<" | "<=" | ">" | ">=" | "~" | "^") {
            return Err(format!("unknown operator `{op}`"));
        }
        let v = if ver == "*" || ver.eq_ignore_ascii_case("x") {
            Partial {
                major: None,
                minor: None,
                patch: None,
                rest: String::new(),
            }
        } else {
            Partial::parse(ver)?
        };
        out.push((op, v));
    }
    if let Some(p) = pending {
        return Err(format!("operator `{p}` without a version"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(text: &str) -> Vec<Vec<Event>> {
        match convert_range(text) {
            Ok((r, _)) => r.into_iter().map(|r| r.events).collect(),
            Err(e) => panic!("{text}: {e}"),
        }
    }
    fn i(v: &str) -> Event {
        Event::Introduced(v.into())
    }
    fn f(v: &str) -> Event {
        Event::Fixed(v.into())
    }
    fn l(v: &str) -> Event {
        Event::LastAffected(v.into())
    }

    #[test]
    fn comparators_become_events() {
        assert_eq!(ev("<=1.5.1"), [vec![i("0"), l("1.5.1")]]);
        assert_eq!(
            ev(">=1.0.0 <1.2.3 || >=2.0.0 <2.0.1"),
            [vec![i("1.0.0"), f("1.2.3")], vec![i("2.0.0"), f("2.0.1")]]
        );
        assert_eq!(ev("<1.0.0 >=0.5"), [vec![i("0.5.0"), f("1.0.0")]]);
        assert_eq!(ev("*"), [vec![i("0")]]);
        assert_eq!(ev(">= 2.1.0-alpha"), [vec![i("2.1.0-alpha")]]);
        assert_eq!(ev("<= 1.0"), [vec![i("0"), f("1.1.0")]]);
        assert_eq!(ev("< 3.1.3  || >= 4.0.0 <4.1.1").len(), 2);
        assert_eq!(ev("2.0.x || 2.1.x")[1], vec![i("2.1.0"), f("2.2.0")]);
        assert_eq!(ev("^1.2.3"), [vec![i("1.2.3"), f("2.0.0")]]);
        assert_eq!(ev("^0.2.3"), [vec![i("0.2.3"), f("0.3.0")]]);
        assert_eq!(ev("~0.8.0-pre"), [vec![i("0.8.0-pre"), f("0.9.0")]]);
        assert_eq!(ev("1.2.0 - 1.4"), [vec![i("1.2.0"), f("1.5.0")]]);
        assert_eq!(ev("> 4.0.0 <4.0.5"), [vec![i("4.0.1-0"), f("4.0.5")]]);
        assert_eq!(ev(">2.0.0-rc.1"), [vec![i("2.0.0-rc.1.0")]]);
        assert_eq!(ev(">2.0.0+build.5"), [vec![i("2.0.1-0")]]);
        assert_eq!(ev("<=v2.0.0-alpha7"), [vec![i("0"), l("2.0.0-alpha7")]]);
    }

    #[test]
    fn exact_versions_go_to_versions() {
        let (r, v) = convert_range("<=0.9.4 || 1.0.0").unwrap_or_default();
        assert_eq!(v, ["1.0.0"]);
        assert_eq!(r.len(), 1);
        let (r, v) = convert_range("=3.0.0-rc.1").unwrap_or_default();
        assert!(r.is_empty());
        assert_eq!(v, ["3.0.0-rc.1"]);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(convert_range("None").is_err());
        assert!(convert_range(">= ").is_err());
        assert!(convert_range("<1.2.3.4.5").is_err());
    }

    /// `>X` excludes X and its build variants and takes every version above, pre-releases included.
    #[test]
    fn exclusive_lower_bound_is_the_next_version() {
        let semver = |a: &str, b: &str| crate::version::compare(crate::Scheme::Semver, a, b);
        for (x, start) in [("2.0.0", "2.0.1-0"), ("2.0.0-rc.1", "2.0.0-rc.1.0")] {
            assert_eq!(ev(&format!(">{x}")), [vec![i(start)]]);
            assert_eq!(semver(x, start), Ok(Ordering::Less));
            assert_eq!(semver(&format!("{x}+b7"), start), Ok(Ordering::Less));
        }
        assert_eq!(semver("2.0.1-alpha", "2.0.1-0"), Ok(Ordering::Greater));
        assert_eq!(
            semver("2.0.0-rc.1.1", "2.0.0-rc.1.0"),
            Ok(Ordering::Greater)
        );
        assert_eq!(semver("2.0.0-rc.2", "2.0.0-rc.1.0"), Ok(Ordering::Greater));
    }

    #[test]
    fn largest_version_numbers_are_errors_not_overflows() {
        let max = u64::MAX;
        for text in [
            format!("<={max}"),
            format!("~{max}"),
            format!("^{max}.0.0"),
            format!("^0.{max}"),
            format!("~1.{max}.0"),
            format!(">1.2.{max}"),
        ] {
            let got = convert_range(&text);
            assert!(
                got.as_ref().is_err_and(|e| e.contains("too large")),
                "{text}: {got:?}"
            );
        }
    }
}
