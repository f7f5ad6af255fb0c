//! `bulkhead check`: Dockerfiles and their build contexts.

use crate::discover;
use crate::{CheckArgs, OutputFormat};
use bulkhead_core::config::Config;
use bulkhead_core::policy::{FailOn, Policy};
use bulkhead_core::{Finding, Profile, RuleMeta};
use bulkhead_dockerfile::context::BuildContext;
use bulkhead_dockerfile::rules::{self, CheckOptions, DockerfileRule};
use bulkhead_report::{InputDiagnostic, ReportInput};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, OnceLock};

/// The outcome of checking one file.
pub struct FileResult {
    pub display: String,
    /// The text as parsed (None when the file could not be read or is not text).
    pub text: Option<String>,
    /// Whether the file was parsed and checked.
    pub analysed: bool,
    /// Whether the file on disk is exactly `text` (valid UTF-8), so byte-range fixes are safe to write.
    pub exact: bool,
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<InputDiagnostic>,
}

pub(crate) fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

/// Configuration (given, or discovered upward from `start`) plus flags into a policy; a selector that names
/// no rule is an error.
pub(crate) fn resolve_policy(
    flags: &crate::PolicyArgs,
    start: &Path,
) -> Result<(Policy, Option<Config>), String> {
    let config = if flags.no_config {
        None
    } else if let Some(p) = &flags.config {
        Some(Config::load(p).map_err(|e| e.to_string())?)
    } else if let Some(p) = Config::discover(start) {
        Some(
            Config::load(&p)
                .map_err(|e| format!("{e}\n  hint: fix the file or run with --no-config"))?,
        )
    } else {
        None
    };
    let mut policy = match &config {
        Some(c) => c.policy_base()?,
        None => Policy::default(),
    };
    if let Some(p) = &flags.profile {
        policy.profile = p
            .parse::<Profile>()
            .map_err(|e| format!("--profile: {e}"))?;
    }
    if let Some(f) = &flags.fail_on {
        policy.fail_on = Some(f.parse::<FailOn>().map_err(|e| format!("--fail-on: {e}"))?);
    }
    if !flags.select.is_empty() {
        policy.select = flags.select.clone();
    }
    policy.ignore.extend(flags.ignore.iter().cloned());
    let all = crate::all_rule_meta();
    for sel in policy
        .select
        .iter()
        .chain(policy.ignore.iter())
        .chain(policy.severity.keys())
    {
        if !all.iter().any(|m| m.matches(sel)) {
            return Err(format!(
                "`{sel}` matches no rule (use an id such as DF001 or IM001, a name such as root-user, an alias such as DL3002, or a prefix such as DF); `bulkhead rules` lists them"
            ));
        }
    }
    Ok((policy, config))
}

/// Resolves configuration and flags into a policy and rule options.
pub(crate) fn resolve(
    args: &CheckArgs,
    first: &Path,
) -> Result<(Policy, CheckOptions, Option<Config>), String> {
    let (policy, config) = resolve_policy(&args.policy, first)?;
    let mut options = CheckOptions {
        context_secrets: true,
        ..CheckOptions::default()
    };
    if let Some(c) = &config {
        options.trusted_registries = c.file.check.trusted_registries.clone();
    }
    if !args.trusted_registries.is_empty() {
        options.trusted_registries = args.trusted_registries.clone();
    }
    Ok((policy, options, config))
}

type ContextCache =
    Mutex<HashMap<(PathBuf, Option<PathBuf>), Arc<OnceLock<Result<BuildContext, String>>>>>;

/// Checks every file; the build contexts are read once per (root, ignore file). Also returns one note per
/// shipped build-context file the secret engine could not scan.
pub fn analyse(
    files: &[PathBuf],
    args: &CheckArgs,
    options: &CheckOptions,
    rules: &[&'static dyn DockerfileRule],
) -> (Vec<FileResult>, Vec<InputDiagnostic>) {
    let cache: ContextCache = Mutex::new(HashMap::new());
    let results: Vec<FileResult> = files
        .par_iter()
        .map(|p| analyse_file(p, args, options, rules, &cache))
        .collect();
    // Build-context files that COPY/ADD ship but the secret engine could not scan: one note per file.
    let contexts = cache.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut notes = Vec::new();
    for cell in contexts.values() {
        let Some(Ok(bc)) = cell.get() else { continue };
        let root = bc.root().display().to_string();
        for (f, why) in bc.skipped_scans() {
            if matches!(
                why,
                bulkhead_secrets::SkipReason::TooLarge { .. }
                    | bulkhead_secrets::SkipReason::Unreadable(_)
            ) {
                let path = if root == "." {
                    f.rel_path.clone()
                } else {
                    format!("{}/{}", root.trim_end_matches('/'), f.rel_path)
                };
                notes.push(InputDiagnostic {
                    path,
                    line: None,
                    message: format!("shipped by COPY/ADD but {why}"),
                });
            }
        }
    }
    notes.sort_by(|a, b| a.path.cmp(&b.path));
    notes.dedup_by(|a, b| a.path == b.path);
    (results, notes)
}

fn analyse_file(
    path: &Path,
    args: &CheckArgs,
    options: &CheckOptions,
    rules: &[&'static dyn DockerfileRule],
    cache: &ContextCache,
) -> FileResult {
    let shown = path.display().to_string();
    let display = shown
        .strip_prefix("./")
        .map(str::to_string)
        .unwrap_or(shown);
    let mut result = FileResult {
        display: display.clone(),
        text: None,
        analysed: false,
        exact: false,
        findings: Vec::new(),
        diagnostics: Vec::new(),
    };
    let diag = |line: Option<usize>, message: String| InputDiagnostic {
        path: display.clone(),
        line,
        message,
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            result
                .diagnostics
                .push(diag(None, format!("cannot read the file: {e}")));
            return result;
        }
    };
    if bytes[..bytes.len().min(8192)].contains(&0) {
        result.diagnostics.push(diag(
            None,
            "binary file (NUL bytes), not a Dockerfile: skipped".into(),
        ));
        return result;
    }
    let exact = match std::str::from_utf8(&bytes) {
        Ok(_) => true,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            result.diagnostics.push(diag(
                Some(line),
                "invalid UTF-8: the bad bytes were replaced by U+FFFD for analysis, and fixes will not be written".into(),
            ));
            false
        }
    };
    let df = bulkhead_dockerfile::parse_bytes(&bytes);
    let model = bulkhead_dockerfile::model::Model::build(&df);
    let wants_context = !args.no_context
        && df.instructions.iter().any(|i| {
            matches!(
                i.kind,
                bulkhead_dockerfile::InstructionKind::Copy
                    | bulkhead_dockerfile::InstructionKind::Add
            ) && i.flag("from").is_none()
        });
    let mut context: Option<Arc<OnceLock<Result<BuildContext, String>>>> = None;
    if wants_context {
        let root = match &args.context {
            Some(c) => c.clone(),
            None => path
                .parent()
                .map(|p| {
                    if p.as_os_str().is_empty() {
                        Path::new(".")
                    } else {
                        p
                    }
                })
                .unwrap_or(Path::new("."))
                .to_path_buf(),
        };
        let specific = PathBuf::from(format!("{}.dockerignore", path.display()));
        let key = (root.clone(), specific.is_file().then_some(specific));
        let cell = {
            let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(key).or_default().clone()
        };
        cell.get_or_init(|| BuildContext::open(&root, Some(path)).map_err(|e| e.to_string()));
        context = Some(cell);
    }
    let bc = match context.as_deref().and_then(|c| c.get()) {
        Some(Ok(bc)) => Some(bc),
        Some(Err(e)) => {
            result
                .diagnostics
                .push(diag(None, format!("build context not analysed: {e}")));
            None
        }
        None => None,
    };
    if let Some(bc) = bc
        && bc.truncated()
    {
        result.diagnostics.push(diag(None, format!("build context {} has more files than bulkhead reads; only the first ones were checked", bc.root().display())));
    }
    let ctx = rules::CheckContext::new(&display, &df, &model, bc, options);
    result.findings = rules::check(&ctx, rules);
    result.analysed = true;
    // Keep the text only for what needs it: snippets in the human report, and fixes.
    if args.format == OutputFormat::Human || args.fix || args.diff {
        result.text = Some(df.text.clone());
    }
    result.exact = exact;
    result
}

pub fn run(args: CheckArgs) -> ExitCode {
    let paths = args.paths_or_cwd();
    let (policy, options, config) = match resolve(&args, &paths[0]) {
        Ok(v) => v,
        Err(e) => return usage_error(e),
    };
    let exclude = match config.as_ref().and_then(|c| {
        let base = c
            .path
            .as_ref()
            .and_then(|p| p.parent())
            .map(|p| std::path::absolute(p).unwrap_or(p.to_path_buf()))?;
        Some(discover::excludes(&c.file.check.exclude, &base))
    }) {
        Some(Ok(e)) => e,
        Some(Err(e)) => return usage_error(format!("config: {e}")),
        None => None,
    };
    if let Some(g) = &args.graph
        && let Err(e) = crate::compose_graph::extension_ok(g)
    {
        return usage_error(e);
    }
    let found = discover::discover(&paths, exclude.as_ref());
    if found.files.is_empty() && found.compose.is_empty() {
        for (p, e) in &found.errors {
            eprintln!("error: {p}: {e}");
        }
        let shown = paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        eprintln!(
            "error: no Dockerfile or compose file found under {shown} (looked for Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*, compose.yaml and docker-compose.yml); pass a file path to check a file with another name"
        );
        return ExitCode::from(2);
    }
    let all_rules = rules::registry();
    let enabled: Vec<&'static dyn DockerfileRule> = all_rules
        .iter()
        .copied()
        .filter(|r| policy.rule_enabled(r.meta()))
        .collect();
    let metas: Vec<&'static RuleMeta> = crate::all_rule_meta();
    let lookup = |id: &str| metas.iter().copied().find(|m| m.id == id);

    let (mut results, mut context_notes) = analyse(&found.files, &args, &options, &enabled);
    for r in &mut results {
        r.findings = policy.apply(std::mem::take(&mut r.findings), lookup);
    }

    let mut compose = crate::compose::analyse(&found.compose, &policy, &lookup);
    if args.fix || args.diff {
        let mut inputs = crate::compose::fix_inputs(&compose);
        inputs.extend(results.iter().map(|r| FileResult {
            display: r.display.clone(),
            text: r.text.clone(),
            analysed: r.analysed,
            exact: r.exact,
            findings: r.findings.clone(),
            diagnostics: Vec::new(),
        }));
        let changes = crate::fix::plan(&inputs);
        if args.diff {
            let mut out = std::io::stdout().lock();
            for c in &changes {
                let _ = write!(out, "{}", crate::fix::unified_diff(c));
            }
            let n: usize = changes.iter().map(|c| c.fixes).sum();
            eprintln!(
                "{n} fix(es) available in {} file(s); run with --fix to apply them",
                changes.len()
            );
            return ExitCode::SUCCESS;
        }
        let mut fixed = 0;
        for c in &changes {
            match crate::fix::write(c) {
                Ok(()) => fixed += c.fixes,
                Err(e) => eprintln!("error: {e}"),
            }
        }
        eprintln!("Fixed {fixed} finding(s) in {} file(s).", changes.len());
        // Report what remains.
        (results, context_notes) = analyse(&found.files, &args, &options, &enabled);
        for r in &mut results {
            r.findings = policy.apply(std::mem::take(&mut r.findings), lookup);
        }
        compose = crate::compose::analyse(&found.compose, &policy, &lookup);
    }

    let mut findings: Vec<Finding> = results
        .iter_mut()
        .flat_map(|r| std::mem::take(&mut r.findings))
        .collect();
    if let Some(g) = &args.graph {
        if compose.topologies.is_empty() {
            eprintln!("note: --graph: no compose project to draw");
        } else if let Err(e) = crate::compose_graph::write(g, &compose.topologies) {
            return usage_error(e);
        }
    }
    findings.extend(compose.findings);
    // Dockerfiles sharing a build context report the same context-file secret once.
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| {
        seen.insert((
            f.rule_id.clone(),
            f.location.path.clone(),
            f.location.span.map(|s| s.byte_start),
        ))
    });
    let mut diagnostics: Vec<InputDiagnostic> = found
        .errors
        .iter()
        .map(|(p, e)| InputDiagnostic {
            path: p.clone(),
            line: None,
            message: e.clone(),
        })
        .collect();
    diagnostics.extend(results.iter().flat_map(|r| r.diagnostics.iter().cloned()));
    diagnostics.append(&mut context_notes);
    diagnostics.extend(compose.diagnostics);
    let analysed = results.iter().filter(|r| r.analysed).count() + compose.analysed;
    let mut sources: HashMap<String, String> = HashMap::new();
    if args.format == OutputFormat::Human {
        let findings_in: std::collections::HashSet<&str> = findings
            .iter()
            .filter_map(|f| f.location.path.as_deref())
            .collect();
        for r in &mut results {
            if let Some(t) = r.text.take()
                && findings_in.contains(r.display.as_str())
            {
                sources.insert(r.display.clone(), t);
            }
        }
        for (path, text) in compose.sources {
            if findings_in.contains(path.as_str()) {
                sources.insert(path, text);
            }
        }
    }
    let mut ran: Vec<RuleMeta> = enabled.iter().map(|r| *r.meta()).collect();
    ran.extend(
        bulkhead_secrets::rule::all_meta()
            .into_iter()
            .filter(|m| policy.rule_enabled(m))
            .copied(),
    );
    ran.extend(compose.ran);
    let total = results.len() + compose.total;
    emit(
        &args,
        &policy,
        findings,
        diagnostics,
        analysed,
        total,
        &ran,
        sources,
    )
}

/// Renders the report, writes it and computes the exit code. Snippets are drawn only in the human format
/// (the other formats never carry source text); files with findings that are not in `sources` (e.g. build
/// context files) are read for the snippet, up to 1 MiB.
#[allow(clippy::too_many_arguments)]
pub(crate) fn emit(
    args: &CheckArgs,
    policy: &Policy,
    mut findings: Vec<Finding>,
    diagnostics: Vec<InputDiagnostic>,
    analysed: usize,
    total: usize,
    ran: &[RuleMeta],
    mut sources: HashMap<String, String>,
) -> ExitCode {
    findings.sort_by_key(|f| f.sort_key());
    if args.format == OutputFormat::Human {
        for f in &findings {
            let Some(p) = f.location.path.as_deref() else {
                continue;
            };
            if sources.contains_key(p) {
                continue;
            }
            let small = std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() <= 1024 * 1024);
            if small && let Ok(bytes) = std::fs::read(p) {
                sources.insert(p.to_string(), String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    let source_fn = |p: &str| {
        sources
            .get(p)
            .map(|s| std::borrow::Cow::Borrowed(s.as_str()))
    };
    let version = env!("CARGO_PKG_VERSION");
    let input = ReportInput {
        findings: &findings,
        rules: ran,
        sources: &source_fn,
        tool_version: version,
        files_scanned: analysed,
        diagnostics: &diagnostics,
        subject: None,
    };
    let color = args.color.enabled(args.output.is_some());
    // JSON and SARIF, the formats of big CI runs, stream to their destination instead of being built
    // in memory.
    if matches!(args.format, OutputFormat::Json | OutputFormat::Sarif) {
        let emit_to = |w: &mut dyn Write| match args.format {
            OutputFormat::Sarif => bulkhead_report::write_sarif(&input, w),
            _ => bulkhead_report::write_json(&input, w),
        };
        let written = match &args.output {
            Some(p) => std::fs::File::create(p)
                .map(std::io::BufWriter::new)
                .and_then(|mut w| emit_to(&mut w).and_then(|_| w.flush()))
                .map_err(|e| format!("cannot write {}: {e}", p.display())),
            None => {
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                emit_to(&mut out)
                    .and_then(|_| out.flush())
                    .map_err(|e| format!("cannot write the report: {e}"))
            }
        };
        if let Err(e) = written {
            return usage_error(e);
        }
        return exit_code(policy, &findings, analysed, total);
    }
    let rendered = match args.format {
        OutputFormat::Human => bulkhead_report::render_human(&input, color),
        OutputFormat::Json => bulkhead_report::render_json(&input),
        OutputFormat::Sarif => bulkhead_report::render_sarif(&input),
    };
    let written = match &args.output {
        Some(p) => std::fs::write(p, rendered.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(rendered.as_bytes())
                .and_then(|_| out.flush())
                .map_err(|e| format!("cannot write the report: {e}"))
        }
    };
    if let Err(e) = written {
        return usage_error(e);
    }
    exit_code(policy, &findings, analysed, total)
}

fn exit_code(policy: &Policy, findings: &[Finding], analysed: usize, total: usize) -> ExitCode {
    if analysed == 0 {
        eprintln!("error: none of the {total} file(s) could be analysed");
        return ExitCode::from(2);
    }
    if policy.fails(findings) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
