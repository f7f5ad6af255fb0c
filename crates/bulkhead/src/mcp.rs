//! `bulkhead mcp`: the Model Context Protocol server, with the image pipeline this binary owns.

use bulkhead_mcp::{ImageScan, ImageScanRequest, ImageScanner, Options, Services};
use clap::Args;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct McpArgs {
    /// Serve streamable HTTP at this address (`127.0.0.1:8808`) instead of stdio. Loopback only unless
    /// --allow-remote.
    #[arg(long, value_name = "IP:PORT")]
    pub http: Option<String>,
    /// Bearer token HTTP clients must send (`Authorization: Bearer TOKEN`).
    #[arg(
        long,
        env = "BULKHEAD_MCP_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
    /// Allow a non-loopback --http address (a token is then required).
    #[arg(long)]
    pub allow_remote: bool,
    /// Directory client file paths are confined to (default: the working directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Engine to inspect: `unix:///path.sock`, `tcp://HOST:2376`, `ssh://USER@HOST`. Default: DOCKER_HOST,
    /// else the current Docker context, else the local socket.
    #[arg(long = "host", short = 'H', value_name = "ADDRESS")]
    pub host: Option<String>,
    /// Append the tool-call log (JSON lines, secrets redacted) to FILE instead of standard error.
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// Vulnerability database for bulkhead_scanImage (default: $BULKHEAD_DB, else
    /// ~/.cache/bulkhead/vuln.db).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

/// The image scan of `bulkhead_scanImage`, through the same pipeline as `bulkhead image`.
struct Scanner {
    db: Option<PathBuf>,
}

/// A vulnerability as the tool returns it: what a model needs to act, without the reference lists.
fn compact_vuln(v: &Value) -> Value {
    let mut out = json!({});
    if let (Some(o), Some(src)) = (out.as_object_mut(), v.as_object()) {
        for k in [
            "id",
            "aliases",
            "severity",
            "cvss_score",
            "status",
            "installed_version",
            "fixed_versions",
            "ecosystem",
        ] {
            if let Some(x) = src.get(k) {
                o.insert(k.into(), x.clone());
            }
        }
        if let Some(p) = src.get("package") {
            o.insert(
                "package".into(),
                json!({"name": p.get("name"), "kind": p.get("kind"), "purl": p.get("purl")}),
            );
        }
        if let Some(s) = src.get("summary").and_then(Value::as_str) {
            let short: String = s.chars().take(200).collect();
            o.insert("summary".into(), json!(short));
        }
    }
    out
}

impl ImageScanner for Scanner {
    fn scan(&self, req: &ImageScanRequest) -> Result<ImageScan, String> {
        let wanted: Vec<crate::Scanner> = req
            .scanners
            .iter()
            .filter_map(|s| match s.as_str() {
                "config" => Some(crate::Scanner::Config),
                "secret" => Some(crate::Scanner::Secret),
                "vuln" => Some(crate::Scanner::Vuln),
                _ => None,
            })
            .collect();
        let runs = |s: crate::Scanner| wanted.is_empty() || wanted.contains(&s);
        let vuln_args = crate::vulns::VulnArgs {
            db: self.db.clone(),
            severity: req.severities.clone(),
            ignore_unfixed: req.ignore_unfixed,
            exit_code: None,
            ignorefile: Vec::new(),
            vex: Vec::new(),
            show_suppressed: false,
            db_max_age: 3,
        };
        let a = crate::image::analyse(
            &req.spec,
            &bulkhead_image::ReadOptions::default(),
            &runs,
            &bulkhead_core::Policy::default(),
            &vuln_args,
            &[],
        )?;
        let (vulnerabilities, vulnerability_scan) = match &a.vulns {
            Some(v) => {
                let (list, summary) = crate::vulns::json_section(v, &a.inv);
                let list = list
                    .as_array()
                    .map(|l| l.iter().map(compact_vuln).collect())
                    .unwrap_or_default();
                let mut summary = summary;
                if let Some(o) = summary.as_object_mut() {
                    // The suppressed list can be long; its size is enough here.
                    let n = o
                        .get("suppressed")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len);
                    o.insert("suppressed".into(), json!(n));
                    if v.error.is_some() {
                        o.insert(
                            "hint".into(),
                            json!("create the database with `bulkhead db update` (or `bulkhead db import FILES`), or start the server with --db FILE"),
                        );
                    }
                }
                (list, summary)
            }
            None => (
                Vec::new(),
                json!({"scanned": false, "reason": "the vuln scanner was not selected"}),
            ),
        };
        let image = &a.image;
        let config = image.config.as_ref().map(|c| c.redacted());
        let packages = a
            .inv
            .packages
            .iter()
            .map(|p| json!({"name": crate::vulns::display_name(p), "version": p.version, "kind": p.kind.map(|k| k.as_str()), "purl": p.purl}))
            .collect();
        let notes = crate::image::diagnostics_of(image, &a.inv)
            .into_iter()
            .map(|d| d.message)
            .collect();
        Ok(ImageScan {
            image: json!({
                "reference": image.reference,
                "source": image.source_kind,
                "id": image.id,
                "repo_tags": image.repo_tags,
                "os": a.inv.os,
                "user": config.as_ref().map(|c| c.user.clone()),
                "layers": image.layers.len(),
                "config": config.map(|c| json!({
                    "User": c.user, "Env": c.env, "Entrypoint": c.entrypoint, "Cmd": c.cmd,
                    "ExposedPorts": c.exposed_ports, "Volumes": c.volumes, "Healthcheck": c.healthcheck,
                    "Labels": c.labels,
                })),
            }),
            findings: a.findings,
            vulnerabilities,
            vulnerability_scan,
            packages,
            notes,
        })
    }
}

pub fn run(args: McpArgs) -> ExitCode {
    let root = match &args.root {
        Some(r) => r.clone(),
        None => match std::env::current_dir() {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: cannot read the working directory ({e}); pass --root DIR");
                return ExitCode::from(2);
            }
        },
    };
    if let Some(h) = &args.host {
        // Images named for bulkhead_scanImage are read from the engine through DOCKER_HOST: the same engine
        // the inspection tools use. Set before any thread starts.
        // SAFETY: single-threaded here; no other thread reads the environment yet.
        unsafe { std::env::set_var("DOCKER_HOST", bulkhead_engine::connect::normalize_host(h)) };
    }
    let opts = Options {
        root,
        host: args.host,
        log_file: args.log_file,
        http: args.http,
        token: args.token.filter(|t| !t.is_empty()),
        allow_remote: args.allow_remote,
    };
    let services = Services {
        rules: crate::all_rule_meta(),
        image_scanner: Arc::new(Scanner { db: args.db }),
    };
    match bulkhead_mcp::serve(opts, services) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
