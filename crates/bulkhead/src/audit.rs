//! `bulkhead audit`: the live engine — daemon, every container, networks and Swarm.

use crate::{ColorChoice, OutputFormat, PolicyArgs};
use bulkhead_engine::collect::CollectOptions;
use bulkhead_engine::snapshot::Snapshot;
use clap::Args;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Engine to audit (repeatable: several engines are audited concurrently): `unix:///path.sock`,
    /// `tcp://HOST:2376` (TLS with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH), `ssh://USER@HOST`. Default:
    /// DOCKER_HOST, else the current Docker context, else the local socket.
    #[arg(long = "host", short = 'H', value_name = "ADDRESS")]
    pub hosts: Vec<String>,
    /// Stopped containers too.
    #[arg(long, short = 'a')]
    pub all: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Write the report to a file instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Draw the topology (containers, networks, published ports, exposures) to FILE.svg, FILE.dot (or
    /// .gv) or FILE.json; with several engines the others go to FILE-2.svg, FILE-3.svg, ...
    #[arg(long, value_name = "FILE")]
    pub graph: Option<PathBuf>,
    /// Also write the snapshot the audit read (JSON) to FILE, to audit it again offline.
    #[arg(long, value_name = "FILE")]
    pub save_snapshot: Option<PathBuf>,
    /// Audit a saved snapshot instead of a live engine (repeatable).
    #[arg(long, value_name = "FILE", conflicts_with = "hosts")]
    pub from_snapshot: Vec<PathBuf>,
    /// When to use colour in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

/// The snapshots to audit: saved ones, or one per engine.
fn snapshots(args: &AuditArgs) -> Result<Vec<Snapshot>, String> {
    if !args.from_snapshot.is_empty() {
        return args
            .from_snapshot
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).map_err(|e| format!("{}: cannot read: {e}", p.display()))?;
                serde_json::from_str(&text).map_err(|e| {
                    format!(
                        "{}: not a bulkhead snapshot (line {}, column {}: {e}); write one with `bulkhead audit --save-snapshot FILE`",
                        p.display(),
                        e.line(),
                        e.column()
                    )
                })
            })
            .collect();
    }
    let hosts: Vec<Option<&str>> = if args.hosts.is_empty() {
        vec![None]
    } else {
        args.hosts.iter().map(|h| Some(h.as_str())).collect()
    };
    let opts = CollectOptions { all: args.all };
    // Every engine at once; one that cannot be reached is reported and the others are still audited.
    let mut out = Vec::new();
    let mut failed = Vec::new();
    for r in bulkhead_engine::collect::collect_many(&hosts, &opts) {
        match r {
            Ok(s) => out.push(s),
            Err(e) => failed.push(e.to_string()),
        }
    }
    if out.is_empty() {
        return Err(failed.join("\nerror: "));
    }
    for f in failed {
        eprintln!("error: {f} (the other engines were audited)");
    }
    Ok(out)
}

pub fn run(args: AuditArgs) -> ExitCode {
    let (policy, _) = match crate::check::resolve_policy(&args.policy, std::path::Path::new(".")) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    if let Some(path) = &args.graph
        && let Err(e) = graph_extension_ok(path)
    {
        return fail(e);
    }
    let started = std::time::Instant::now();
    let snaps = match snapshots(&args) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    if let Some(path) = &args.save_snapshot {
        let doc = if snaps.len() == 1 {
            serde_json::to_string_pretty(&snaps[0])
        } else {
            serde_json::to_string_pretty(&snaps)
        };
        match doc {
            Ok(text) => {
                if let Err(e) = std::fs::write(path, text) {
                    return fail(format!(
                        "{}: cannot write the snapshot: {e}",
                        path.display()
                    ));
                }
            }
            Err(e) => return fail(format!("cannot serialise the snapshot: {e}")),
        }
    }
    if let Some(path) = &args.graph
        && let Err(e) = write_graphs(path, &snaps)
    {
        return fail(e);
    }
    let enabled = bulkhead_engine::rules::enabled(&policy);
    let metas = crate::all_rule_meta();
    let lookup = |id: &str| metas.iter().copied().find(|m| m.id == id);
    let mut findings = Vec::new();
    let mut diagnostics = Vec::new();
    for snap in &snaps {
        findings.extend(bulkhead_engine::rules::check_snapshot(snap, &enabled));
        for p in &snap.problems {
            diagnostics.push(bulkhead_report::InputDiagnostic::new(
                snap.host.clone(),
                None,
                format!("{}: could not be inspected: {}", p.object, p.message),
            ));
        }
    }
    let mut findings = policy.apply(findings, lookup);
    findings.sort_by_key(|f| f.sort_key());
    let ran: Vec<bulkhead_core::RuleMeta> = enabled.iter().map(|r| *r.meta()).collect();
    let subject = match snaps.as_slice() {
        [one] => format!("engine {}", one.host),
        many => format!("{} engines", many.len()),
    };
    let input = bulkhead_report::ReportInput {
        findings: &findings,
        rules: &ran,
        sources: &bulkhead_report::no_sources,
        tool_version: env!("CARGO_PKG_VERSION"),
        files_scanned: snaps.len(),
        diagnostics: &diagnostics,
        subject: Some(&subject),
    };
    let text = match args.format {
        OutputFormat::Sarif => bulkhead_report::render_sarif(&input),
        OutputFormat::Json => {
            let mut report = bulkhead_report::json_value(&input);
            if let Some(obj) = report.as_object_mut() {
                obj.insert(
                    "engines".into(),
                    serde_json::json!(
                        snaps
                            .iter()
                            .map(|s| engine_summary(s, &findings))
                            .collect::<Vec<_>>()
                    ),
                );
            }
            let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
            s.push('\n');
            s
        }
        OutputFormat::Human => {
            let color = args.color.enabled(args.output.is_some());
            let mut s = String::new();
            for snap in &snaps {
                s.push_str(&human_header(snap, &findings));
                s.push_str(&human_findings(snap, &findings, color));
            }
            s.push_str(&summary_line(&findings, &subject));
            s
        }
    };
    if let Err(e) = crate::image::write_out(&args.output, &text) {
        return fail(e);
    }
    if args.format == OutputFormat::Human {
        eprintln!("audited in {:.2}s", started.elapsed().as_secs_f64());
    }
    if policy.fails(&findings) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The object a finding is about, up to the ` / field` part (`container web`).
fn object_of(f: &bulkhead_core::Finding) -> String {
    f.location
        .object
        .as_deref()
        .map(|o| o.split(" / ").next().unwrap_or(o).to_string())
        .unwrap_or_default()
}

/// Findings per object (container, network, service, daemon) of one engine, by severity.
fn counts(
    snap: &Snapshot,
    findings: &[bulkhead_core::Finding],
) -> BTreeMap<String, BTreeMap<String, usize>> {
    let mut m: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| f.location.path.as_deref() == Some(snap.host.as_str()))
    {
        *m.entry(object_of(f))
            .or_default()
            .entry(f.severity.as_str().to_string())
            .or_default() += 1;
    }
    m
}

/// An error naming the accepted extensions when `path` has none of them.
fn graph_extension_ok(path: &std::path::Path) -> Result<(), String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    if bulkhead_engine::graph::GRAPH_EXTENSIONS.contains(&ext.as_str()) {
        Ok(())
    } else {
        bulkhead_engine::graph::render(&Snapshot::default(), &path.display().to_string())
            .map(|_| ())
    }
}

/// `--graph FILE`: the topology of each engine, drawn by the file's extension; with several engines the
/// second and later go to `FILE-2.svg`, `FILE-3.svg`, ...
fn write_graphs(path: &std::path::Path, snaps: &[Snapshot]) -> Result<(), String> {
    for (i, snap) in snaps.iter().enumerate() {
        let target = if i == 0 {
            path.to_path_buf()
        } else {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("graph");
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("svg");
            path.with_file_name(format!("{stem}-{}.{ext}", i + 1))
        };
        let text = bulkhead_engine::graph::render(snap, &target.display().to_string())?;
        std::fs::write(&target, text)
            .map_err(|e| format!("{}: cannot write the graph: {e}", target.display()))?;
    }
    Ok(())
}

fn engine_summary(snap: &Snapshot, findings: &[bulkhead_core::Finding]) -> serde_json::Value {
    serde_json::json!({
        "host": snap.host,
        "api_version": snap.api_version,
        "server_version": snap.version.as_ref().and_then(|v| v.version.clone()),
        "rootless": snap.rootless(),
        "containers": snap.containers.len(),
        "networks": snap.networks.len(),
        "swarm": snap.swarm.is_some(),
        "findings_per_object": counts(snap, findings),
        "problems": snap.problems,
        "topology": bulkhead_engine::graph::to_json(snap),
    })
}

fn human_header(snap: &Snapshot, findings: &[bulkhead_core::Finding]) -> String {
    let mut s = format!(
        "Engine {} (Docker {}, API {}{})\n  containers {} ({} running), networks {}, volumes {}{}\n",
        snap.host,
        snap.version
            .as_ref()
            .and_then(|v| v.version.as_deref())
            .unwrap_or("?"),
        snap.api_version.as_deref().unwrap_or("?"),
        if snap.rootless() { ", rootless" } else { "" },
        snap.containers.len(),
        snap.containers.iter().filter(|c| c.running()).count(),
        snap.networks.len(),
        snap.volumes.len(),
        if snap.swarm.is_some() {
            ", swarm active"
        } else {
            ""
        },
    );
    for p in &snap.problems {
        s.push_str(&format!(
            "  note: {} could not be inspected: {}\n",
            p.object, p.message
        ));
    }
    let table = counts(snap, findings);
    if !table.is_empty() {
        s.push_str("\n  OBJECT                                    CRIT  HIGH   MED   LOW  INFO\n");
        for (obj, c) in &table {
            let n = |k: &str| c.get(k).copied().unwrap_or(0);
            s.push_str(&format!(
                "  {:<40} {:>5} {:>5} {:>5} {:>5} {:>5}\n",
                obj,
                n("critical"),
                n("high"),
                n("medium"),
                n("low"),
                n("info")
            ));
        }
    }
    s.push('\n');
    s
}

/// One engine's findings grouped by object (each container, network, service, the daemon), most severe
/// first within a group: the field, the current value, the fix.
fn human_findings(snap: &Snapshot, findings: &[bulkhead_core::Finding], color: bool) -> String {
    let mut groups: BTreeMap<String, Vec<&bulkhead_core::Finding>> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| f.location.path.as_deref() == Some(snap.host.as_str()))
    {
        groups.entry(object_of(f)).or_default().push(f);
    }
    let mut s = String::new();
    for (object, mut list) in groups {
        list.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule_id.cmp(&b.rule_id)));
        s.push_str(&format!("{object}\n"));
        for f in list {
            let field = f
                .location
                .object
                .as_deref()
                .and_then(|o| o.split_once(" / ").map(|(_, field)| field))
                .unwrap_or("");
            s.push_str(&format!(
                "  {} {} {}\n",
                f.rule_id,
                bulkhead_report::paint_severity(
                    &format!("[{}]", f.severity.as_str()),
                    f.severity,
                    color
                ),
                f.title
            ));
            s.push_str(&format!("      {}\n", f.message));
            if !field.is_empty() {
                s.push_str(&format!("      field: {field}\n"));
            }
            if let Some(e) = &f.evidence {
                s.push_str(&format!("      value: {}\n", e.as_str()));
            }
            s.push_str(&format!("      fix:   {}\n", f.remediation));
        }
        s.push('\n');
    }
    s
}

fn summary_line(findings: &[bulkhead_core::Finding], subject: &str) -> String {
    if findings.is_empty() {
        return format!("No findings in {subject}.\n");
    }
    let mut parts = Vec::new();
    for sev in bulkhead_core::Severity::ALL.iter().rev() {
        let n = findings.iter().filter(|f| f.severity == *sev).count();
        if n > 0 {
            parts.push(format!("{n} {}", sev.as_str()));
        }
    }
    format!(
        "Found {} finding{} ({}) in {subject}.\n",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        parts.join(", ")
    )
}
