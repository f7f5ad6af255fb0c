//! ruby-advisory-db records (`gems/<gem>/<ID>.yml`).
//!
//! Id: `GHSA-...` when `ghsa` is given, else `CVE-...`, else `OSVDB-<n>`, else the file stem; the other ids are
//! aliases. `cvss_v3` (then `cvss_v4`, then `cvss_v2`) scores become a CVSS qualitative rating in
//! `source_severity`. Affected versions are those matched by no `patched_versions` and no
//! `unaffected_versions` requirement: the complement of the union of their intervals, ordered with
//! [`crate::version::compare`] under [`Scheme::RubyGems`], written as one ECOSYSTEM range.
//! `rubies/<engine>/` records (Ruby interpreters, not gems) are ignored with a count.

use super::util::{
    Parsed, cvss2_rating, cvss3_rating, from_yaml, non_empty, push_unique, rfc3339_date,
    truncate_details,
};
use crate::advisory::{Advisory, Affected, Event, Range, RangeKind};
use crate::version::{Scheme, compare};
use serde::Deserialize;
use std::cmp::Ordering;
use std::path::Path;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct GemRecord {
    gem: Option<String>,
    engine: Option<String>,
    cve: Option<String>,
    ghsa: Option<String>,
    osvdb: Option<String>,
    title: Option<String>,
    date: Option<String>,
    url: Option<String>,
    description: Option<String>,
    cvss_v2: Option<f64>,
    cvss_v3: Option<f64>,
    cvss_v4: Option<f64>,
    patched_versions: Option<Vec<Option<String>>>,
    unaffected_versions: Option<Vec<Option<String>>>,
    related: Option<Related>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Related {
    url: Option<Vec<String>>,
}

/// Parse one ruby-advisory-db YAML file.
pub(crate) fn parse(text: &str, path: &Path) -> Result<Parsed, String> {
    let rec: GemRecord = from_yaml(text)?;
    let Some(gem) = non_empty(rec.gem.as_deref()) else {
        if let Some(engine) = non_empty(rec.engine.as_deref()) {
            return Ok(Parsed::only_ignored(format!(
                "RubySec advisory for the `{engine}` interpreter: no gem"
            )));
        }
        return Err("missing field `gem` (expected the gem name)".into());
    };
    let mut out = Parsed::default();
    let mut ids = Vec::new();
    if let Some(g) = non_empty(rec.ghsa.as_deref()) {
        ids.push(prefixed("GHSA-", &g));
    }
    if let Some(c) = non_empty(rec.cve.as_deref()) {
        ids.push(prefixed("CVE-", &c));
    }
    if let Some(o) = non_empty(rec.osvdb.as_deref()) {
        ids.push(prefixed("OSVDB-", &o));
    }
    if ids.is_empty() {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let stem = non_empty(Some(stem)).ok_or("no `ghsa`, `cve` or `osvdb` and no file name")?;
        ids.push(stem);
    }
    let id = ids.remove(0);
    let reqs = |list: Option<Vec<Option<String>>>| -> Vec<String> {
        list.unwrap_or_default().into_iter().flatten().collect()
    };
    let safe: Vec<String> = reqs(rec.patched_versions)
        .into_iter()
        .chain(reqs(rec.unaffected_versions))
        .collect();
    let (events, notes) = affected_events(&safe)?;
    for n in notes {
        out.ignore(n);
    }
    if events.is_empty() {
        out.ignore("RubySec advisory whose patched/unaffected versions cover every version");
        return Ok(out);
    }
    let source_severity = rec
        .cvss_v3
        .and_then(cvss3_rating)
        .or_else(|| rec.cvss_v4.and_then(cvss3_rating))
        .or_else(|| rec.cvss_v2.and_then(cvss2_rating))
        .map(str::to_string);
    let mut references = Vec::new();
    if let Some(u) = non_empty(rec.url.as_deref()) {
        push_unique(&mut references, u);
    }
    for u in rec.related.and_then(|r| r.url).unwrap_or_default() {
        push_unique(&mut references, u.trim());
    }
    out.advisories.push(Advisory {
        id,
        published: rfc3339_date(rec.date.as_deref()),
        aliases: ids,
        summary: non_empty(rec.title.as_deref()),
        details: non_empty(rec.description.as_deref()).map(|d| truncate_details(&d)),
        source_severity,
        affected: vec![Affected {
            ecosystem: "RubyGems".into(),
            name: gem,
            ranges: vec![Range {
                kind: RangeKind::Ecosystem,
                events,
            }],
            ..Affected::default()
        }],
        references,
        ..Advisory::default()
    });
    Ok(out)
}

fn prefixed(prefix: &str, v: &str) -> String {
    if v.to_ascii_uppercase().starts_with(prefix) {
        v.to_string()
    } else {
        format!("{prefix}{v}")
    }
}

/// One end of an interval: a version and whether it belongs to the interval.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bound {
    pub version: String,
    pub inclusive: bool,
}

/// A version interval; `None` ends are unbounded.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Interval {
    pub lo: Option<Bound>,
    pub hi: Option<Bound>,
}

fn cmp(a: &str, b: &str) -> Result<Ordering, String> {
    compare(Scheme::RubyGems, a, b).map_err(|e| format!("cannot order versions: {e}"))
}

/// `~> 4.2.5` upper bound: drop pre-release parts and the last segment, then increment (`4.3`; `~> 4` → `5`).
fn pessimistic_upper(v: &str) -> Result<String, String> {
    let mut segs: Vec<&str> = v.split('.').collect();
    while segs
        .iter()
        .any(|s| s.chars().any(|c| c.is_ascii_alphabetic()))
    {
        segs.pop();
    }
    if segs.len() > 1 {
        segs.pop();
    }
    let last = segs
        .pop()
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| format!("`~> {v}`: expected a numeric version"))?;
    let mut out = segs.join(".");
    if !out.is_empty() {
        out.push('.');
    }
    let next = last
        .checked_add(1)
        .ok_or_else(|| format!("`~> {v}`: version number `{last}` is too large"))?;
    out.push_str(&next.to_string());
    Ok(out)
}

/// One requirement string (`~> 4.2.5, >= 4.2.5.1`): the intersection of its comparators. `!=` comparators
/// are left out and reported in the returned notes.
pub(crate) fn requirement_interval(req: &str) -> Result<(Interval, Vec<String>), String> {
    let mut iv = Interval::default();
    let mut notes = Vec::new();
    for part in req.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let split = part
            .find(|c: char| !matches!(c, '<' | '>' | '=' | '~' | '!' | ' '))
            .unwrap_or(part.len());
        let (op, ver) = part.split_at(split);
        let (op, ver) = (op.trim(), ver.trim());
        if ver.is_empty() || !ver.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!(
                "requirement `{req}`: expected an operator (=, !=, >, <, >=, <=, ~>) and a version"
            ));
        }
        let lo = |inclusive| Bound {
            version: ver.to_string(),
            inclusive,
        };
        match op {
            "=" | "" => {
                tighten_lo(&mut iv, lo(true))?;
                tighten_hi(&mut iv, lo(true))?;
            }
            ">=" => tighten_lo(&mut iv, lo(true))?,
            ">" => tighten_lo(&mut iv, lo(false))?,
            "<=" => tighten_hi(&mut iv, lo(true))?,
            "<" => tighten_hi(&mut iv, lo(false))?,
            "~>" => {
                tighten_lo(&mut iv, lo(true))?;
                let up = pessimistic_upper(ver)?;
                tighten_hi(
                    &mut iv,
                    Bound {
                        version: up,
                        inclusive: false,
                    },
                )?;
            }
            "!=" => notes.push("RubySec `!=` requirement left out".to_string()),
            other => return Err(format!("requirement `{req}`: unknown operator `{other}`")),
        }
    }
    Ok((iv, notes))
}

fn tighten_lo(iv: &mut Interval, b: Bound) -> Result<(), String> {
    let replace = match &iv.lo {
        None => true,
        Some(cur) => match cmp(&b.version, &cur.version)? {
            Ordering::Greater => true,
            Ordering::Equal => cur.inclusive && !b.inclusive,
            Ordering::Less => false,
        },
    };
    if replace {
        iv.lo = Some(b);
    }
    Ok(())
}

fn tighten_hi(iv: &mut Interval, b: Bound) -> Result<(), String> {
    let replace = match &iv.hi {
        None => true,
        Some(cur) => match cmp(&b.version, &cur.version)? {
            Ordering::Less => true,
            Ordering::Equal => cur.inclusive && !b.inclusive,
            Ordering::Greater => false,
        },
    };
    if replace {
        iv.hi = Some(b);
    }
    Ok(())
}

/// Whether the interval holds no version.
fn is_empty(iv: &Interval) -> Result<bool, String> {
    match (&iv.lo, &iv.hi) {
        (Some(lo), Some(hi)) => Ok(match cmp(&lo.version, &hi.version)? {
            Ordering::Greater => true,
            Ordering::Equal => !(lo.inclusive && hi.inclusive),
            Ordering::Less => false,
        }),
        _ => Ok(false),
    }
}

/// OSV events of the versions outside every requirement of `safe` (empty when nothing is affected),
/// plus notes on what was left out.
pub(crate) fn affected_events(safe: &[String]) -> Result<(Vec<Event>, Vec<String>), String> {
    let mut intervals = Vec::new();
    let mut notes = Vec::new();
    for req in safe {
        let (iv, n) = requirement_interval(req)?;
        notes.extend(n);
        if !is_empty(&iv)? {
            intervals.push(iv);
        }
    }
    // Sort by lower bound (unbounded first; inclusive before exclusive at the same version).
    let mut err = None;
    intervals.sort_by(|a, b| match (&a.lo, &b.lo) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => match cmp(&x.version, &y.version) {
            Ok(Ordering::Equal) => y.inclusive.cmp(&x.inclusive),
            Ok(o) => o,
            Err(e) => {
                err.get_or_insert(e);
                Ordering::Equal
            }
        },
    });
    if let Some(e) = err {
        return Err(e);
    }
    // Merge overlapping or touching intervals.
    let mut merged: Vec<Interval> = Vec::new();
    for iv in intervals {
        if let Some(last) = merged.last_mut() {
            let joins = match (&last.hi, &iv.lo) {
                (None, _) | (_, None) => true,
                (Some(h), Some(l)) => match cmp(&l.version, &h.version)? {
                    Ordering::Less => true,
                    Ordering::Equal => h.inclusive || l.inclusive,
                    Ordering::Greater => false,
                },
            };
            if joins {
                let extend = match (&last.hi, &iv.hi) {
                    (None, _) => false,
                    (_, None) => true,
                    (Some(h), Some(n)) => match cmp(&n.version, &h.version)? {
                        Ordering::Greater => true,
                        Ordering::Equal => n.inclusive && !h.inclusive,
                        Ordering::Less => false,
                    },
                };
                if extend {
                    last.hi = iv.hi;
                }
                continue;
            }
        }
        merged.push(iv);
    }
    // The gaps between safe intervals are affected.
    let mut events = Vec::new();
    let mut start: Option<Event> = Some(Event::Introduced("0".into()));
    for iv in &merged {
        match &iv.lo {
            None => {}
            Some(lo) => {
                if let Some(Event::Introduced(from)) = start.take() {
                    // A gap is empty when it ends where it starts (`>= 0` covers everything).
                    let empty = match cmp(&from, &lo.version)? {
                        Ordering::Greater => true,
                        Ordering::Equal => lo.inclusive,
                        Ordering::Less => false,
                    };
                    if !empty {
                        events.push(Event::Introduced(from));
                        events.push(if lo.inclusive {
                            Event::Fixed(lo.version.clone())
                        } else {
                            Event::LastAffected(lo.version.clone())
                        });
                    }
                }
            }
        }
        start = iv.hi.as_ref().map(|hi| {
            if !hi.inclusive {
                Event::Introduced(hi.version.clone())
            } else {
                notes.push(
                    "RubySec `<= X` safe bound: X itself reported as affected (OSV has no exclusive start)"
                        .to_string(),
                );
                Event::Introduced(hi.version.clone())
            }
        });
    }
    if let Some(s) = start {
        events.push(s);
    }
    Ok((events, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(reqs: &[&str]) -> Vec<Event> {
        let reqs: Vec<String> = reqs.iter().map(|s| s.to_string()).collect();
        match affected_events(&reqs) {
            Ok((e, _)) => e,
            Err(e) => panic!("{reqs:?}: {e}"),
        }
    }
    fn i(v: &str) -> Event {
        Event::Introduced(v.into())
    }
    fn f(v: &str) -> Event {
        Event::Fixed(v.into())
    }

    #[test]
    fn pessimistic_bounds() {
        assert_eq!(pessimistic_upper("4.2.5").as_deref(), Ok("4.3"));
        assert_eq!(pessimistic_upper("4.2").as_deref(), Ok("5"));
        assert_eq!(pessimistic_upper("4").as_deref(), Ok("5"));
        assert_eq!(pessimistic_upper("5.0.0.beta1").as_deref(), Ok("5.1"));
        let max = format!("1.{}.3", u64::MAX);
        assert!(pessimistic_upper(&max).is_err_and(|e| e.contains("too large")));
    }

    // Numeric versions only: these hold with the placeholder order and with real RubyGems ordering.
    #[test]
    fn complement_of_patched_and_unaffected() {
        // actionpack CVE-2008-7248: unaffected < 2.1.0, patched ~> 2.1.3 and >= 2.2.2.
        assert_eq!(
            events(&["< 2.1.0", "~> 2.1.3", ">= 2.2.2"]),
            [i("2.1.0"), f("2.1.3"), i("2.2"), f("2.2.2")]
        );
        assert_eq!(events(&[">= 1.2.3"]), [i("0"), f("1.2.3")]);
        assert_eq!(events(&[]), [i("0")]);
        assert_eq!(
            events(&["~> 4.2.5, >= 4.2.5.1", ">= 5.0.0.1"]),
            [i("0"), f("4.2.5.1"), i("4.3"), f("5.0.0.1")]
        );
        assert!(events(&[">= 0"]).is_empty());
        assert_eq!(
            events(&["> 1.0"]),
            [i("0"), Event::LastAffected("1.0".into())]
        );
    }

    #[test]
    fn bad_requirements_are_errors() {
        let bad = ["?? 1.0".to_string()];
        assert!(affected_events(&bad).is_err());
        assert!(requirement_interval(">=").is_err());
    }
}
