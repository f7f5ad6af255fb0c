//! Vulnerability scanning in `bulkhead image` and `bulkhead sbom`: the flags, opening the database, triage,
//! gating, and the vulnerability parts of every output (table, JSON, SARIF, CycloneDX).

use bulkhead_core::{Finding, Location, Severity};
use bulkhead_inventory::{Inventory, Package};
use bulkhead_vulndb::matcher::{ScanOutcome, Unparsed, VulnMatch};
use bulkhead_vulndb::severity::VulnSeverity;
use bulkhead_vulndb::store::{self, Db, DbError};
use bulkhead_vulndb::triage::{ImageIdentity, Suppressed, Triage};
use clap::Args;
use serde_json::{Value, json};
use std::path::PathBuf;

/// The vulnerability flags.
#[derive(Args, Debug, Clone)]
pub struct VulnArgs {
    /// Vulnerability database (default: $BULKHEAD_DB, else ~/.cache/bulkhead/vuln.db; create it with
    /// `bulkhead db update` or `bulkhead db import`).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Only report vulnerabilities of these severities (comma-separated: UNKNOWN, LOW, MEDIUM, HIGH,
    /// CRITICAL).
    #[arg(long, short = 's', value_delimiter = ',', value_name = "SEVERITY")]
    pub severity: Vec<String>,
    /// Leave out vulnerabilities that have no fixed version yet.
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Exit with this code when the gate trips; without --fail-on, any vulnerability still reported after
    /// the filters trips it (as `--exit-code 1 --severity CRITICAL` does in Trivy).
    #[arg(long, value_name = "CODE")]
    pub exit_code: Option<u8>,
    /// Ignore file (repeatable): `.bulkheadignore.yaml` format or a plain `.trivyignore`. Default:
    /// `.bulkheadignore.yaml` and `.trivyignore` in the current directory.
    #[arg(long = "ignorefile", value_name = "FILE")]
    pub ignorefile: Vec<PathBuf>,
    /// OpenVEX document (repeatable): `not_affected` and `fixed` statements suppress vulnerabilities.
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// Also list suppressed vulnerabilities, with the ignore entry or VEX statement that suppressed them.
    #[arg(long)]
    pub show_suppressed: bool,
    /// Warn when the database is older than this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 3)]
    pub db_max_age: u64,
}

/// What the vulnerability scan produced, after triage and filters.
#[derive(Debug, Default)]
pub struct VulnReport {
    pub kept: Vec<VulnMatch>,
    pub suppressed: Vec<Suppressed>,
    pub unparsed: Vec<Unparsed>,
    /// Scan notes and triage warnings, for the user.
    pub notes: Vec<String>,
    pub namespace: Option<String>,
    pub packages_checked: usize,
    /// The database used: path and build time.
    pub db: Option<(String, String)>,
    /// Why there is no scan (no database, a bad one, a bad ignore file).
    pub error: Option<String>,
    /// Filtered out by --severity / --ignore-unfixed (counted, not listed).
    pub filtered: usize,
    /// Time spent opening the database, matching and triaging.
    pub elapsed: std::time::Duration,
}

impl VulnReport {
    pub fn ran(&self) -> bool {
        self.error.is_none()
    }
}

fn parse_severities(list: &[String]) -> Result<Vec<VulnSeverity>, String> {
    list.iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.parse::<VulnSeverity>())
        .collect()
}

/// The database path from the flag, then `$BULKHEAD_DB`, then the cache directory.
pub fn db_path(flag: &Option<PathBuf>) -> Result<PathBuf, String> {
    flag.clone().or_else(store::default_path).ok_or_else(|| {
        "no database path: neither --db, $BULKHEAD_DB nor a home directory is set".to_string()
    })
}

/// Check the flags, ignore files and VEX documents before the (slow) image read, so a typo fails fast and a
/// broken triage file is an error rather than a scan that silently did not happen (`scanning`: the
/// vulnerability scanner will run, so its triage files matter).
pub fn validate(args: &VulnArgs, scanning: bool) -> Result<(), String> {
    parse_severities(&args.severity)?;
    if scanning {
        load_triage(args)?;
    }
    Ok(())
}

/// The ignore files (given, else the defaults in the current directory) and VEX documents.
fn load_triage(args: &VulnArgs) -> Result<Triage, String> {
    let mut triage = Triage::new();
    let files = if args.ignorefile.is_empty() {
        bulkhead_vulndb::triage::default_ignore_files(std::path::Path::new("."))
    } else {
        args.ignorefile.clone()
    };
    for f in &files {
        triage.load_ignore_file(f)?;
    }
    for f in &args.vex {
        triage.load_vex(f)?;
    }
    Ok(triage)
}

/// Scan `inv`: open the database, match, triage, filter.
pub fn scan(inv: &Inventory, args: &VulnArgs, image: Option<ImageIdentity>) -> VulnReport {
    let started = std::time::Instant::now();
    let mut report = scan_inner(inv, args, image);
    report.elapsed = started.elapsed();
    report
}

/// What identifies an image to VEX image products: its reference, repo tags, id and manifest digest.
pub fn identity_of(image: &bulkhead_image::Image) -> ImageIdentity {
    let mut names = image.repo_tags.clone();
    names.push(image.reference.clone());
    ImageIdentity {
        names,
        digests: [image.id.clone(), image.manifest_digest.clone()]
            .into_iter()
            .flatten()
            .collect(),
    }
}

fn scan_inner(inv: &Inventory, args: &VulnArgs, image: Option<ImageIdentity>) -> VulnReport {
    let mut report = VulnReport::default();
    let only = match parse_severities(&args.severity) {
        Ok(v) => v,
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    };
    let path = match db_path(&args.db) {
        Ok(p) => p,
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    };
    let db = match Db::open(&path) {
        Ok(db) => db,
        Err(e) => {
            report.error = Some(e.to_string());
            return report;
        }
    };
    let built = db.built_at().unwrap_or_default();
    let age = store::age_of(&built);
    if age > (args.db_max_age as i64) * 86_400 {
        report.notes.push(format!(
            "the vulnerability database {} is {} days old (built {built}); run `bulkhead db update` to refresh it",
            path.display(),
            age / 86_400
        ));
    }
    report.db = Some((path.display().to_string(), built));
    let outcome: ScanOutcome = match bulkhead_vulndb::matcher::scan(&db, inv) {
        Ok(o) => o,
        Err(e @ DbError::Invalid { .. })
        | Err(e @ DbError::Missing { .. })
        | Err(e @ DbError::Io { .. }) => {
            report.error = Some(e.to_string());
            return report;
        }
    };
    let mut triage = match load_triage(args) {
        Ok(t) => t,
        Err(e) => {
            report.error = Some(e);
            return report;
        }
    };
    triage.image = image;
    let triaged = triage.apply(outcome.matches, inv);
    report.notes.extend(outcome.notes);
    report.notes.extend(triaged.warnings);
    report.unparsed = outcome.unparsed;
    report.namespace = outcome.namespace;
    report.packages_checked = outcome.packages_checked;
    report.suppressed = triaged.suppressed;
    let before = triaged.kept.len();
    report.kept = triaged
        .kept
        .into_iter()
        .filter(|m| only.is_empty() || only.contains(&m.severity))
        .filter(|m| !(args.ignore_unfixed && m.fixed_versions.is_empty()))
        .collect();
    report.filtered = before - report.kept.len();
    for u in &report.unparsed {
        report.notes.push(format!(
            "{} {}: version not understood, so it was NOT checked for vulnerabilities: {}",
            u.name, u.version, u.reason
        ));
    }
    report
}

/// The vulnerability severity a `--fail-on` finding threshold corresponds to (`info` = every vulnerability).
pub fn threshold_of(s: Severity) -> VulnSeverity {
    match s {
        Severity::Info => VulnSeverity::Unknown,
        Severity::Low => VulnSeverity::Low,
        Severity::Medium => VulnSeverity::Medium,
        Severity::High => VulnSeverity::High,
        Severity::Critical => VulnSeverity::Critical,
    }
}

/// Whether the reported vulnerabilities trip the gate: with an explicit `--fail-on`, those at or above it
/// (`never` never); otherwise, with `--exit-code`, any reported one; otherwise the profile's threshold.
pub fn trips(report: &VulnReport, policy: &bulkhead_core::Policy, args: &VulnArgs) -> bool {
    use bulkhead_core::policy::FailOn;
    let explicit = policy.fail_on.is_some();
    if !explicit && args.exit_code.is_some() {
        return !report.kept.is_empty();
    }
    match policy.fail_on() {
        FailOn::Never => false,
        // `info` (UNKNOWN) takes every vulnerability; otherwise an unrated one never reaches a threshold.
        FailOn::Severity(t) => match threshold_of(t) {
            VulnSeverity::Unknown => !report.kept.is_empty(),
            t => report.kept.iter().any(|m| m.severity >= t),
        },
    }
}

/// The package's display name (`@scope/name`, `group:artifact`, `vendor/name`).
pub fn display_name(p: &Package) -> String {
    use bulkhead_inventory::PackageKind;
    match (&p.namespace, p.kind) {
        (Some(ns), Some(PackageKind::Npm)) => format!("@{ns}/{}", p.name),
        (Some(ns), Some(PackageKind::Maven)) => format!("{ns}:{}", p.name),
        (Some(ns), _) => format!("{ns}/{}", p.name),
        (None, _) => p.name.clone(),
    }
}

fn package_path(p: &Package) -> Option<&str> {
    p.locations.first().map(|l| l.path.as_str())
}

/// One JSON object per vulnerability (the `vulnerabilities` array of `bulkhead image -f json`).
pub fn json_match(m: &VulnMatch, inv: &Inventory) -> Value {
    let pkg = inv.packages.get(m.package);
    let mut v = serde_json::to_value(m).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("status".into(), json!(m.status()));
        obj.insert(
            "package".into(),
            match pkg {
                Some(p) => json!({
                    "name": display_name(p),
                    "version": p.version,
                    "kind": p.kind.map(|k| k.as_str()),
                    "purl": p.purl,
                    "source_name": p.source_name,
                    "locations": p.locations,
                }),
                None => Value::Null,
            },
        );
    }
    v
}

/// The `vulnerabilities` part of the JSON report, and its summary.
pub fn json_section(report: &VulnReport, inv: &Inventory) -> (Value, Value) {
    let list: Vec<Value> = report.kept.iter().map(|m| json_match(m, inv)).collect();
    let suppressed: Vec<Value> = report
        .suppressed
        .iter()
        .map(|s| {
            let mut v = json_match(&s.vulnerability, inv);
            if let Some(o) = v.as_object_mut() {
                o.insert("suppressed_by".into(), json!(s.suppressed_by));
            }
            v
        })
        .collect();
    let mut counts = serde_json::Map::new();
    for sev in VulnSeverity::ALL.iter().rev() {
        counts.insert(
            sev.as_str().to_string(),
            json!(report.kept.iter().filter(|m| m.severity == *sev).count()),
        );
    }
    let summary = json!({
        "scanned": report.ran(),
        "error": report.error,
        "database": report.db.as_ref().map(|(p, b)| json!({"path": p, "built_at": b})),
        "namespace": report.namespace,
        "packages_checked": report.packages_checked,
        "total": report.kept.len(),
        "by_severity": counts,
        "suppressed": suppressed,
        "filtered": report.filtered,
        "not_checked": report.unparsed,
        "notes": report.notes,
    });
    (Value::Array(list), summary)
}

fn finding_severity(s: VulnSeverity) -> Severity {
    match s {
        VulnSeverity::Unknown => Severity::Info,
        VulnSeverity::Low => Severity::Low,
        VulnSeverity::Medium => Severity::Medium,
        VulnSeverity::High => Severity::High,
        VulnSeverity::Critical => Severity::Critical,
    }
}

/// The vulnerabilities as findings for SARIF: one result per vulnerability per package, located at the file
/// that records the package in the image, named by the advisory id.
pub fn findings(report: &VulnReport, inv: &Inventory) -> Vec<Finding> {
    report
        .kept
        .iter()
        .map(|m| {
            let pkg = inv.packages.get(m.package);
            let name = pkg.map(display_name).unwrap_or_else(|| m.matched_name.clone());
            let version = pkg.map(|p| p.version.clone()).unwrap_or_default();
            let purl = pkg.map(|p| p.purl.clone()).unwrap_or_default();
            let aliases = if m.aliases.is_empty() {
                String::new()
            } else {
                format!(" ({})", m.aliases.join(", "))
            };
            let fix = if m.fixed_versions.is_empty() {
                "no fixed version is known yet".to_string()
            } else {
                format!("fixed in {}", m.fixed_versions.join(", "))
            };
            let mut location = Location::file(pkg.and_then(package_path).unwrap_or("/").to_string());
            location.object = Some(purl.clone());
            Finding {
                rule_id: m.id.clone(),
                aliases: m.aliases.clone(),
                severity: finding_severity(m.severity),
                title: m
                    .summary
                    .clone()
                    .unwrap_or_else(|| format!("{} in {name}", m.id)),
                message: format!(
                    "{name} {version} ({purl}) is affected by {}{aliases}; {fix}. Severity {}{}.",
                    m.id,
                    m.severity,
                    if m.severity_source.is_empty() {
                        String::new()
                    } else {
                        format!(" from {}", m.severity_source)
                    }
                ),
                location,
                evidence: None,
                remediation: match m.fixed_versions.first() {
                    Some(f) => format!("Upgrade {name} to {f} or later."),
                    None => format!(
                        "No fix is published yet: remove {name} if it is not needed, or record the decision in .bulkheadignore.yaml with a reason and an expiry."
                    ),
                },
                fix: None,
                compliance: Vec::new(),
            }
        })
        .collect()
}

/// A vulnerability severity in the colour of the finding severity it maps to.
fn paint(s: &str, sev: VulnSeverity, color: bool) -> String {
    bulkhead_report::paint_severity(s, finding_severity(sev), color)
}

/// The human section: a summary line, then the vulnerabilities grouped by package.
pub fn human_section(report: &VulnReport, inv: &Inventory, args: &VulnArgs, color: bool) -> String {
    let mut s = String::new();
    if let Some(e) = &report.error {
        s.push_str(&format!(
            "vulnerabilities: not scanned\n  {}\n\n",
            e.replace('\n', "\n  ")
        ));
        return s;
    }
    let counts: Vec<String> = VulnSeverity::ALL
        .iter()
        .rev()
        .map(|sev| {
            (
                sev,
                report.kept.iter().filter(|m| m.severity == *sev).count(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .map(|(sev, n)| paint(&format!("{sev} {n}"), *sev, color))
        .collect();
    s.push_str(&format!(
        "vulnerabilities  {}{}{}{}\n",
        report.kept.len(),
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        },
        if report.suppressed.is_empty() {
            String::new()
        } else {
            format!(", {} suppressed", report.suppressed.len())
        },
        if report.filtered == 0 {
            String::new()
        } else {
            format!(", {} filtered out", report.filtered)
        },
    ));
    if let Some((path, built)) = &report.db {
        s.push_str(&format!(
            "  database {path} (built {built}){}\n",
            report
                .namespace
                .as_ref()
                .map(|n| format!(", OS namespace {n}"))
                .unwrap_or_default()
        ));
    }
    for n in &report.notes {
        s.push_str(&format!("  note: {n}\n"));
    }
    s.push('\n');
    group_table(&mut s, report.kept.iter().collect(), inv, color, None);
    if args.show_suppressed && !report.suppressed.is_empty() {
        s.push_str("suppressed:\n");
        let ms: Vec<&VulnMatch> = report.suppressed.iter().map(|x| &x.vulnerability).collect();
        group_table(&mut s, ms, inv, color, Some(&report.suppressed));
    }
    s
}

fn group_table(
    s: &mut String,
    mut ms: Vec<&VulnMatch>,
    inv: &Inventory,
    color: bool,
    suppressed: Option<&[Suppressed]>,
) {
    ms.sort_by(|a, b| {
        a.package
            .cmp(&b.package)
            .then(b.severity.cmp(&a.severity))
            .then(a.id.cmp(&b.id))
    });
    let mut current: Option<usize> = None;
    for m in ms {
        if current != Some(m.package) {
            current = Some(m.package);
            if let Some(p) = inv.packages.get(m.package) {
                let loc = p
                    .locations
                    .first()
                    .map(|l| match l.layer {
                        Some(i) => format!("  {} (layer {})", l.path, i + 1),
                        None => format!("  {}", l.path),
                    })
                    .unwrap_or_default();
                let src = match (&p.source_name, m.installed_version != p.version) {
                    (Some(src), _) if *src != p.name => {
                        format!(" [source {src} {}]", m.installed_version)
                    }
                    (_, true) => format!(" [compared as {}]", m.installed_version),
                    _ => String::new(),
                };
                s.push_str(&format!(
                    "{} {} ({}){src}{loc}\n",
                    display_name(p),
                    p.version,
                    p.kind.map(|k| k.as_str()).unwrap_or("other")
                ));
            }
        }
        let fixed = if m.fixed_versions.is_empty() {
            "no fix yet".to_string()
        } else {
            format!("fixed in {}", m.fixed_versions.join(", "))
        };
        let aliases = if m.aliases.is_empty() {
            String::new()
        } else {
            let shown: Vec<&str> = m.aliases.iter().take(4).map(String::as_str).collect();
            let more = m.aliases.len().saturating_sub(4);
            format!(
                " [{}{}]",
                shown.join(", "),
                if more > 0 {
                    format!(" +{more}")
                } else {
                    String::new()
                }
            )
        };
        let summary = shorten(m.summary.as_deref().unwrap_or(""), 80);
        s.push_str(&format!(
            "  {:<8}  {:<20}  {:<24}  {summary}{aliases}\n",
            paint(m.severity.as_str(), m.severity, color),
            m.id,
            fixed,
        ));
        if let Some(sup) = suppressed
            && let Some(x) = sup.iter().find(|x| std::ptr::eq(&x.vulnerability, m))
        {
            s.push_str(&format!(
                "            suppressed by {} {}: {}\n",
                x.suppressed_by.kind, x.suppressed_by.origin, x.suppressed_by.statement
            ));
        }
    }
    if current.is_some() {
        s.push('\n');
    }
}

/// `text` cut to at most `max` characters at a word boundary, with `...` when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(3)).collect();
    if let Some(space) = cut.rfind(' ') {
        cut.truncate(space);
    }
    cut.push_str("...");
    cut
}

/// The CycloneDX 1.6 `vulnerabilities` array for an SBOM of `inv` (component refs from the same SBOM);
/// suppressed vulnerabilities are included with their VEX-style `analysis`.
pub fn cyclonedx_vulnerabilities(report: &VulnReport, inv: &Inventory) -> Value {
    let refs = bulkhead_inventory::sbom::component_refs(inv);
    let one = |m: &VulnMatch, analysis: Option<Value>| {
        let method = |basis: &str| {
            if basis.starts_with("CVSS:3.1") {
                "CVSSv31"
            } else if basis.starts_with("CVSS:3.0") {
                "CVSSv3"
            } else if basis.starts_with("CVSS:4") {
                "CVSSv4"
            } else if basis.starts_with("AV:") {
                "CVSSv2"
            } else {
                "other"
            }
        };
        let mut rating = json!({ "severity": m.severity.as_str().to_ascii_lowercase(), "method": method(&m.severity_source) });
        if let Some(score) = m.cvss_score {
            rating["score"] = json!(score);
            rating["vector"] = json!(m.severity_source);
        }
        let mut v = json!({
            "bom-ref": format!("{}/{}", m.id, refs.get(m.package).cloned().unwrap_or_default()),
            "id": m.id,
            "ratings": [rating],
            "affects": [ { "ref": refs.get(m.package).cloned().unwrap_or_default() } ],
        });
        if !m.aliases.is_empty() {
            v["references"] = Value::Array(
                m.aliases
                    .iter()
                    .map(|a| json!({ "id": a, "source": { "name": source_name(a) } }))
                    .collect(),
            );
        }
        if let Some(sum) = &m.summary {
            v["description"] = json!(sum);
        }
        if let Some(f) = m.fixed_versions.first() {
            v["recommendation"] = json!(format!("Upgrade to {f} or later."));
        }
        if let Some(p) = &m.published {
            v["published"] = json!(p);
        }
        if let Some(p) = &m.modified {
            v["updated"] = json!(p);
        }
        if !m.references.is_empty() {
            v["advisories"] = Value::Array(
                m.references
                    .iter()
                    .take(5)
                    .map(|u| json!({ "url": u }))
                    .collect(),
            );
        }
        v["source"] = json!({ "name": source_name(&m.id) });
        if let Some(a) = analysis {
            v["analysis"] = a;
        }
        v
    };
    let mut out: Vec<Value> = report.kept.iter().map(|m| one(m, None)).collect();
    for s in &report.suppressed {
        // Only a VEX `fixed` statement says it was remediated; an ignore entry's free-text reason says nothing
        // of the kind, whatever word it starts with.
        let vex = s.suppressed_by.kind == "vex";
        let state = if vex && s.suppressed_by.statement.starts_with("fixed") {
            "resolved"
        } else if vex {
            "not_affected"
        } else {
            "false_positive"
        };
        let mut a = json!({ "state": state, "detail": format!("{} ({})", s.suppressed_by.statement, s.suppressed_by.origin) });
        if s.suppressed_by.kind == "vex"
            && let Some(j) = s.suppressed_by.statement.strip_prefix("not_affected: ")
        {
            let j = j.split(" (").next().unwrap_or(j);
            if let Some(cdx) = cyclonedx_justification(j) {
                a["justification"] = json!(cdx);
            }
        }
        out.push(one(&s.vulnerability, Some(a)));
    }
    Value::Array(out)
}

/// OpenVEX justifications mapped to CycloneDX's.
fn cyclonedx_justification(j: &str) -> Option<&'static str> {
    Some(match j {
        "component_not_present" => "requires_dependency",
        "vulnerable_code_not_present" => "code_not_present",
        "vulnerable_code_not_in_execute_path" => "code_not_reachable",
        "vulnerable_code_cannot_be_controlled_by_adversary" => "requires_environment",
        "inline_mitigations_already_exist" => "protected_by_mitigating_control",
        _ => return None,
    })
}

/// The database an id comes from, by its prefix.
fn source_name(id: &str) -> &'static str {
    let prefix = id.split(['-', ':']).next().unwrap_or("");
    match prefix {
        "CVE" => "NVD",
        "GHSA" => "GitHub Advisory Database",
        "PYSEC" => "PyPI Advisory Database",
        "RUSTSEC" => "RustSec",
        "GO" => "Go Vulnerability Database",
        "DSA" | "DLA" | "DTSA" => "Debian Security Tracker",
        "ALPINE" => "Alpine secdb",
        "ALSA" | "ALBA" | "ALEA" => "AlmaLinux",
        "NSWG" => "Node.js Security WG",
        "OSV" => "OSV",
        _ => "OSV",
    }
}
