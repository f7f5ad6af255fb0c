//! OSV records (<https://ossf.github.io/osv-schema/>) as JSON or YAML.
//!
//! The serde structs below accept any OSV schema version: every field defaults, unknown fields are ignored,
//! and `database_specific`/`ecosystem_specific` only yield their `severity` when it is a string.

use super::util::{Parsed, from_json, from_yaml, non_empty, push_unique, truncate_details};
use crate::advisory::{Advisory, Affected, Event, Range, RangeKind, SeverityScore};
use crate::ecosystem::Ecosystem;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OsvRecord {
    id: Option<String>,
    modified: Option<String>,
    published: Option<String>,
    withdrawn: Option<String>,
    aliases: Option<Vec<String>>,
    related: Option<Vec<String>>,
    summary: Option<String>,
    details: Option<String>,
    severity: Option<Vec<OsvSeverity>>,
    affected: Option<Vec<OsvAffected>>,
    references: Option<Vec<OsvReference>>,
    database_specific: Option<Specific>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OsvSeverity {
    #[serde(rename = "type")]
    kind: Option<String>,
    score: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OsvAffected {
    package: Option<OsvPackage>,
    ranges: Option<Vec<OsvRange>>,
    versions: Option<Vec<String>>,
    severity: Option<Vec<OsvSeverity>>,
    ecosystem_specific: Option<Specific>,
    database_specific: Option<Specific>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OsvPackage {
    ecosystem: Option<String>,
    name: Option<String>,
    purl: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OsvRange {
    #[serde(rename = "type")]
    kind: Option<String>,
    events: Option<Vec<OsvEvent>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OsvEvent {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
    limit: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OsvReference {
    #[serde(rename = "type")]
    kind: Option<String>,
    url: Option<String>,
}

/// `database_specific` / `ecosystem_specific`: only a string `severity` is used.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Specific {
    severity: Option<Loose>,
}

/// A value that is kept when it is a string and ignored otherwise.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Loose {
    Text(String),
    Other(serde::de::IgnoredAny),
}

impl Specific {
    fn severity(spec: &Option<Specific>) -> Option<String> {
        match spec.as_ref().and_then(|s| s.severity.as_ref()) {
            Some(Loose::Text(t)) => non_empty(Some(t)),
            _ => None,
        }
    }
}

/// Parse one OSV JSON document.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Parsed, String> {
    let trimmed = bytes.trim_ascii_start();
    if trimmed.first() == Some(&b'[') {
        return Ok(Parsed::only_ignored(
            "JSON array, not an OSV record (an index file?)",
        ));
    }
    if trimmed.first() != Some(&b'{') {
        return Err("expected a JSON object (an OSV record)".into());
    }
    let rec: OsvRecord = from_json(bytes)?;
    if rec.id.is_none() && rec.affected.is_none() {
        return Ok(Parsed::only_ignored(
            "JSON object without `id` or `affected`, not an OSV record",
        ));
    }
    convert(rec)
}

/// Parse one OSV YAML document.
pub(crate) fn parse_yaml(text: &str) -> Result<Parsed, String> {
    let rec: OsvRecord = from_yaml(text)?;
    if rec.id.is_none() && rec.affected.is_none() {
        return Ok(Parsed::only_ignored(
            "YAML without `id` or `affected`, not an OSV record",
        ));
    }
    convert(rec)
}

fn convert(rec: OsvRecord) -> Result<Parsed, String> {
    let id = non_empty(rec.id.as_deref()).ok_or("missing field `id` (expected an OSV id)")?;
    let mut out = Parsed::default();
    let mut affected = Vec::new();
    for (i, a) in rec.affected.unwrap_or_default().into_iter().enumerate() {
        let Some(pkg) = a.package else {
            out.ignore("affected entry without a package (GIT ranges only)");
            continue;
        };
        let ecosystem = non_empty(pkg.ecosystem.as_deref())
            .ok_or_else(|| format!("affected[{i}].package: missing `ecosystem`"))?;
        if Ecosystem::from_osv(&ecosystem).is_none() {
            let base = ecosystem.split(':').next().unwrap_or(&ecosystem);
            out.ignore(format!("unknown ecosystem `{base}`"));
            continue;
        }
        let name = non_empty(pkg.name.as_deref())
            .ok_or_else(|| format!("affected[{i}].package: missing `name`"))?;
        let mut ranges = Vec::new();
        for (j, r) in a.ranges.unwrap_or_default().into_iter().enumerate() {
            let kind = match r.kind.as_deref().map(str::to_ascii_uppercase).as_deref() {
                Some("SEMVER") => RangeKind::Semver,
                Some("ECOSYSTEM") => RangeKind::Ecosystem,
                Some("GIT") => RangeKind::Git,
                other => {
                    return Err(format!(
                        "affected[{i}].ranges[{j}].type: expected SEMVER, ECOSYSTEM or GIT, found {}",
                        other.unwrap_or("nothing")
                    ));
                }
            };
            let mut events = Vec::new();
            for e in r.events.unwrap_or_default() {
                if let Some(v) = e.introduced {
                    events.push(Event::Introduced(v));
                }
                if let Some(v) = e.fixed {
                    events.push(Event::Fixed(v));
                }
                if let Some(v) = e.last_affected {
                    events.push(Event::LastAffected(v));
                }
                if let Some(v) = e.limit {
                    events.push(Event::Limit(v));
                }
            }
            ranges.push(Range { kind, events });
        }
        let versions = a.versions.unwrap_or_default();
        if versions.is_empty()
            && !ranges.is_empty()
            && ranges.iter().all(|r| r.kind == RangeKind::Git)
        {
            out.ignore("git-only ranges (kept, never matched)");
        }
        affected.push(Affected {
            ecosystem,
            name,
            purl: non_empty(pkg.purl.as_deref()),
            ranges,
            versions,
            severity: severities(a.severity),
            source_severity: Specific::severity(&a.ecosystem_specific)
                .or_else(|| Specific::severity(&a.database_specific)),
        });
    }
    if affected.is_empty() {
        out.ignore("advisory without an affected package bulkhead can match");
        return Ok(out);
    }
    let summary = non_empty(rec.summary.as_deref());
    let source_severity = Specific::severity(&rec.database_specific)
        .or_else(|| rpm_summary_rating(summary.as_deref(), &affected));
    let mut references = Vec::new();
    let refs = rec.references.unwrap_or_default();
    for r in refs.iter().filter(|r| is_advisory(r)) {
        push_unique(
            &mut references,
            non_empty(r.url.as_deref()).unwrap_or_default(),
        );
    }
    for r in refs.iter().filter(|r| !is_advisory(r)) {
        push_unique(
            &mut references,
            non_empty(r.url.as_deref()).unwrap_or_default(),
        );
    }
    out.advisories.push(Advisory {
        id,
        modified: non_empty(rec.modified.as_deref()),
        published: non_empty(rec.published.as_deref()),
        withdrawn: non_empty(rec.withdrawn.as_deref()),
        aliases: rec.aliases.unwrap_or_default(),
        related: rec.related.unwrap_or_default(),
        summary,
        details: non_empty(rec.details.as_deref()).map(|d| truncate_details(&d)),
        severity: severities(rec.severity),
        source_severity,
        affected,
        references,
    });
    Ok(out)
}

fn is_advisory(r: &OsvReference) -> bool {
    r.kind
        .as_deref()
        .is_some_and(|k| k.eq_ignore_ascii_case("ADVISORY"))
}

fn severities(list: Option<Vec<OsvSeverity>>) -> Vec<SeverityScore> {
    list.unwrap_or_default()
        .into_iter()
        .filter_map(|s| {
            Some(SeverityScore {
                kind: non_empty(s.kind.as_deref())?,
                score: non_empty(s.score.as_deref())?,
            })
        })
        .collect()
}

/// Red Hat style ratings that AlmaLinux/Rocky/Red Hat OSV records put in front of the summary
/// (`Important: qatzip bug fix ...`), returned verbatim.
fn rpm_summary_rating(summary: Option<&str>, affected: &[Affected]) -> Option<String> {
    let rpm = affected.iter().any(|a| {
        matches!(
            Ecosystem::from_osv(&a.ecosystem),
            Some(Ecosystem::AlmaLinux | Ecosystem::Rocky | Ecosystem::RedHat)
        )
    });
    if !rpm {
        return None;
    }
    let (prefix, _) = summary?.split_once(':')?;
    let prefix = prefix.trim();
    ["Low", "Moderate", "Important", "Critical"]
        .iter()
        .any(|r| r.eq_ignore_ascii_case(prefix))
        .then(|| prefix.to_string())
}
