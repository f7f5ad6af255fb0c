//! Matching an inventory against the database with OSV semantics.
//!
//! For each package: its lookup key (ecosystem, release from os-release, the name advisories use — the
//! *source* package for dpkg and apk — and the version to compare), the affected rows stored under that key,
//! and for each row:
//!
//! - withdrawn advisories are skipped;
//! - a listed `versions` entry equal to the installed version (in the ecosystem's order) matches;
//! - each `SEMVER`/`ECOSYSTEM` range is evaluated as the OSV specification says: events sorted by version
//!   (`introduced: "0"` first), walked in order, `introduced` <= v turns affected on, `fixed` <= v and
//!   `last_affected` < v turn it off; `limit` events are not walked: when a range has any, v must be below
//!   at least one of them; `GIT` ranges are never evaluated against package versions;
//! - the fixed version reported is the lowest `fixed` above the installed version in a range that matched.
//!
//! Matches of one package whose ids or aliases overlap are one vulnerability: they are merged (the lowest id
//! among the records names it, the rest become aliases, severities keep the highest). An installed version
//! that does not parse in its ecosystem is reported as such ([`Unparsed`]), never taken as "not vulnerable".

use crate::advisory::{Advisory, Affected, Event, RangeKind};
use crate::ecosystem::{self, LookupKey};
use crate::severity::{self, Rated, VulnSeverity};
use crate::store::{Db, DbError};
use crate::version::{self, Scheme, Version};
use bulkhead_inventory::Inventory;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// One vulnerability of one package.
#[derive(Debug, Clone, Serialize)]
pub struct VulnMatch {
    /// Index of the package in the inventory.
    #[serde(skip)]
    pub package: usize,
    pub id: String,
    /// Other ids of the vulnerability (CVE, GHSA, and merged records' ids), sorted.
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub severity: VulnSeverity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss_score: Option<f64>,
    /// The vector scored or the source rating used (`""` when unknown).
    pub severity_source: String,
    /// The version that was compared (the source version for distro packages).
    pub installed_version: String,
    /// Versions that fix it, lowest first (empty: no fix known).
    pub fixed_versions: Vec<String>,
    /// The OSV ecosystem of the advisory that matched (`Debian:12`, `PyPI`).
    pub ecosystem: String,
    /// The name it matched under (the source package for distro packages).
    pub matched_name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
}

impl VulnMatch {
    /// `fixed` when a fixed version is known, else `affected` (no fix yet).
    pub fn status(&self) -> &'static str {
        if self.fixed_versions.is_empty() {
            "affected"
        } else {
            "fixed"
        }
    }
    /// The id and every alias.
    pub fn all_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// A package whose version could not be compared.
#[derive(Debug, Clone, Serialize)]
pub struct Unparsed {
    #[serde(skip)]
    pub package: usize,
    pub name: String,
    pub version: String,
    pub reason: String,
}

/// The result of a scan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanOutcome {
    pub matches: Vec<VulnMatch>,
    /// Packages whose version does not parse in their ecosystem: they were NOT checked.
    pub unparsed: Vec<Unparsed>,
    /// What the scan could not cover, for the user (`no advisories for Alpine v3.21 in the database ...`).
    pub notes: Vec<String>,
    /// The OS namespace used (`Debian:12`), when the image has a known OS.
    pub namespace: Option<String>,
    /// Packages looked up.
    pub packages_checked: usize,
}

/// Match every package of `inv`.
pub fn scan(db: &Db, inv: &Inventory) -> Result<ScanOutcome, DbError> {
    let mut out = ScanOutcome::default();
    let os_ns = inv.os.as_ref().and_then(ecosystem::os_namespace);
    let mut os_checked = true;
    if let Some((eco, release)) = &os_ns {
        out.namespace = Some(if release.is_empty() {
            eco.osv_name().to_string()
        } else {
            format!("{}:{release}", eco.osv_name())
        });
        let releases = db.releases(*eco)?;
        if !releases.iter().any(|r| r == release) {
            os_checked = false;
            let has_os_packages = inv
                .packages
                .iter()
                .any(|p| p.kind.is_some_and(|k| k.is_os()));
            if has_os_packages {
                out.notes.push(if releases.is_empty() {
                    format!(
                        "the database has no {} advisories: OS packages were not checked (add them with `bulkhead db update` or `bulkhead db import`)",
                        eco.osv_name()
                    )
                } else {
                    format!(
                        "the database has no advisories for {} {} (it has {}): OS packages were not checked",
                        eco.osv_name(),
                        if release.is_empty() { "(rolling)" } else { release },
                        releases.join(", ")
                    )
                });
            }
        }
    } else if let Some(os) = &inv.os
        && inv
            .packages
            .iter()
            .any(|p| p.kind.is_some_and(|k| k.is_os()))
    {
        out.notes.push(format!(
            "bulkhead has no advisory source for the OS `{}`: its packages were not checked",
            os.id
        ));
    }
    let mut advisories: HashMap<String, Option<Advisory>> = HashMap::new();
    for (index, pkg) in inv.packages.iter().enumerate() {
        let Some(key) = ecosystem::lookup_key(pkg, inv.os.as_ref()) else {
            continue;
        };
        if key.ecosystem.is_os() && !os_checked {
            continue;
        }
        out.packages_checked += 1;
        let rows = db.affected(key.ecosystem, &key.release, &key.name)?;
        if rows.is_empty() {
            continue;
        }
        let mut evaluator = Evaluator::new(&key);
        let mut raw: Vec<VulnMatch> = Vec::new();
        for (id, affected) in rows {
            let advisory = match advisories.get(&id) {
                Some(a) => a.clone(),
                None => {
                    let a = db.advisory(&id)?;
                    advisories.insert(id.clone(), a.clone());
                    a
                }
            };
            let Some(advisory) = advisory else { continue };
            if advisory.withdrawn.is_some() {
                continue;
            }
            let fixed = match evaluator.evaluate(&affected) {
                Eval::NotAffected => continue,
                Eval::Unparsed(reason) => {
                    out.unparsed.push(Unparsed {
                        package: index,
                        name: pkg.name.clone(),
                        version: key.version.clone(),
                        reason,
                    });
                    break;
                }
                Eval::Affected(fixed) => fixed,
            };
            let rated = severity::rate(&advisory, Some(&affected));
            raw.push(new_match(index, &key, &advisory, &affected, rated, fixed));
        }
        for note in evaluator.notes {
            out.notes.push(note);
        }
        out.matches.extend(merge(raw, &key));
    }
    out.notes.sort();
    out.notes.dedup();
    Ok(out)
}

fn new_match(
    package: usize,
    key: &LookupKey,
    advisory: &Advisory,
    affected: &Affected,
    rated: Rated,
    fixed: Vec<String>,
) -> VulnMatch {
    VulnMatch {
        package,
        id: advisory.id.clone(),
        aliases: advisory
            .aliases
            .iter()
            .filter(|a| **a != advisory.id)
            .cloned()
            .collect(),
        summary: advisory
            .summary
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| advisory.details.as_deref().and_then(first_sentence)),
        severity: rated.severity,
        cvss_score: rated.score,
        severity_source: rated.basis,
        installed_version: key.version.clone(),
        fixed_versions: fixed,
        ecosystem: affected.ecosystem.clone(),
        matched_name: affected.name.clone(),
        references: advisory.references.clone(),
        published: advisory.published.clone(),
        modified: advisory.modified.clone(),
    }
}

/// A summary for records that have only details (PYSEC, some GHSA): their first sentence, at most 120
/// characters, cut at a word boundary.
fn first_sentence(details: &str) -> Option<String> {
    let text = details.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return None;
    }
    let end = text
        .char_indices()
        .find(|(i, c)| *c == '.' && text[i + 1..].starts_with(' '))
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let sentence = &text[..end];
    if sentence.chars().count() <= 120 {
        return Some(sentence.to_string());
    }
    let mut cut: String = sentence.chars().take(117).collect();
    if let Some(space) = cut.rfind(' ') {
        cut.truncate(space);
    }
    cut.push_str("...");
    Some(cut)
}

/// Merge one package's matches whose ids overlap.
fn merge(raw: Vec<VulnMatch>, key: &LookupKey) -> Vec<VulnMatch> {
    let mut groups: Vec<(BTreeSet<String>, Vec<VulnMatch>)> = Vec::new();
    for m in raw {
        let ids: BTreeSet<String> = m.all_ids().map(str::to_string).collect();
        let mut hit: Vec<usize> = groups
            .iter()
            .enumerate()
            .filter(|(_, (g, _))| !g.is_disjoint(&ids))
            .map(|(i, _)| i)
            .collect();
        let mut members = vec![m];
        let mut all = ids;
        // Join every overlapping group (removing from the back keeps indices valid).
        hit.sort_unstable();
        while let Some(i) = hit.pop() {
            let (g, ms) = groups.remove(i);
            all.extend(g);
            members.extend(ms);
        }
        groups.push((all, members));
    }
    let mut out: Vec<VulnMatch> = groups
        .into_iter()
        .filter_map(|(all, mut members)| {
            members.sort_by(|a, b| a.id.cmp(&b.id));
            let mut best = members.first()?.clone();
            for m in &members[1..] {
                if m.severity > best.severity {
                    best.severity = m.severity;
                    best.cvss_score = m.cvss_score;
                    best.severity_source = m.severity_source.clone();
                }
                best.fixed_versions.extend(m.fixed_versions.iter().cloned());
                if best.summary.is_none() {
                    best.summary = m.summary.clone();
                }
                for r in &m.references {
                    if !best.references.contains(r) {
                        best.references.push(r.clone());
                    }
                }
            }
            best.aliases = all.into_iter().filter(|i| *i != best.id).collect();
            best.fixed_versions = ordered(key.ecosystem.scheme(), &best.fixed_versions);
            Some(best)
        })
        .collect();
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    out
}

/// Versions deduplicated and ordered lowest first, by insertion with pairwise comparisons (never
/// `slice::sort`, which may panic on an order that is not total); unparseable ones go last as written.
fn ordered(scheme: Scheme, versions: &[String]) -> Vec<String> {
    let mut parsed: Vec<(Version, String)> = Vec::new();
    let mut rest: Vec<String> = Vec::new();
    for raw in versions {
        match version::parse(scheme, raw) {
            Ok(v) => {
                if parsed.iter().any(|(p, _)| *p == v) {
                    continue;
                }
                let at = parsed
                    .iter()
                    .position(|(p, _)| v < *p)
                    .unwrap_or(parsed.len());
                parsed.insert(at, (v, raw.clone()));
            }
            Err(_) if !rest.contains(raw) => rest.push(raw.clone()),
            Err(_) => {}
        }
    }
    parsed.into_iter().map(|(_, s)| s).chain(rest).collect()
}

enum Eval {
    NotAffected,
    /// Affected; the fixed versions above the installed one (lowest of each matching range).
    Affected(Vec<String>),
    /// The installed version does not parse.
    Unparsed(String),
}

/// Evaluates affected entries for one installed version, parsing it once per scheme.
struct Evaluator<'a> {
    key: &'a LookupKey,
    parsed: HashMap<Scheme, Result<Version, String>>,
    notes: Vec<String>,
}

impl<'a> Evaluator<'a> {
    fn new(key: &'a LookupKey) -> Self {
        Evaluator {
            key,
            parsed: HashMap::new(),
            notes: Vec::new(),
        }
    }

    fn installed(&mut self, scheme: Scheme) -> Result<Version, String> {
        let version = &self.key.version;
        self.parsed
            .entry(scheme)
            .or_insert_with(|| version::parse(scheme, version).map_err(|e| e.to_string()))
            .clone()
    }

    /// The scheme a range is ordered in: the ecosystem's, except a SEMVER range outside the SemVer ecosystems.
    fn scheme_for(&self, kind: RangeKind) -> Scheme {
        let own = self.key.ecosystem.scheme();
        match (kind, own) {
            (RangeKind::Semver, Scheme::Semver | Scheme::Go) => own,
            (RangeKind::Semver, _) => Scheme::Semver,
            _ => own,
        }
    }

    fn evaluate(&mut self, affected: &Affected) -> Eval {
        let own = self.key.ecosystem.scheme();
        let mut is_affected = false;
        let mut fixed: Vec<String> = Vec::new();
        if !affected.versions.is_empty() {
            match self.installed(own) {
                Ok(v) => {
                    if affected.versions.iter().any(|listed| {
                        listed == &self.key.version
                            || version::parse(own, listed).is_ok_and(|l| l == v)
                    }) {
                        is_affected = true;
                    }
                }
                Err(reason) => {
                    if affected.versions.iter().any(|l| l == &self.key.version) {
                        is_affected = true;
                    } else {
                        return Eval::Unparsed(reason);
                    }
                }
            }
        }
        for range in &affected.ranges {
            if range.kind == RangeKind::Git {
                continue;
            }
            let scheme = self.scheme_for(range.kind);
            let v = match self.installed(scheme) {
                Ok(v) => v,
                Err(reason) => return Eval::Unparsed(reason),
            };
            match evaluate_range(scheme, &v, &range.events) {
                Ok(RangeResult { affected: true, fixed: f }) => {
                    is_affected = true;
                    fixed.extend(f);
                }
                Ok(_) => {}
                Err(bad) => self.notes.push(format!(
                    "an advisory for {} {} has a version that does not parse ({bad}); that range was not evaluated",
                    self.key.ecosystem, self.key.name
                )),
            }
        }
        if is_affected {
            Eval::Affected(fixed)
        } else {
            Eval::NotAffected
        }
    }
}

struct RangeResult {
    affected: bool,
    fixed: Option<String>,
}

/// OSV range evaluation for one installed version.
///
/// The specification sorts the events and walks them; the state at `v` is the effect of the last event at or
/// below it. That is computed here as a maximum over the applicable events (pairwise comparisons only), which
/// gives the same answer without sorting: some orders (Maven's ComparableVersion) are not transitive on odd
/// versions, and sorting with such an order may panic.
fn evaluate_range(scheme: Scheme, v: &Version, events: &[Event]) -> Result<RangeResult, String> {
    // The applicable event with the greatest (version, rank): rank orders events at the same version
    // (introduced, then last_affected, then fixed/limit). `None` version = introduced "0".
    let mut last: Option<(Option<Version>, u8, bool)> = None;
    let mut lowest_fix_above: Option<(Version, &str)> = None;
    // OSV: limits bound the whole range (v below any one of them), they are not steps of the walk.
    let mut limits = 0usize;
    let mut below_a_limit = false;
    for e in events {
        let (raw, rank) = match e {
            Event::Introduced(s) => (s, 0u8),
            Event::LastAffected(s) => (s, 1),
            Event::Fixed(s) => (s, 2),
            Event::Limit(s) => {
                limits += 1;
                if s.trim() == "*" || version::parse(scheme, s).map_err(|err| err.to_string())? > *v
                {
                    below_a_limit = true;
                }
                continue;
            }
        };
        let parsed = if matches!(e, Event::Introduced(_)) && raw.trim() == "0" {
            None
        } else {
            Some(version::parse(scheme, raw).map_err(|err| err.to_string())?)
        };
        // Does the event apply at `v`, and what state does it leave?
        let (applies, affected_after) = match (e, &parsed) {
            (Event::Introduced(_), None) => (true, true),
            (Event::Introduced(_), Some(x)) => (x <= v, true),
            (Event::Fixed(_), Some(x)) => (x <= v, false),
            (Event::LastAffected(_), Some(x)) => (x < v, false),
            _ => (false, false),
        };
        if let (Event::Fixed(s), Some(x)) = (e, &parsed)
            && x > v
            && lowest_fix_above.as_ref().is_none_or(|(f, _)| x < f)
        {
            lowest_fix_above = Some((x.clone(), s.as_str()));
        }
        if !applies {
            continue;
        }
        let newer = match &last {
            None => true,
            Some((lv, lrank, _)) => match (lv, &parsed) {
                (None, None) => rank >= *lrank,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) => b > a || (b == a && rank >= *lrank),
            },
        };
        if newer {
            last = Some((parsed, rank, affected_after));
        }
    }
    let affected = last.is_some_and(|(_, _, a)| a) && (limits == 0 || below_a_limit);
    let fixed = if affected {
        lowest_fix_above.map(|(_, s)| s.to_string())
    } else {
        None
    };
    Ok(RangeResult { affected, fixed })
}

#[cfg(test)]
mod tests {
    use super::{evaluate_range, first_sentence};
    use crate::advisory::Event;
    use crate::version::{self, Scheme};

    #[test]
    fn limits_bound_the_range_instead_of_closing_it() {
        let at = |v: &str, events: &[Event]| {
            let v = version::parse(Scheme::Semver, v).unwrap();
            evaluate_range(Scheme::Semver, &v, events).unwrap().affected
        };
        let ev = |k: &str, v: &str| match k {
            "introduced" => Event::Introduced(v.into()),
            "fixed" => Event::Fixed(v.into()),
            "last_affected" => Event::LastAffected(v.into()),
            _ => Event::Limit(v.into()),
        };
        // Beyond the only limit, a later `introduced` does not reopen the range.
        let capped = [
            ev("introduced", "0"),
            ev("limit", "1.0.0"),
            ev("introduced", "2.0.0"),
            ev("fixed", "3.0.0"),
        ];
        assert!(at("0.5.0", &capped));
        assert!(!at("1.0.0", &capped), "limit is exclusive");
        assert!(!at("2.5.0", &capped), "2.5.0 is not below the limit 1.0.0");
        // Several limits: below any one of them is enough.
        let two = [
            ev("introduced", "0"),
            ev("limit", "1.0.0"),
            ev("limit", "2.0.0"),
        ];
        assert!(at("1.5.0", &two));
        assert!(!at("2.0.0", &two));
    }

    #[test]
    fn summaries_from_details() {
        assert_eq!(
            first_sentence("Django 2.2 before 2.2.3 mishandles X. More text."),
            Some("Django 2.2 before 2.2.3 mishandles X".into())
        );
        assert_eq!(first_sentence("  \n "), None);
        assert_eq!(
            first_sentence("version 1.2.3 is bad"),
            Some("version 1.2.3 is bad".into())
        );
        let long = "word ".repeat(60);
        let s = first_sentence(&long).unwrap();
        assert!(s.ends_with("...") && s.chars().count() <= 120, "{s}");
    }
}
