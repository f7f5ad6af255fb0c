//! `bulkhead image` and `bulkhead sbom`: read an image from any source, audit its config and files, and
//! list what is inside.

use bulkhead_image::{FileMeta, Image, LayerVisitor, ReadOptions, Source, Visited};
use bulkhead_inventory::{FileResult, Inventory, PackageLocation};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Sends files that may hold package records to the catalogers while the layers stream past.
pub struct InventoryVisitor;

impl LayerVisitor for InventoryVisitor {
    type Output = FileResult;
    fn wants(&self, path: &str, meta: &FileMeta) -> bool {
        bulkhead_inventory::wants(path, meta.size, meta.is_executable())
    }
    fn visit(
        &self,
        _layer: usize,
        path: &str,
        _meta: &FileMeta,
        data: &[u8],
    ) -> Option<FileResult> {
        let r = bulkhead_inventory::catalog_file(path, data);
        (r.os.is_some() || !r.packages.is_empty() || r.error.is_some()).then_some(r)
    }
}

/// The inventory of what the image ships: records from files of the squashed tree only (a package
/// database a later layer replaced or deleted describes packages that are gone).
pub fn inventory_of(image: &Image, outputs: Vec<Visited<FileResult>>) -> Inventory {
    let results = outputs
        .into_iter()
        .filter(|v| image.fs.is_visible(v.layer, &v.path))
        .map(|v| {
            let digest = image
                .layers
                .get(v.layer)
                .and_then(|l| l.digest.clone().or_else(|| l.diff_id.clone()));
            let layer = (image.source_kind != "rootfs").then_some(v.layer);
            (
                PackageLocation {
                    path: v.path,
                    layer,
                    layer_digest: if layer.is_some() { digest } else { None },
                },
                v.output,
            )
        })
        .collect();
    Inventory::assemble(results)
}

/// Read options from the flags every image command shares.
pub fn read_options(flags: &crate::ImageSourceArgs) -> ReadOptions {
    let mut o = ReadOptions {
        platform: flags.platform.clone(),
        insecure_registry: flags.insecure_registry,
        ..ReadOptions::default()
    };
    if let Some(mb) = flags.max_layer_mb {
        o.max_layer_bytes = mb.saturating_mul(1 << 20);
    }
    o
}

/// Where to write a document: a file or standard output.
pub fn write_out(output: &Option<PathBuf>, text: &str) -> Result<(), String> {
    match output {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .map_err(|e| format!("cannot write to standard output: {e}"))
        }
    }
}

/// The package table of the human reports.
pub fn package_table(inv: &Inventory) -> String {
    let mut rows: Vec<[String; 5]> = vec![[
        "TYPE".into(),
        "NAME".into(),
        "VERSION".into(),
        "SOURCE".into(),
        "FOUND IN".into(),
    ]];
    for p in &inv.packages {
        let name = crate::vulns::display_name(p);
        let source = match (&p.source_name, &p.source_version) {
            (Some(s), Some(v)) => format!("{s} {v}"),
            (Some(s), None) if *s != p.name => s.clone(),
            _ => String::new(),
        };
        let loc = p
            .locations
            .first()
            .map(|l| match l.layer {
                Some(i) => format!("{} (layer {})", l.path, i + 1),
                None => l.path.clone(),
            })
            .unwrap_or_default();
        rows.push([
            p.kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
            name,
            p.version.clone(),
            source,
            loc,
        ]);
    }
    let mut widths = [0usize; 5];
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count()).min(60);
        }
    }
    let mut s = String::new();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 4 {
                    c.clone()
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect();
        s.push_str(line.join("  ").trim_end());
        s.push('\n');
    }
    s
}

/// Summary lines about the image itself.
pub fn image_header(image: &Image, inv: &Inventory) -> String {
    let mut s = format!("Image {} ({})\n", image.reference, image.source_kind);
    if let Some(id) = &image.id {
        s.push_str(&format!("  id        {id}\n"));
    }
    if let Some(d) = &image.manifest_digest {
        s.push_str(&format!("  manifest  {d}\n"));
    }
    if let Some(c) = &image.config {
        let plat = [
            c.os.as_deref(),
            c.architecture.as_deref(),
            c.variant.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("/");
        if !plat.is_empty() {
            s.push_str(&format!("  platform  {plat}\n"));
        }
        s.push_str(&format!(
            "  user      {}\n",
            c.user
                .as_deref()
                .filter(|u| !u.is_empty())
                .unwrap_or("(unset: root)")
        ));
    }
    if let Some(os) = &inv.os {
        s.push_str(&format!(
            "  os        {}\n",
            os.pretty_name.clone().unwrap_or_else(|| format!(
                "{} {}",
                os.id,
                os.version_id.as_deref().unwrap_or("")
            ))
        ));
    }
    let files = image.fs.entries.len();
    s.push_str(&format!(
        "  layers    {} ({} entries, {} hidden by later layers)\n",
        image.layers.len(),
        files,
        image.fs.hidden.len()
    ));
    s
}

/// Count of packages by type, `deb 92, python 3`.
pub fn package_counts(inv: &Inventory) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for p in &inv.packages {
        *counts
            .entry(p.kind.map_or("other", |k| k.as_str()))
            .or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn read(spec: &str, opts: &ReadOptions) -> Result<(Image, Inventory), String> {
    let source = Source::parse(spec);
    let (image, outputs) =
        bulkhead_image::read_image(&source, opts, &InventoryVisitor).map_err(|e| e.to_string())?;
    let inv = inventory_of(&image, outputs);
    Ok((image, inv))
}

/// The layers as reports show them: `created_by` lines redacted (a build argument's value is a secret
/// more often than not).
pub fn redacted_layers(image: &Image) -> Vec<bulkhead_image::LayerInfo> {
    image.layers.iter().map(|l| l.redacted()).collect()
}

pub fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

type Outputs = (
    Vec<Visited<Vec<bulkhead_image::secrets::SecretHit>>>,
    Vec<Visited<FileResult>>,
);

type Combined = (
    Option<Vec<bulkhead_image::secrets::SecretHit>>,
    Option<FileResult>,
);

fn split(outputs: Vec<Visited<Combined>>) -> Outputs {
    let mut secrets = Vec::new();
    let mut files = Vec::new();
    for v in outputs {
        let (s, f) = v.output;
        if let Some(s) = s {
            secrets.push(Visited {
                layer: v.layer,
                path: v.path.clone(),
                output: s,
            });
        }
        if let Some(f) = f {
            files.push(Visited {
                layer: v.layer,
                path: v.path,
                output: f,
            });
        }
    }
    (secrets, files)
}

/// The read notes as report diagnostics: `<image>: layer 2 (abcd…) /etc/x: message`.
pub fn diagnostics_of(image: &Image, inv: &Inventory) -> Vec<bulkhead_report::InputDiagnostic> {
    let mut v: Vec<_> = image
        .notes
        .iter()
        .map(|n| {
            let place = [n.layer.as_deref(), n.path.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            bulkhead_report::InputDiagnostic::new(
                image.reference.clone(),
                None,
                if place.is_empty() {
                    n.message.clone()
                } else {
                    format!("{place}: {}", n.message)
                },
            )
        })
        .collect();
    v.extend(
        inv.notes.iter().map(|n| {
            bulkhead_report::InputDiagnostic::new(image.reference.clone(), None, n.clone())
        }),
    );
    v
}

fn resolve_policy(args: &crate::ImageArgs) -> Result<bulkhead_core::Policy, String> {
    crate::check::resolve_policy(&args.policy, std::path::Path::new(".")).map(|(p, _)| p)
}

/// What reading and analysing an image produced.
pub struct Analysis {
    pub image: Image,
    pub inv: Inventory,
    /// `None` when the vulnerability scanner did not run.
    pub vulns: Option<crate::vulns::VulnReport>,
    /// Image findings under the policy, sorted.
    pub findings: Vec<bulkhead_core::Finding>,
    /// The rules that ran.
    pub ran: Vec<bulkhead_core::RuleMeta>,
}

/// Reads `spec` and runs the analyzers `runs` selects: the image rules (config; the secret rules with the
/// secret scanner too), the secret scan of file contents, the inventory and the vulnerability scan.
pub fn analyse(
    spec: &str,
    opts: &ReadOptions,
    runs: &dyn Fn(crate::Scanner) -> bool,
    policy: &bulkhead_core::Policy,
    vuln_args: &crate::vulns::VulnArgs,
    allow_setuid: &[String],
) -> Result<Analysis, String> {
    use crate::Scanner;
    use bulkhead_image::rules::{ImageCheckContext, ImageCheckOptions};
    let secrets = runs(Scanner::Secret).then(bulkhead_image::secrets::SecretVisitor::new);
    let visitor = (secrets, InventoryVisitor);
    let source = Source::parse(spec);
    let (image, outputs) =
        bulkhead_image::read_image(&source, opts, &visitor).map_err(|e| e.to_string())?;
    let (secret_hits, files) = split(outputs);
    let inv = inventory_of(&image, files);
    let vulns = runs(Scanner::Vuln)
        .then(|| crate::vulns::scan(&inv, vuln_args, Some(crate::vulns::identity_of(&image))));
    let options = ImageCheckOptions {
        setuid_allowlist: allow_setuid.to_vec(),
        ..ImageCheckOptions::default()
    };
    let ctx = ImageCheckContext::new(&image, &secret_hits, &options);
    let enabled: Vec<_> = bulkhead_image::rules::registry()
        .into_iter()
        .filter(|r| policy.rule_enabled(r.meta()))
        .filter(|r| {
            // The secret rules stay with the secret scanner, every other rule is `config`.
            let secret_rule = matches!(r.meta().id, "IM002" | "IM003" | "IM010" | "IM011");
            if secret_rule {
                runs(Scanner::Secret) || runs(Scanner::Config)
            } else {
                runs(Scanner::Config)
            }
        })
        .collect();
    let metas = crate::all_rule_meta();
    let lookup = |id: &str| metas.iter().copied().find(|m| m.id == id);
    let mut findings = policy.apply(bulkhead_image::rules::check_rules(&ctx, &enabled), lookup);
    findings.sort_by_key(|f| f.sort_key());
    let ran = enabled.iter().map(|r| *r.meta()).collect();
    Ok(Analysis {
        image,
        inv,
        vulns,
        findings,
        ran,
    })
}

/// `bulkhead image`.
pub fn run(args: crate::ImageArgs) -> ExitCode {
    use crate::{OutputFormat, Scanner};
    let policy = match resolve_policy(&args) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    if let Err(e) = crate::vulns::validate(&args.vulns, args.runs(Scanner::Vuln)) {
        return fail(e);
    }
    let opts = read_options(&args.source);
    let started = std::time::Instant::now();
    let runs = |s: Scanner| args.runs(s);
    let Analysis {
        image,
        inv,
        vulns,
        findings,
        ran,
    } = match analyse(
        &args.image,
        &opts,
        &runs,
        &policy,
        &args.vulns,
        &args.allow_setuid,
    ) {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    if let Some(v) = &vulns
        && let Some(e) = &v.error
    {
        // Vulnerabilities were the only thing asked for: without a database there is nothing to do.
        if args.scanners == [Scanner::Vuln] {
            return fail(e);
        }
        eprintln!("warning: vulnerabilities were not scanned: {e}");
    }
    let diagnostics = diagnostics_of(&image, &inv);
    let subject = format!("image {}", image.reference);
    let input = bulkhead_report::ReportInput {
        findings: &findings,
        rules: &ran,
        sources: &bulkhead_report::no_sources,
        tool_version: env!("CARGO_PKG_VERSION"),
        files_scanned: 1,
        diagnostics: &diagnostics,
        subject: Some(&subject),
    };
    let text = match args.format {
        OutputFormat::Sarif => {
            let mut all = findings.clone();
            if let Some(v) = &vulns {
                all.extend(crate::vulns::findings(v, &inv));
            }
            let mut diags = diagnostics.clone();
            if let Some(v) = &vulns {
                for n in v.notes.iter().chain(v.error.iter()) {
                    diags.push(bulkhead_report::InputDiagnostic::new(
                        image.reference.clone(),
                        None,
                        n.clone(),
                    ));
                }
            }
            bulkhead_report::render_sarif(&bulkhead_report::ReportInput {
                findings: &all,
                diagnostics: &diags,
                ..input
            })
        }
        OutputFormat::Json => {
            let report = bulkhead_report::json_value(&input);
            let mut doc = serde_json::json!({
                "image": {
                    "reference": image.reference,
                    "source": image.source_kind,
                    "id": image.id,
                    "manifest_digest": image.manifest_digest,
                    "repo_tags": image.repo_tags,
                    "config": image.config.as_ref().map(|c| c.redacted()),
                    "layers": redacted_layers(&image),
                    "entries": image.fs.entries.len(),
                    "hidden_entries": image.fs.hidden.len(),
                },
                "inventory": inv,
            });
            if let Some(v) = &vulns
                && let Some(d) = doc.as_object_mut()
            {
                let (list, summary) = crate::vulns::json_section(v, &inv);
                d.insert("vulnerabilities".into(), list);
                d.insert("vulnerability_scan".into(), summary);
            }
            if let (Some(d), serde_json::Value::Object(r)) = (doc.as_object_mut(), report) {
                for (k, v) in r {
                    d.insert(k, v);
                }
            }
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            s
        }
        OutputFormat::Human => {
            let color = args.color.enabled(args.output.is_some());
            let mut s = image_header(&image, &inv);
            s.push_str(&format!(
                "  packages  {} ({})\n\n",
                inv.packages.len(),
                if inv.packages.is_empty() {
                    "none found".to_string()
                } else {
                    package_counts(&inv)
                }
            ));
            if args.packages && !inv.packages.is_empty() {
                s.push_str(&package_table(&inv));
                s.push('\n');
            }
            // Read notes (an entry skipped, a layer cut short) did not stop the audit: shown as notes
            // before the findings, not as errors.
            for d in &diagnostics {
                s.push_str(&format!("note: {}\n", d.message));
            }
            if !diagnostics.is_empty() {
                s.push('\n');
            }
            if let Some(v) = &vulns {
                s.push_str(&crate::vulns::human_section(v, &inv, &args.vulns, color));
            }
            let findings_only = bulkhead_report::ReportInput {
                diagnostics: &[],
                ..input
            };
            s.push_str(&bulkhead_report::render_human(&findings_only, color));
            s
        }
    };
    if let Err(e) = write_out(&args.output, &text) {
        return fail(e);
    }
    if args.format == OutputFormat::Human {
        match &vulns {
            Some(v) if v.ran() => eprintln!(
                "read in {:.2}s (vulnerabilities matched in {} ms)",
                started.elapsed().as_secs_f64(),
                v.elapsed.as_millis()
            ),
            _ => eprintln!("read in {:.2}s", started.elapsed().as_secs_f64()),
        }
    }
    let vulns_trip = vulns
        .as_ref()
        .is_some_and(|v| crate::vulns::trips(v, &policy, &args.vulns));
    if policy.fails(&findings) || vulns_trip {
        ExitCode::from(args.vulns.exit_code.unwrap_or(1))
    } else {
        ExitCode::SUCCESS
    }
}
