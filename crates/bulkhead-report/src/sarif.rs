//! SARIF 2.1.0, as read by GitHub code scanning and other SARIF viewers.
//!
//! One run. `tool.driver.rules` holds the rules that ran (plus a descriptor made from the finding for any
//! finding whose rule is not among them, so every `ruleIndex` points at its rule). Columns count Unicode
//! code points (`columnKind: unicodeCodePoints`), as bulkhead spans do. No source text is written: regions
//! carry positions only, never `snippet`, and fingerprints hash the line rather than include it.

use crate::text::SourceCache;
use crate::{InputDiagnostic, ReportInput, TOOL_NAME, sorted_findings, to_json_string};
use bulkhead_core::{Category, Finding, Fix, RuleMeta, Severity, Span};
use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactChange, ArtifactContent, ArtifactLocation, Fix as SarifFix, Invocation, Location,
    LogicalLocation, Message, MultiformatMessageString, Notification, PhysicalLocation,
    PropertyBag, Region, Replacement, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The `$schema` written into SARIF logs: the OASIS SARIF 2.1.0 (errata 01) schema.
pub const SARIF_SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Where to read about the tool (`tool.driver.informationUri`).
const INFORMATION_URI: &str = match option_env!("CARGO_PKG_REPOSITORY") {
    Some(uri) if !uri.is_empty() => uri,
    _ => "https://example.invalid/bulkhead",
};

/// The key of bulkhead's entry in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "bulkheadFingerprint/v1";

/// Renders the SARIF 2.1.0 log, pretty-printed, with a final newline.
pub fn render_sarif(input: &ReportInput<'_>) -> String {
    to_json_string(&sarif_log(input))
}

/// [`render_sarif`] written straight to `out` (no copy of the whole log as text in memory), with a final
/// newline.
pub fn write_sarif(input: &ReportInput<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &sarif_log(input)).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

fn sarif_log(input: &ReportInput<'_>) -> Sarif {
    let findings = sorted_findings(input.findings);
    let (rules, index) = rule_descriptors(input.rules, &findings);
    let mut sources = SourceCache::new(input.sources);
    let fingerprints = fingerprints(&findings, &mut sources);

    let results: Vec<SarifResult> = findings
        .iter()
        .zip(fingerprints)
        .map(|(f, fp)| result(f, index.get(f.rule_id.as_str()).copied(), fp))
        .collect();

    let notifications: Vec<Notification> = input.diagnostics.iter().map(notification).collect();
    let invocation = if notifications.is_empty() {
        Invocation::builder().execution_successful(true).build()
    } else {
        Invocation::builder()
            .execution_successful(false)
            .tool_execution_notifications(notifications)
            .build()
    };

    let driver = ToolComponent::builder()
        .name(TOOL_NAME)
        .version(input.tool_version)
        .information_uri(INFORMATION_URI)
        .rules(rules)
        .build();

    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(json!("unicodeCodePoints"))
        .invocations(vec![invocation])
        .properties(properties(
            None,
            [("filesScanned", json!(input.files_scanned))],
        ))
        .build();

    Sarif::builder()
        .schema(SARIF_SCHEMA_URI)
        .runs(vec![run])
        .version(json!("2.1.0"))
        .build()
}

/// SARIF result level of a severity.
pub fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn result_level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// The `security-severity` score GitHub code scanning reads from a rule's properties.
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn properties<const N: usize>(tags: Option<Vec<String>>, extra: [(&str, Value); N]) -> PropertyBag {
    PropertyBag {
        tags,
        additional_properties: extra.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    }
}

fn text(s: impl Into<String>) -> Message {
    Message::builder().text(s.into()).build()
}

/// Descriptors for the rules that ran, in the given order without duplicates, then one for each rule id
/// that appears only in findings. Returns them with the index of each id.
fn rule_descriptors<'f>(
    rules: &'f [RuleMeta],
    findings: &[&'f Finding],
) -> (Vec<ReportingDescriptor>, HashMap<&'f str, usize>) {
    let mut out = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for r in rules {
        if !index.contains_key(r.id) {
            index.insert(r.id, out.len());
            out.push(descriptor_from_meta(r));
        }
    }
    for f in findings {
        if !index.contains_key(f.rule_id.as_str()) {
            index.insert(f.rule_id.as_str(), out.len());
            out.push(descriptor_from_finding(f));
        }
    }
    (out, index)
}

fn category_tag(c: Category) -> String {
    match serde_json::to_value(c) {
        Ok(Value::String(s)) => s,
        _ => format!("{c:?}").to_lowercase(),
    }
}

fn dedup(tags: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    tags.into_iter()
        .filter(|t| !t.is_empty() && seen.insert(t.clone()))
        .collect()
}

fn descriptor_from_meta(r: &RuleMeta) -> ReportingDescriptor {
    let doc = dedent(r.doc);
    let doc = doc.trim();
    let help = if doc.is_empty() {
        MultiformatMessageString::builder()
            .text(r.remediation)
            .build()
    } else {
        MultiformatMessageString::builder()
            .text(doc)
            .markdown(doc)
            .build()
    };
    let full = first_paragraph(doc).unwrap_or_else(|| r.title.to_string());
    let tags = dedup(
        std::iter::once(category_tag(r.category))
            .chain(r.aliases.iter().map(|s| s.to_string()))
            .chain(r.compliance.iter().map(|s| s.to_string())),
    );
    ReportingDescriptor::builder()
        .id(r.id)
        .name(r.name)
        .short_description(MultiformatMessageString::builder().text(r.title).build())
        .full_description(MultiformatMessageString::builder().text(full).build())
        .help(help)
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(sarif_level(r.severity)))
                .build(),
        )
        .properties(properties(
            Some(tags),
            [("security-severity", json!(security_severity(r.severity)))],
        ))
        .build()
}

fn descriptor_from_finding(f: &Finding) -> ReportingDescriptor {
    let help = if f.remediation.trim().is_empty() {
        f.title.as_str()
    } else {
        f.remediation.trim()
    };
    let tags = dedup(
        f.aliases
            .iter()
            .cloned()
            .chain(f.compliance.iter().cloned()),
    );
    ReportingDescriptor::builder()
        .id(f.rule_id.as_str())
        .short_description(
            MultiformatMessageString::builder()
                .text(f.title.as_str())
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(f.title.as_str())
                .build(),
        )
        .help(MultiformatMessageString::builder().text(help).build())
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(sarif_level(f.severity)))
                .build(),
        )
        .properties(properties(
            Some(tags),
            [("security-severity", json!(security_severity(f.severity)))],
        ))
        .build()
}

/// Removes the indentation common to all non-blank lines (rule docs come from doc comments, whose lines
/// start with a space).
fn dedent(doc: &str) -> String {
    let indent = doc
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    doc.lines()
        .map(|l| l.get(indent..).unwrap_or_else(|| l.trim_start_matches(' ')))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first Markdown paragraph that is not a heading, on one line.
fn first_paragraph(doc: &str) -> Option<String> {
    let mut para: Vec<&str> = Vec::new();
    for line in doc.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with("```") {
            if !para.is_empty() {
                break;
            }
            continue;
        }
        para.push(line);
    }
    (!para.is_empty()).then(|| para.join(" "))
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A SARIF URI for a finding path: relative paths stay relative (forward slashes, percent-encoded);
/// absolute paths become `file://` URIs.
pub fn artifact_uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    let b = p.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        let rest = p[2..].trim_start_matches('/');
        return format!("file:///{}:/{}", &p[..1], percent_encode(rest));
    }
    if p.starts_with('/') {
        return format!("file://{}", percent_encode(&p));
    }
    let mut rel = p.as_str();
    while let Some(r) = rel.strip_prefix("./") {
        rel = r;
    }
    percent_encode(rel)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn region(span: &Span) -> Option<Region> {
    if span.start_line == 0 {
        return None;
    }
    let start_column = span.start_column.max(1);
    let mut r = Region::builder()
        .start_line(to_i64(span.start_line))
        .start_column(to_i64(start_column))
        .build();
    let end_column = span.end_column.max(1);
    let ends_after = span.end_line > span.start_line
        || (span.end_line == span.start_line && end_column >= start_column);
    if ends_after {
        r.end_line = Some(to_i64(span.end_line));
        r.end_column = Some(to_i64(end_column));
    }
    Some(r)
}

fn artifact_location(path: &str) -> ArtifactLocation {
    ArtifactLocation::builder().uri(artifact_uri(path)).build()
}

fn location(f: &Finding) -> Option<Location> {
    let loc = &f.location;
    let physical = loc.path.as_deref().map(|p| {
        let mut pl = PhysicalLocation::builder()
            .artifact_location(artifact_location(p))
            .build();
        pl.region = loc.span.as_ref().and_then(region);
        pl
    });
    let logical = loc.object.as_deref().map(|o| {
        let name = o
            .rsplit(['/', '.'])
            .next()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(o);
        LogicalLocation::builder()
            .fully_qualified_name(o)
            .name(name)
            .kind("object")
            .build()
    });
    if physical.is_none() && logical.is_none() {
        return None;
    }
    let mut l = Location::builder().build();
    l.physical_location = physical;
    l.logical_locations = logical.map(|x| vec![x]);
    Some(l)
}

fn fix(fix: &Fix) -> Option<SarifFix> {
    // Group the edits by file, in order of first appearance; each file's replacements by position.
    let mut files: Vec<(&str, Vec<&bulkhead_core::TextEdit>)> = Vec::new();
    for e in &fix.edits {
        match files.iter_mut().find(|(p, _)| *p == e.path) {
            Some((_, v)) => v.push(e),
            None => files.push((e.path.as_str(), vec![e])),
        }
    }
    if files.is_empty() {
        return None;
    }
    let changes: Vec<ArtifactChange> = files
        .into_iter()
        .map(|(path, mut edits)| {
            edits.sort_by_key(|e| (e.start, e.end));
            let replacements = edits
                .into_iter()
                .map(|e| {
                    let deleted = Region::builder()
                        .byte_offset(to_i64(e.start))
                        .byte_length(to_i64(e.end.saturating_sub(e.start)))
                        .build();
                    let mut r = Replacement::builder().deleted_region(deleted).build();
                    if !e.replacement.is_empty() {
                        r.inserted_content = Some(
                            ArtifactContent::builder()
                                .text(e.replacement.as_str())
                                .build(),
                        );
                    }
                    r
                })
                .collect::<Vec<_>>();
            ArtifactChange::builder()
                .artifact_location(artifact_location(path))
                .replacements(replacements)
                .build()
        })
        .collect();
    let mut out = SarifFix::builder()
        .artifact_changes(changes)
        .properties(properties(None, [("safe", json!(fix.safe))]))
        .build();
    if !fix.description.trim().is_empty() {
        out.description = Some(text(fix.description.trim()));
    }
    Some(out)
}

fn result(f: &Finding, rule_index: Option<usize>, fingerprint: String) -> SarifResult {
    let mut extra: BTreeMap<String, Value> = BTreeMap::new();
    extra.insert("severity".into(), json!(f.severity.as_str()));
    if let Some(e) = &f.evidence {
        extra.insert("evidence".into(), json!(e.as_str()));
    }
    if !f.remediation.trim().is_empty() {
        extra.insert("remediation".into(), json!(f.remediation.trim()));
    }
    let mut r = SarifResult::builder()
        .rule_id(f.rule_id.as_str())
        .level(result_level(f.severity))
        .message(text(f.message.as_str()))
        .partial_fingerprints(BTreeMap::from([(FINGERPRINT_KEY.to_string(), fingerprint)]))
        .properties(PropertyBag {
            tags: None,
            additional_properties: extra,
        })
        .build();
    r.rule_index = rule_index.map(to_i64);
    r.locations = location(f).map(|l| vec![l]);
    r.fixes = f.fix.as_ref().and_then(fix).map(|x| vec![x]);
    r
}

fn notification(d: &InputDiagnostic) -> Notification {
    let mut pl = PhysicalLocation::builder()
        .artifact_location(artifact_location(&d.path))
        .build();
    if let Some(line) = d.line.filter(|&l| l > 0) {
        pl.region = Some(Region::builder().start_line(to_i64(line)).build());
    }
    let mut loc = Location::builder().build();
    loc.physical_location = Some(pl);
    Notification::builder()
        .message(text(d.message.as_str()))
        .level(json!("error"))
        .locations(vec![loc])
        .build()
}

/// 64-bit FNV-1a: small, fixed and stable across runs, platforms and Rust versions (unlike `std`'s
/// `DefaultHasher`, whose algorithm may change).
fn fnv1a64(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0xff; // separator that cannot occur in UTF-8 text
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for &b in part.as_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// One fingerprint per finding (same order): a hash of the rule id, the path (or object) and what the
/// finding is about — its evidence, or else the whitespace-normalised text of its first line, or else its
/// message — followed by `:n`, the occurrence of that hash in the report. Line numbers are left out so
/// that a finding keeps its fingerprint when lines are added above it.
///
/// A line that carries a secret (some finding with redacted evidence covers it) is never hashed: a weak
/// password could be recovered from the hash of a line whose shape is known.
fn fingerprints(findings: &[&Finding], sources: &mut SourceCache<'_, '_>) -> Vec<String> {
    // (path, line) of every line a secret finding covers (at most 1000 lines per finding)
    let secret_lines: HashSet<(&str, usize)> = findings
        .iter()
        .filter(|f| crate::evidence_is_redacted(f))
        .filter_map(|f| Some((f.location.path.as_deref()?, f.location.span?)))
        .flat_map(|(p, s)| {
            let last = s
                .end_line
                .clamp(s.start_line, s.start_line.saturating_add(999));
            (s.start_line..=last).map(move |l| (p, l))
        })
        .collect();

    let mut seen: HashMap<u64, usize> = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let place = f
                .location
                .path
                .as_deref()
                .or(f.location.object.as_deref())
                .unwrap_or("");
            let line_content = match (f.location.path.as_deref(), f.location.span) {
                (Some(p), Some(s)) if !secret_lines.contains(&(p, s.start_line)) => sources
                    .get(p)
                    .and_then(|src| src.line(s.start_line))
                    .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                    .filter(|l| !l.is_empty()),
                _ => None,
            };
            let h = match (&f.evidence, line_content) {
                (Some(e), _) => fnv1a64(&[&f.rule_id, place, "evidence", e.as_str()]),
                (None, Some(line)) => fnv1a64(&[&f.rule_id, place, "line", &line]),
                (None, None) => fnv1a64(&[&f.rule_id, place, "message", &f.message]),
            };
            let n = seen.entry(h).or_insert(0);
            *n += 1;
            format!("{h:016x}:{n}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(artifact_uri("Dockerfile"), "Dockerfile");
        assert_eq!(artifact_uri("./svc/Dockerfile"), "svc/Dockerfile");
        assert_eq!(artifact_uri("svc\\api\\Dockerfile"), "svc/api/Dockerfile");
        assert_eq!(artifact_uri("my dir/a#b%c:d"), "my%20dir/a%23b%25c%3Ad");
        assert_eq!(artifact_uri("/abs/Dockerfile"), "file:///abs/Dockerfile");
        assert_eq!(
            artifact_uri("C:\\src\\Dockerfile"),
            "file:///C:/src/Dockerfile"
        );
        assert_eq!(artifact_uri("ü"), "%C3%BC");
    }

    #[test]
    fn fnv_is_the_reference_fnv1a() {
        assert_eq!(fnv1a64(&[""]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(&["a"]), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(fnv1a64(&["ab", "c"]), fnv1a64(&["a", "bc"]));
    }

    #[test]
    fn docs_are_dedented_and_summarised() {
        let doc = " ## What it does\n Checks a thing.\n More.\n\n ## Why\n Because.\n";
        let d = dedent(doc);
        assert!(d.starts_with("## What it does\nChecks a thing."));
        assert_eq!(
            first_paragraph(&d).as_deref(),
            Some("Checks a thing. More.")
        );
        assert_eq!(first_paragraph("## Only a heading"), None);
    }

    #[test]
    fn regions_drop_inverted_ends() {
        let s = Span {
            start_line: 3,
            start_column: 5,
            end_line: 2,
            end_column: 1,
            byte_start: 0,
            byte_end: 0,
        };
        let r = region(&s).unwrap();
        assert_eq!((r.start_line, r.end_line), (Some(3), None));
        assert!(region(&Span::default()).is_none());
    }
}
