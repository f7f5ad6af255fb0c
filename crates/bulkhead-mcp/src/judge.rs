//! bulkhead's judgement as tools: the engine audit, image scans, Dockerfile and compose checks, the
//! hardened way to run a container.

use crate::page::PageArgs;
use crate::server::State;
use bulkhead_core::{Finding, Policy, RuleMeta, Severity};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Largest inline Dockerfile or compose file accepted (bytes).
pub const MAX_INLINE: usize = 1 << 20;
/// Largest Dockerfile read from a path (bytes).
pub const MAX_FILE: u64 = 4 << 20;

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct AuditHostArgs {
    /// Only findings about this container (name or id prefix).
    #[serde(default)]
    pub container: Option<String>,
    /// Lowest severity to return: critical, high, medium, low or info (default: all).
    #[serde(default)]
    pub severity: Option<String>,
    /// Only this rule or family: an id (CT004), a prefix (CT, DM, NW, SW) or a name.
    #[serde(default)]
    pub rule: Option<String>,
    /// Stopped containers too.
    #[serde(default)]
    pub all: bool,
    #[serde(flatten)]
    pub page: PageArgs,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct AuditContainerArgs {
    /// Container name or id (prefix).
    pub container: String,
    /// Lowest severity to return (default: all).
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(flatten)]
    pub page: PageArgs,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct ScanImageArgs {
    /// An image in the engine (`nginx:1.27`, an id), or a path under the server's root: `docker-archive:app.tar`
    /// (a `docker save` tarball), `oci:dir` (an OCI layout), `dir:rootfs` (an unpacked root filesystem).
    pub image: String,
    /// Which scanners: config, secret, vuln (default: all three).
    #[serde(default)]
    pub scanners: Vec<String>,
    /// Lowest severity of findings and vulnerabilities to return (default: all).
    #[serde(default)]
    pub severity: Option<String>,
    /// Leave out vulnerabilities with no fixed version.
    #[serde(default)]
    pub ignore_unfixed: bool,
    #[serde(flatten)]
    pub page: PageArgs,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct CheckDockerfileArgs {
    /// The Dockerfile's text (at most 1 MiB). Give this or `path`.
    #[serde(default)]
    pub content: Option<String>,
    /// A Dockerfile under the server's root; its directory is the build context. Give this or `content`.
    #[serde(default)]
    pub path: Option<String>,
    /// Scan the build context's files that COPY/ADD ship for secrets (with `path`; default true).
    #[serde(default)]
    pub context: Option<bool>,
    /// Lowest severity to return (default: all).
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(flatten)]
    pub page: PageArgs,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct CheckComposeArgs {
    /// A compose file's text (at most 1 MiB). Give this or `paths`.
    #[serde(default)]
    pub content: Option<String>,
    /// Compose files (or a project directory) under the server's root, merged in order like
    /// `docker compose -f a -f b`.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Active compose profiles.
    #[serde(default)]
    pub profiles: Vec<String>,
    /// Lowest severity to return (default: all).
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(flatten)]
    pub page: PageArgs,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct HardenRunArgs {
    /// A container (name or id) to re-run hardened. Give this or `image`.
    #[serde(default)]
    pub container: Option<String>,
    /// An image in the engine to run hardened. Give this or `container`.
    #[serde(default)]
    pub image: Option<String>,
}

fn min_severity(s: &Option<String>) -> Result<Option<Severity>, String> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse::<Severity>()
            .map(Some)
            .map_err(|e| format!("`severity`: {e}")),
    }
}

/// `path:line:col` for a file finding, the object for an engine finding.
fn location_text(f: &Finding, show: &dyn Fn(&str) -> String) -> String {
    let l = &f.location;
    match (&l.path, &l.span, &l.object) {
        (Some(p), Some(s), Some(o)) => {
            format!("{}:{}:{} ({o})", show(p), s.start_line, s.start_column)
        }
        (Some(p), Some(s), None) => format!("{}:{}:{}", show(p), s.start_line, s.start_column),
        (_, _, Some(o)) => o.clone(),
        (Some(p), None, None) => show(p),
        (None, _, None) => String::new(),
    }
}

/// A finding as tools return it.
pub fn finding_json(f: &Finding, show: &dyn Fn(&str) -> String) -> Value {
    let mut v = json!({
        "rule": f.rule_id,
        "severity": f.severity,
        "title": f.title,
        "where": location_text(f, show),
        "message": f.message,
        "fix": f.remediation,
    });
    if let Some(o) = v.as_object_mut() {
        if let Some(e) = &f.evidence {
            o.insert("evidence".into(), json!(e));
        }
        if !f.compliance.is_empty() {
            o.insert("compliance".into(), json!(f.compliance));
        }
        if f.fix.is_some() {
            o.insert("autofix".into(), json!(true));
        }
    }
    v
}

/// Findings per severity and per rule.
pub fn counts(findings: &[Finding]) -> Value {
    let mut sev: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        *sev.entry(f.severity.as_str()).or_default() += 1;
        *rules.entry(f.rule_id.as_str()).or_default() += 1;
    }
    json!({"total": findings.len(), "by_severity": sev, "by_rule": rules})
}

/// Counts, then one page of findings (most severe first).
fn findings_page(
    mut findings: Vec<Finding>,
    page: &PageArgs,
    show: &dyn Fn(&str) -> String,
) -> (Value, Value, Value) {
    findings.sort_by_key(|f| f.sort_key());
    let c = counts(&findings);
    let (items, meta) = page.take(findings);
    let list: Vec<Value> = items.iter().map(|f| finding_json(f, show)).collect();
    (c, meta, json!(list))
}

/// Runs blocking work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| format!("the check failed unexpectedly: {e}"))?
}

/// The engine's findings under the default policy, with the snapshot.
async fn engine_findings(
    st: &State,
    all: bool,
) -> Result<(bulkhead_engine::Snapshot, Vec<Finding>), String> {
    // The collector runs its own I/O runtime (its request fan-out is not a `Send` future), on a worker
    // thread with its own connection.
    st.engine().await?;
    let host = st.host.clone();
    let opts = bulkhead_engine::collect::CollectOptions { all };
    let collected = blocking(move || {
        let conn = bulkhead_engine::connect::connect(host.as_deref()).map_err(|e| e.to_string())?;
        bulkhead_engine::collect::collect(&conn, &opts).map_err(|e| e.to_string())
    })
    .await;
    let snap = match collected {
        Ok(s) => s,
        Err(e) => {
            st.forget_engine().await;
            return Err(e);
        }
    };
    let findings = judge_snapshot(&snap, &st.services.rules);
    Ok((snap, findings))
}

/// The engine rules over a snapshot, under the default policy.
fn judge_snapshot(snap: &bulkhead_engine::Snapshot, rules: &[&'static RuleMeta]) -> Vec<Finding> {
    let policy = Policy::default();
    let enabled = bulkhead_engine::rules::enabled(&policy);
    let lookup = |id: &str| rules.iter().copied().find(|m| m.id == id);
    policy.apply(
        bulkhead_engine::rules::check_snapshot(snap, &enabled),
        lookup,
    )
}

/// The container `key` names (name, or id prefix of at least 4 characters).
fn find_container<'a>(
    snap: &'a bulkhead_engine::Snapshot,
    key: &str,
) -> Option<&'a bulkhead_engine::Container> {
    let k = key.trim().trim_start_matches('/');
    snap.containers.iter().find(|c| c.name() == k).or_else(|| {
        (k.len() >= 4)
            .then(|| {
                snap.containers
                    .iter()
                    .find(|c| c.inspect.id.as_deref().is_some_and(|id| id.starts_with(k)))
            })
            .flatten()
    })
}

fn about_container(f: &Finding, name: &str) -> bool {
    f.location.object.as_deref().is_some_and(|o| {
        o == format!("container {name}") || o.starts_with(&format!("container {name} /"))
    })
}

fn rule_matches(st: &State, f: &Finding, sel: &str) -> bool {
    st.services
        .rules
        .iter()
        .find(|m| m.id == f.rule_id)
        .map_or(f.rule_id.eq_ignore_ascii_case(sel), |m| m.matches(sel))
}

pub async fn audit_host(st: &State, a: &AuditHostArgs) -> Result<Value, String> {
    let min = min_severity(&a.severity)?;
    if let Some(r) = &a.rule
        && !st.services.rules.iter().any(|m| m.matches(r))
    {
        return Err(format!(
            "`rule`: `{r}` names no rule (an id such as CT004, a family prefix such as CT, DM, NW or SW, or a name)"
        ));
    }
    let (snap, findings) = engine_findings(st, a.all).await?;
    let container = match &a.container {
        Some(k) => Some(
            find_container(&snap, k)
                .map(|c| c.name())
                .ok_or_else(|| {
                    format!("no container `{k}` on the engine (docker_listContainers lists them; stopped ones need all: true)")
                })?,
        ),
        None => None,
    };
    let total = findings.len();
    let kept: Vec<Finding> = findings
        .into_iter()
        .filter(|f| min.is_none_or(|m| f.severity >= m))
        .filter(|f| a.rule.as_deref().is_none_or(|r| rule_matches(st, f, r)))
        .filter(|f| container.as_deref().is_none_or(|c| about_container(f, c)))
        .collect();
    let (c, meta, list) = findings_page(kept, &a.page, &|p: &str| p.to_string());
    Ok(json!({
        "engine": snap.host,
        "api_version": snap.api_version,
        "audited": {
            "containers": snap.containers.len(),
            "networks": snap.networks.len(),
            "swarm": snap.swarm.is_some(),
        },
        "findings_before_filters": total,
        "counts": c,
        "page": meta,
        "findings": list,
        "problems": snap.problems.iter().map(|p| format!("{}: {}", p.object, p.message)).collect::<Vec<_>>(),
    }))
}

pub async fn audit_container(st: &State, a: &AuditContainerArgs) -> Result<Value, String> {
    let min = min_severity(&a.severity)?;
    if a.container.trim().is_empty() {
        return Err(
            "`container` is empty: give a name or id (docker_listContainers lists them)".into(),
        );
    }
    let (snap, findings) = engine_findings(st, true).await?;
    let c = find_container(&snap, &a.container).ok_or_else(|| {
        format!(
            "no container `{}` on the engine (docker_listContainers with all: true lists them)",
            a.container
        )
    })?;
    let name = c.name();
    let mut process_users =
        bulkhead_engine::rules::container::support::process_users(c).unwrap_or_default();
    process_users.sort();
    process_users.dedup();
    let kept: Vec<Finding> = findings
        .into_iter()
        .filter(|f| about_container(f, &name))
        .filter(|f| min.is_none_or(|m| f.severity >= m))
        .collect();
    let (counts, meta, list) = findings_page(kept, &a.page, &|p: &str| p.to_string());
    let cfg = c.inspect.config.as_ref();
    Ok(json!({
        "container": name,
        "id": c.short_id(),
        "image": cfg.and_then(|x| x.image.clone()),
        "running": c.running(),
        "config_user": cfg.and_then(|x| x.user.clone()).unwrap_or_default(),
        "process_users": process_users,
        "counts": counts,
        "page": meta,
        "findings": list,
        "next": "bulkhead_hardenRun with this container gives the hardened docker run / compose service",
    }))
}

/// The image spec with any path confined to the root and made absolute; registries are refused.
fn confine_image(st: &State, spec: &str) -> Result<String, String> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Err(
            "`image` is empty: give an image name or a path under the server's root".into(),
        );
    }
    for p in ["registry:"] {
        if spec.starts_with(p) {
            return Err(format!(
                "`{spec}`: reading from a registry is a pull, which this server never does; scan an image already in the engine, or a `docker save` tarball under the root"
            ));
        }
    }
    for p in ["docker:", "daemon:"] {
        if let Some(rest) = spec.strip_prefix(p) {
            return Ok(format!("docker:{rest}"));
        }
    }
    let path_kinds = [
        ("docker-archive:", "docker-archive:"),
        ("oci-layout:", "oci:"),
        ("oci:", "oci:"),
        ("dir:", "dir:"),
        ("rootfs:", "dir:"),
    ];
    for (p, canonical) in path_kinds {
        if let Some(rest) = spec.strip_prefix(p) {
            let resolved = match st.root.resolve(rest) {
                Ok(r) => format!("{canonical}{}", r.display()),
                // `oci:dir:tag`.
                Err(e) => match (canonical, rest.rsplit_once(':')) {
                    ("oci:", Some((dir, tag))) if !tag.contains('/') => {
                        let r = st.root.resolve(dir).map_err(|_| e)?;
                        format!("oci:{}:{tag}", r.display())
                    }
                    _ => return Err(e),
                },
            };
            return Ok(resolved);
        }
    }
    let as_path = st.root.dir().join(spec);
    let pathlike = spec.starts_with('/')
        || spec.starts_with("./")
        || spec.starts_with("../")
        || spec.ends_with(".tar")
        || spec.ends_with(".tar.gz")
        || spec.ends_with(".tgz");
    if as_path.exists() || pathlike {
        let real = st.root.resolve(spec)?;
        let kind = if real.is_file() {
            "docker-archive:"
        } else if real.join("oci-layout").is_file() {
            "oci:"
        } else {
            "dir:"
        };
        return Ok(format!("{kind}{}", real.display()));
    }
    Ok(format!("docker:{spec}"))
}

fn vuln_severity(v: &Value) -> Severity {
    match v
        .get("severity")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase()
        .as_str()
    {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "medium" => Severity::Medium,
        "low" => Severity::Low,
        _ => Severity::Info,
    }
}

pub async fn scan_image(st: &State, a: &ScanImageArgs) -> Result<Value, String> {
    let min = min_severity(&a.severity)?;
    for s in &a.scanners {
        if !matches!(s.as_str(), "config" | "secret" | "vuln") {
            return Err(format!(
                "`scanners`: `{s}` is not one of config, secret, vuln"
            ));
        }
    }
    let spec = confine_image(st, &a.image)?;
    let scanner = st.services.image_scanner.clone();
    let request = crate::ImageScanRequest {
        spec,
        scanners: a.scanners.clone(),
        severities: Vec::new(),
        ignore_unfixed: a.ignore_unfixed,
    };
    let scan = blocking(move || scanner.scan(&request)).await?;
    let root = st.root.dir().to_path_buf();
    let show = move |p: &str| {
        Path::new(p)
            .strip_prefix(&root)
            .map(|r| r.display().to_string())
            .unwrap_or_else(|_| p.to_string())
    };
    let findings: Vec<Finding> = scan
        .findings
        .into_iter()
        .filter(|f| min.is_none_or(|m| f.severity >= m))
        .collect();
    let (fcounts, fmeta, flist) = findings_page(findings, &a.page, &show);
    let mut vulns: Vec<Value> = scan
        .vulnerabilities
        .into_iter()
        .filter(|v| min.is_none_or(|m| vuln_severity(v) >= m))
        .collect();
    vulns.sort_by_key(|v| std::cmp::Reverse(vuln_severity(v)));
    let mut vsev: BTreeMap<String, usize> = BTreeMap::new();
    for v in &vulns {
        *vsev
            .entry(vuln_severity(v).as_str().to_string())
            .or_default() += 1;
    }
    let vtotal = vulns.len();
    let (vpage, vmeta) = a.page.take(vulns);
    Ok(json!({
        "image": scan.image,
        "counts": {
            "findings": fcounts,
            "vulnerabilities": {"total": vtotal, "by_severity": vsev},
            "packages": scan.packages.len(),
        },
        "vulnerability_scan": scan.vulnerability_scan,
        "notes": scan.notes,
        "findings_page": fmeta,
        "findings": flist,
        "vulnerabilities_page": vmeta,
        "vulnerabilities": vpage,
    }))
}

/// The Dockerfile rules under the default policy.
fn dockerfile_findings(
    display: &str,
    bytes: &[u8],
    context: Option<(&Path, &Path)>,
    st_rules: &[&'static RuleMeta],
) -> (Vec<Finding>, Vec<String>) {
    use bulkhead_dockerfile::context::BuildContext;
    use bulkhead_dockerfile::rules::{self, CheckOptions};
    let mut notes = Vec::new();
    let df = bulkhead_dockerfile::parse_bytes(bytes);
    if std::str::from_utf8(bytes).is_err() {
        notes.push("invalid UTF-8: the bad bytes were read as U+FFFD".to_string());
    }
    let model = bulkhead_dockerfile::model::Model::build(&df);
    let options = CheckOptions {
        context_secrets: context.is_some(),
        ..CheckOptions::default()
    };
    let bc = context.and_then(|(root, file)| match BuildContext::open(root, Some(file)) {
        Ok(bc) => Some(bc),
        Err(e) => {
            notes.push(format!("build context not analysed: {e}"));
            None
        }
    });
    let policy = Policy::default();
    let enabled: Vec<_> = rules::registry()
        .into_iter()
        .filter(|r| policy.rule_enabled(r.meta()))
        .collect();
    let ctx = rules::CheckContext::new(display, &df, &model, bc.as_ref(), &options);
    let lookup = |id: &str| st_rules.iter().copied().find(|m| m.id == id);
    (policy.apply(rules::check(&ctx, &enabled), lookup), notes)
}

pub async fn check_dockerfile(st: &State, a: &CheckDockerfileArgs) -> Result<Value, String> {
    let min = min_severity(&a.severity)?;
    let rules = st.services.rules.clone();
    let (display, findings, notes) = match (&a.content, &a.path) {
        (Some(_), Some(_)) => {
            return Err("give either `content` or `path`, not both".into());
        }
        (None, None) => {
            return Err("give `content` (the Dockerfile's text) or `path` (a Dockerfile under the server's root)".into());
        }
        (Some(text), None) => {
            if text.len() > MAX_INLINE {
                return Err(format!(
                    "`content` is {} bytes; inline Dockerfiles are limited to {MAX_INLINE} bytes (pass a `path` under the server's root instead)",
                    text.len()
                ));
            }
            let bytes = text.clone().into_bytes();
            blocking(move || {
                let (f, n) = dockerfile_findings("Dockerfile", &bytes, None, &rules);
                Ok(("Dockerfile".to_string(), f, n))
            })
            .await?
        }
        (None, Some(p)) => {
            let real = st.root.resolve(p)?;
            let meta = std::fs::metadata(&real).map_err(|e| format!("{p}: {e}"))?;
            if !meta.is_file() {
                return Err(format!("{p}: not a file (give the Dockerfile's path)"));
            }
            if meta.len() > MAX_FILE {
                return Err(format!(
                    "{p}: {} bytes, larger than the {MAX_FILE} bytes a Dockerfile may be",
                    meta.len()
                ));
            }
            let bytes = std::fs::read(&real).map_err(|e| format!("{p}: cannot read: {e}"))?;
            if bytes[..bytes.len().min(8192)].contains(&0) {
                return Err(format!("{p}: a binary file (NUL bytes), not a Dockerfile"));
            }
            let display = st.root.show(&real);
            let with_context = a.context.unwrap_or(true);
            // The ignore files the build context would read: a symlink out of the root is refused (its
            // content would decide what is reported, telling the client what the outside file says).
            if with_context && let (Some(dir), Some(name)) = (real.parent(), real.file_name()) {
                let mut specific = name.to_os_string();
                specific.push(".dockerignore");
                for candidate in [dir.join(specific), dir.join(".dockerignore")] {
                    if std::fs::symlink_metadata(&candidate).is_ok() {
                        let inside = candidate
                            .canonicalize()
                            .is_ok_and(|r| r.starts_with(st.root.dir()));
                        if !inside {
                            return Err(format!(
                                "{}: refused, it links outside the server's root {}",
                                st.root.show(&candidate),
                                st.root.dir().display()
                            ));
                        }
                    }
                }
            }
            let dir: PathBuf = real.parent().map(Path::to_path_buf).unwrap_or_default();
            blocking(move || {
                let ctx = with_context.then_some((dir.as_path(), real.as_path()));
                let (f, n) = dockerfile_findings(&display, &bytes, ctx, &rules);
                Ok((display, f, n))
            })
            .await?
        }
    };
    let root = st.root.dir().to_path_buf();
    let show = move |p: &str| {
        Path::new(p)
            .strip_prefix(&root)
            .map(|r| r.display().to_string())
            .unwrap_or_else(|_| p.to_string())
    };
    let kept: Vec<Finding> = findings
        .into_iter()
        .filter(|f| min.is_none_or(|m| f.severity >= m))
        .collect();
    let (c, meta, list) = findings_page(kept, &a.page, &show);
    Ok(json!({"file": display, "counts": c, "page": meta, "findings": list, "notes": notes}))
}

pub async fn check_compose(st: &State, a: &CheckComposeArgs) -> Result<Value, String> {
    use bulkhead_compose::load::{LoadOptions, load};
    use bulkhead_compose::rules::{
        ComposeCheckContext, ComposeCheckOptions, check_rules, registry,
    };
    let min = min_severity(&a.severity)?;
    // Inline content is checked from a private directory; paths must be under the root.
    let (files, tmp, allowed): (Vec<PathBuf>, Option<tempfile::TempDir>, PathBuf) = match (
        &a.content,
        a.paths.is_empty(),
    ) {
        (Some(_), false) => return Err("give either `content` or `paths`, not both".into()),
        (None, true) => {
            return Err("give `content` (a compose file's text) or `paths` (compose files or a project directory under the server's root)".into());
        }
        (Some(text), true) => {
            if text.len() > MAX_INLINE {
                return Err(format!(
                    "`content` is {} bytes; inline compose files are limited to {MAX_INLINE} bytes (pass `paths` under the server's root instead)",
                    text.len()
                ));
            }
            let dir =
                tempfile::tempdir().map_err(|e| format!("cannot make a scratch directory: {e}"))?;
            let path = dir.path().join("compose.yaml");
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write the scratch file: {e}"))?;
            let allowed = dir
                .path()
                .canonicalize()
                .unwrap_or_else(|_| dir.path().to_path_buf());
            (vec![path], Some(dir), allowed)
        }
        (None, false) => {
            let mut v = Vec::new();
            for p in &a.paths {
                v.push(st.root.resolve(p)?);
            }
            (v, None, st.root.dir().to_path_buf())
        }
    };
    let profiles = a.profiles.clone();
    let rules = st.services.rules.clone();
    let root = st.root.dir().to_path_buf();
    let allowed_dir = allowed.clone();
    let (findings, diagnostics, loaded, analysed) = blocking(move || {
        // Interpolation sees the project's `.env` only: the server's own environment (which may hold
        // credentials) never flows into a client's results.
        let opts = LoadOptions {
            profiles,
            env: Some(Vec::new()),
        };
        let project = load(&files, &opts);
        let loaded: Vec<PathBuf> = project.files.iter().map(|f| f.path.clone()).collect();
        for f in &loaded {
            let real = f.canonicalize().unwrap_or_else(|_| f.clone());
            if !real.starts_with(&allowed_dir) {
                return Err(format!(
                    "refused: the project reads a file outside the server's root {} (through include, extends or a -f path)",
                    root.display()
                ));
            }
        }
        if let Some(p) = files_read_outside(&project, &allowed_dir) {
            return Err(format!(
                "refused: the project reads `{p}` (env_file or build), which is outside the server's root {}",
                root.display()
            ));
        }
        // A file outside the root that could not be read still shows in a diagnostic (`include: … not
        // found`): refused alike, so whether it exists is not for the client to learn.
        let outside_named = project.diagnostics.iter().any(|d| {
            let lexical = crate::confine::lexical;
            let about_reading = ["not found", "cannot read", "env file", "include", "extends"]
                .iter()
                .any(|k| d.message.contains(k));
            (d.path.is_absolute() && !lexical(&d.path).starts_with(&allowed_dir))
                || about_reading
                    && d.message
                    .split(|c: char| c.is_whitespace() || matches!(c, '`' | '\'' | '"' | ','))
                    .filter(|w| w.starts_with('/'))
                    .any(|w| {
                        !crate::confine::lexical(Path::new(w.trim_end_matches(':')))
                            .starts_with(&allowed_dir)
                    })
        });
        if outside_named {
            return Err(format!(
                "refused: the project reads a file outside the server's root {} (through include, extends or a -f path)",
                root.display()
            ));
        }
        let diagnostics: Vec<(PathBuf, usize, usize, String)> = project
            .diagnostics
            .iter()
            .map(|d| (d.path.clone(), d.line, d.column, d.message.clone()))
            .collect();
        let policy = Policy::default();
        let enabled: Vec<_> = registry()
            .into_iter()
            .filter(|r| policy.rule_enabled(r.meta()))
            .collect();
        let analysed = project.model.is_some();
        let findings = if analysed {
            let options = ComposeCheckOptions {
                profile: policy.profile,
            };
            let ctx = ComposeCheckContext {
                project: &project,
                options: &options,
            };
            let lookup = |id: &str| rules.iter().copied().find(|m| m.id == id);
            policy.apply(check_rules(&ctx, &enabled), lookup)
        } else {
            Vec::new()
        };
        Ok((findings, diagnostics, loaded, analysed))
    })
    .await?;
    let base = allowed.clone();
    let inline = tmp.is_some();
    let show = move |p: &str| {
        let path = Path::new(p);
        let real = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        match real.strip_prefix(&base) {
            Ok(r) if inline => format!("{} (inline)", r.display()),
            Ok(r) => r.display().to_string(),
            Err(_) => p.to_string(),
        }
    };
    let diags: Vec<String> = diagnostics
        .iter()
        .map(|(p, line, col, msg)| {
            let f = show(&p.display().to_string());
            match (line, col) {
                (0, _) => format!("{f}: {msg}"),
                (l, 0) => format!("{f}:{l}: {msg}"),
                (l, c) => format!("{f}:{l}:{c}: {msg}"),
            }
        })
        .collect();
    let files_shown: Vec<String> = loaded
        .iter()
        .map(|p| show(&p.display().to_string()))
        .collect();
    let kept: Vec<Finding> = findings
        .into_iter()
        .filter(|f| min.is_none_or(|m| f.severity >= m))
        .collect();
    let (c, meta, list) = findings_page(kept, &a.page, &show);
    drop(tmp);
    Ok(json!({
        "files": files_shown,
        "analysed": analysed,
        "counts": c,
        "page": meta,
        "findings": list,
        "diagnostics": diags,
    }))
}

/// `path` made absolute against `base` and normalised: symlinks resolved when it exists, `.`/`..` folded
/// lexically when it does not.
fn real_path(base: &Path, path: &str) -> PathBuf {
    let joined = base.join(path);
    joined
        .canonicalize()
        .unwrap_or_else(|_| crate::confine::lexical(&joined))
}

/// The first file outside `allowed` that the compose rules would read: a service's `env_file`s and its
/// build's Dockerfile (relative to the project directory).
fn files_read_outside(
    project: &bulkhead_compose::project::Project,
    allowed: &Path,
) -> Option<String> {
    use bulkhead_compose::rules::support::{BuildDockerfile, build_dockerfile, env_files};
    let base = project
        .dir
        .canonicalize()
        .unwrap_or_else(|_| project.dir.clone());
    let mut paths: Vec<String> = Vec::new();
    for (_, svc) in project.services() {
        if let Some(env) = svc.get("env_file") {
            paths.extend(env_files(env).into_iter().map(|(p, _)| p));
        }
        if let Some(build) = svc.get("build")
            && let BuildDockerfile::File(f) = build_dockerfile(build)
        {
            paths.push(f.display().to_string());
        }
    }
    paths
        .into_iter()
        .find(|p| !real_path(&base, p).starts_with(allowed))
}

pub async fn harden_run(st: &State, a: &HardenRunArgs) -> Result<Value, String> {
    use bollard::query_parameters::InspectContainerOptions;
    let conn = st.engine().await?;
    let plan = match (&a.container, &a.image) {
        (Some(_), Some(_)) => return Err("give either `container` or `image`, not both".into()),
        (None, None) => {
            return Err(
                "give `container` (a name or id) or `image` (an image in the engine)".into(),
            );
        }
        (Some(name), None) => {
            let inspect = conn
                .docker
                .inspect_container(name.trim(), None::<InspectContainerOptions>)
                .await
                .map_err(|e| {
                    format!(
                        "container `{name}`: {}",
                        bulkhead_engine::connect::explain_error(&e)
                    )
                })?;
            let running = inspect
                .state
                .as_ref()
                .and_then(|s| s.running)
                .unwrap_or(false);
            let top = if running {
                conn.docker
                    .top_processes(name.trim(), None::<bollard::query_parameters::TopOptions>)
                    .await
                    .ok()
            } else {
                None
            };
            let image = match inspect.image.as_deref() {
                Some(id) => conn.docker.inspect_image(id).await.ok(),
                None => None,
            };
            let c = bulkhead_engine::Container { inspect, top };
            bulkhead_engine::harden::for_container(&c, image.as_ref())
        }
        (None, Some(image)) => {
            let img = conn.docker.inspect_image(image.trim()).await.map_err(|e| {
                format!(
                    "image `{image}`: {} (the image must already be in the engine; this server never pulls)",
                    bulkhead_engine::connect::explain_error(&e)
                )
            })?;
            bulkhead_engine::harden::for_image(image.trim(), &img)
        }
    };
    let mut v = serde_json::to_value(&plan).map_err(|e| format!("cannot encode the plan: {e}"))?;
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "verify".into(),
            json!("run the docker_run command, then bulkhead_auditContainer on the new container: the rules listed in `changes` should no longer fire"),
        );
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    struct NoScanner;
    impl crate::ImageScanner for NoScanner {
        fn scan(&self, _: &crate::ImageScanRequest) -> Result<crate::ImageScan, String> {
            Err("not used by these tests".into())
        }
    }

    fn state(root: &Path) -> Arc<State> {
        let opts = crate::Options {
            root: root.to_path_buf(),
            log_file: Some(root.join("calls.log")),
            ..crate::Options::default()
        };
        let mut rules = bulkhead_compose::rules::all_meta();
        rules.extend(bulkhead_dockerfile::rules::all_meta());
        let services = crate::Services {
            rules,
            image_scanner: Arc::new(NoScanner),
        };
        State::new(&opts, services).unwrap()
    }

    #[test]
    fn image_specs_are_confined_and_registries_refused() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("root");
        std::fs::create_dir_all(root.join("layout")).unwrap();
        std::fs::write(root.join("layout/oci-layout"), "{}").unwrap();
        std::fs::write(root.join("app.tar"), "x").unwrap();
        std::fs::write(outer.path().join("outside.tar"), "x").unwrap();
        let st = state(&root);
        let real = root.canonicalize().unwrap();
        assert_eq!(
            confine_image(&st, "alpine:3.20").unwrap(),
            "docker:alpine:3.20"
        );
        assert_eq!(confine_image(&st, "daemon:web").unwrap(), "docker:web");
        assert_eq!(
            confine_image(&st, "app.tar").unwrap(),
            format!("docker-archive:{}", real.join("app.tar").display())
        );
        assert_eq!(
            confine_image(&st, "layout").unwrap(),
            format!("oci:{}", real.join("layout").display())
        );
        assert_eq!(
            confine_image(&st, "oci:layout:v1").unwrap(),
            format!("oci:{}:v1", real.join("layout").display())
        );
        for bad in [
            "../outside.tar",
            "docker-archive:../outside.tar",
            "dir:/etc",
            "/etc/passwd",
        ] {
            let e = confine_image(&st, bad).unwrap_err();
            assert!(e.contains("outside the server's root"), "{bad}: {e}");
        }
        assert!(
            confine_image(&st, "registry:127.0.0.1:5000/app:1")
                .unwrap_err()
                .contains("never")
        );
        assert!(confine_image(&st, " ").is_err());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn compose_includes_that_leave_the_root_are_refused() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("root");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(
            outer.path().join("outside.yaml"),
            "services:\n  db:\n    image: postgres:16\n    privileged: true\n",
        )
        .unwrap();
        std::fs::write(
            root.join("compose.yaml"),
            "include:\n  - ../outside.yaml\nservices:\n  web:\n    image: nginx:1.27\n",
        )
        .unwrap();
        std::fs::write(
            root.join("plain.yaml"),
            "services:\n  web:\n    image: nginx:1.27\n    privileged: true\n",
        )
        .unwrap();
        let st = state(&root);
        let args = CheckComposeArgs {
            paths: vec!["compose.yaml".into()],
            ..CheckComposeArgs::default()
        };
        let e = check_compose(&st, &args).await.unwrap_err();
        assert!(e.contains("outside the server's root"), "{e}");
        let args = CheckComposeArgs {
            paths: vec!["plain.yaml".into()],
            ..CheckComposeArgs::default()
        };
        let v = check_compose(&st, &args).await.unwrap();
        assert_eq!(v["files"][0], "plain.yaml");
        assert_eq!(v["counts"]["by_rule"]["CP001"], 1, "{v}");
        assert!(
            v["findings"][0]["where"]
                .as_str()
                .unwrap()
                .starts_with("plain.yaml:"),
            "{v}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn inline_compose_never_sees_the_server_environment() {
        let root = tempfile::tempdir().unwrap();
        let st = state(root.path());
        // PATH is set in every test process; inline content must not be able to read it.
        let path_value = std::env::var("PATH").unwrap();
        let args = CheckComposeArgs {
            content: Some(
                "services:\n  web:\n    image: \"nginx:${PATH:?unset}\"\n    privileged: true\n"
                    .into(),
            ),
            ..CheckComposeArgs::default()
        };
        let v = check_compose(&st, &args).await.unwrap();
        let text = v.to_string();
        assert!(!text.contains(&path_value), "{text}");
        assert!(
            text.contains("PATH"),
            "the missing variable is reported: {text}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dockerfile_inline_limits_and_findings() {
        let root = tempfile::tempdir().unwrap();
        let st = state(root.path());
        let big = CheckDockerfileArgs {
            content: Some("#".repeat(MAX_INLINE + 1)),
            ..CheckDockerfileArgs::default()
        };
        assert!(
            check_dockerfile(&st, &big)
                .await
                .unwrap_err()
                .contains("limited to")
        );
        let both = CheckDockerfileArgs {
            content: Some("FROM x".into()),
            path: Some("Dockerfile".into()),
            ..CheckDockerfileArgs::default()
        };
        assert!(
            check_dockerfile(&st, &both)
                .await
                .unwrap_err()
                .contains("not both")
        );
        let ok = CheckDockerfileArgs {
            content: Some("FROM ubuntu:22.04\nRUN echo hi\n".into()),
            severity: Some("high".into()),
            ..CheckDockerfileArgs::default()
        };
        let v = check_dockerfile(&st, &ok).await.unwrap();
        assert_eq!(v["counts"]["by_rule"]["DF001"], 1, "{v}");
        for f in v["findings"].as_array().unwrap() {
            assert!(
                matches!(f["severity"].as_str(), Some("high" | "critical")),
                "{f}"
            );
        }
    }
}
