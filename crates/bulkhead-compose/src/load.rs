//! Loading compose files into a [`Project`]: discovery, YAML with positions (anchors, merge keys),
//! interpolation from the environment and `.env`, several files merged in order, `extends`, `include`,
//! profiles, and validation against the compose schema. Problems become [`Diagnostic`]s; the rest goes on.

pub mod interp;
pub mod merge;
pub mod schema;
pub mod yaml;

use crate::node::{Node, Pos, Value};
use crate::project::{Diagnostic, Project, SourceFile};
use interp::Vars;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// How to load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Active profiles (`--profile`, `COMPOSE_PROFILES`).
    pub profiles: Vec<String>,
    /// Variables for interpolation, on top of `.env` (the process environment by default).
    pub env: Option<Vec<(String, String)>>,
}

/// Largest `.env` / `env_file` read (bytes).
const MAX_ENV_FILE: u64 = 4 << 20;
/// Largest compose file read (bytes).
const MAX_COMPOSE_FILE: u64 = 32 << 20;

/// The file names compose looks for in a directory, in order.
pub const DEFAULT_FILE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// Load the files (merged in order, like `docker compose -f a -f b`). A directory (or no path: the
/// current directory) is searched for the first of [`DEFAULT_FILE_NAMES`] plus its `.override.` file.
pub fn load(paths: &[PathBuf], opts: &LoadOptions) -> Project {
    let mut l = Loader {
        env: match &opts.env {
            Some(e) => e.iter().cloned().collect(),
            // Not `env::vars()`: it panics on a variable that is not Unicode; such variables are skipped.
            None => std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        },
        ..Loader::default()
    };
    let mut files = Vec::new();
    let mut given: Vec<PathBuf> = paths.to_vec();
    if given.is_empty() {
        // `COMPOSE_FILE` (from the environment or ./.env) names the files when none are given.
        let here = PathBuf::from(".");
        let probe = l.env_file_vars(&[here.join(".env")], false);
        if let Some(cf) = probe.get("COMPOSE_FILE").filter(|v| !v.is_empty()) {
            let sep = probe
                .get("COMPOSE_PATH_SEPARATOR")
                .and_then(|s| s.chars().next())
                .unwrap_or(':');
            given = cf
                .split(sep)
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect();
        } else {
            given.push(here);
        }
        l.files.clear();
        l.diags.clear();
    }
    for p in &given {
        if p.is_dir() {
            let found = discover(p);
            if found.is_empty() {
                l.diag_path(
                    p,
                    0,
                    0,
                    format!(
                        "no compose file found in this directory (looked for {})",
                        DEFAULT_FILE_NAMES.join(", ")
                    ),
                );
            }
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    let dir = files
        .first()
        .and_then(|f| f.parent())
        .map(|d| {
            if d.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                d.to_path_buf()
            }
        })
        .unwrap_or_else(|| given.first().cloned().unwrap_or_else(|| PathBuf::from(".")));
    l.vars = l.env_file_vars(&[dir.join(".env")], false);

    let mut model: Option<Node> = None;
    for f in &files {
        if let Some(mut n) = l.load_file(f, &mut Vec::new()) {
            let canon = std::fs::canonicalize(f).unwrap_or_else(|_| f.clone());
            let tags = l.tags.get(&canon).cloned().unwrap_or_default();
            model = Some(match model {
                Some(mut acc) => {
                    for (path, tag) in &tags {
                        // Only paths made of mapping keys can be matched across files.
                        let Some(keys) = path.iter().cloned().collect::<Option<Vec<String>>>()
                        else {
                            continue;
                        };
                        remove_path(&mut acc, &keys);
                        if *tag == yaml::MergeTag::Reset {
                            remove_path(&mut n, &keys);
                        }
                    }
                    merge::merge(acc, n, &[])
                }
                None => {
                    for (path, tag) in &tags {
                        if let (yaml::MergeTag::Reset, Some(keys)) =
                            (tag, path.iter().cloned().collect::<Option<Vec<String>>>())
                        {
                            remove_path(&mut n, &keys);
                        }
                    }
                    n
                }
            });
        }
    }
    if let Some(m) = model.as_mut() {
        apply_profiles(m, &active_profiles(opts, &l.vars));
        for e in schema::validate(m) {
            l.diag_pos(&e.pos, format!("{}: {}", e.path, e.message));
        }
    }
    Project {
        files: l.files,
        model,
        diagnostics: l.diags,
        dir,
    }
}

/// The compose files in a directory: the first of [`DEFAULT_FILE_NAMES`] found, then its override
/// (`compose.override.yaml`, ...) when present.
pub fn discover(dir: &Path) -> Vec<PathBuf> {
    for name in DEFAULT_FILE_NAMES {
        let p = dir.join(name);
        if p.is_file() {
            let mut out = vec![p];
            if let Some((stem, ext)) = name.rsplit_once('.') {
                let o = dir.join(format!("{stem}.override.{ext}"));
                if o.is_file() {
                    out.push(o);
                }
            }
            return out;
        }
    }
    Vec::new()
}

/// Whether a file name is one compose looks for (`compose.yaml`, `compose.yml`, `docker-compose.yaml`,
/// `docker-compose.yml`, and `*.override.*` / `compose.*.yaml` variants).
pub fn is_compose_file_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.starts_with("compose") || n.starts_with("docker-compose"))
        && (n.ends_with(".yaml") || n.ends_with(".yml"))
}

/// The active profiles: the options' and `COMPOSE_PROFILES` (comma-separated).
fn active_profiles(opts: &LoadOptions, vars: &Vars) -> Vec<String> {
    let mut out = opts.profiles.clone();
    if let Some(p) = vars.get("COMPOSE_PROFILES") {
        out.extend(
            p.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
    }
    out
}

/// Drop the services whose `profiles` are all inactive (`*` activates all).
fn apply_profiles(model: &mut Node, active: &[String]) {
    if active.iter().any(|p| p == "*") {
        return;
    }
    if let Value::Map(top) = &mut model.value
        && let Some((_, services)) = top.iter_mut().find(|(k, _)| k.name == "services")
        && let Value::Map(svcs) = &mut services.value
    {
        svcs.retain(|(_, svc)| {
            let profiles = svc.get("profiles").map(Node::strings).unwrap_or_default();
            profiles.is_empty() || profiles.iter().any(|p| active.contains(p))
        });
    }
}

/// Loading state: files read, diagnostics, variables, parsed trees by canonical path.
#[derive(Default)]
struct Loader {
    files: Vec<SourceFile>,
    diags: Vec<Diagnostic>,
    vars: Vars,
    /// The options' (or the process) environment.
    env: Vars,
    /// Canonical path → (file index, the parsed and interpolated tree before `extends`/`include`).
    raw: HashMap<PathBuf, (usize, Option<Node>)>,
    /// Canonical path → the file with `extends` and `include` resolved (each file resolved once, so
    /// diamond-shaped includes stay linear).
    resolved: HashMap<PathBuf, Option<Node>>,
    /// Canonical path → the file's `!reset` / `!override` tags.
    tags: HashMap<PathBuf, Vec<yaml::TaggedPath>>,
}

impl Loader {
    fn diag_path(&mut self, path: &Path, line: usize, column: usize, message: String) {
        self.diags.push(Diagnostic {
            path: path.to_path_buf(),
            line,
            column,
            message,
        });
    }

    fn diag_pos(&mut self, pos: &Pos, message: String) {
        let path = self
            .files
            .get(pos.file)
            .map(|f| f.path.clone())
            .unwrap_or_default();
        self.diags.push(Diagnostic {
            path,
            line: pos.line,
            column: pos.column,
            message,
        });
    }

    /// The variables: env files in order (later ones override), then the options' (or process)
    /// environment over them. `required`: a missing env file is reported.
    fn env_file_vars(&mut self, env_files: &[PathBuf], required: bool) -> Vars {
        let mut vars = Vars::new();
        for path in env_files {
            let read = bulkhead_core::fs::read_capped(path, MAX_ENV_FILE)
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            match read {
                Ok(text) => {
                    let mut lookup = vars.clone();
                    lookup.extend(self.env.iter().map(|(k, v)| (k.clone(), v.clone())));
                    let (pairs, problems) = interp::parse_dotenv(&text, &lookup);
                    for p in problems {
                        self.diag_path(path, p.line, 1, format!("env file: {}", p.message));
                    }
                    vars.extend(pairs);
                    if !self.files.iter().any(|f| f.path == *path) {
                        self.files.push(SourceFile {
                            path: path.clone(),
                            text,
                        });
                    }
                }
                Err(e) if required => {
                    self.diag_path(path, 0, 0, format!("env file: cannot read: {e}"));
                }
                Err(_) => {}
            }
        }
        vars.extend(self.env.iter().map(|(k, v)| (k.clone(), v.clone())));
        vars
    }

    /// Read and parse a file once (interpolated); `None` when it cannot be read or parsed.
    fn raw_tree(&mut self, path: &Path) -> Option<(PathBuf, usize, Node)> {
        let canon = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if let Some((idx, tree)) = self.raw.get(&canon) {
            let idx = *idx;
            return tree.clone().map(|t| (canon, idx, t));
        }
        let text = match bulkhead_core::fs::read_capped(path, MAX_COMPOSE_FILE) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(_) => {
                    self.diag_path(path, 0, 0, "not UTF-8 text".into());
                    return None;
                }
            },
            Err(e) => {
                self.diag_path(path, 0, 0, format!("cannot read: {e}"));
                return None;
            }
        };
        let idx = self.files.len();
        let vars = std::mem::take(&mut self.vars);
        let rewrite = |s: &str| interp::interpolate(s, &vars);
        let parsed = yaml::parse_tagged(&text, idx, Some(&rewrite));
        let (docs, problems) = (parsed.docs, parsed.problems);
        self.vars = vars;
        if !parsed.tags.is_empty() {
            self.tags.insert(canon.clone(), parsed.tags);
        }
        let had_problems = !problems.is_empty();
        self.files.push(SourceFile {
            path: path.to_path_buf(),
            text,
        });
        for p in problems {
            self.diag_path(path, p.line, p.column, p.message);
        }
        let mut tree: Option<Node> = None;
        for d in docs {
            tree = Some(match tree {
                Some(acc) => merge::merge(acc, d, &[]),
                None => d,
            });
        }
        let tree = match tree {
            None => {
                if !had_problems {
                    self.diag_path(path, 0, 0, "empty compose file".into());
                }
                None
            }
            Some(t) if !matches!(t.value, Value::Map(_)) => {
                self.diag_pos(
                    &t.pos,
                    "a compose file must be a mapping (services:, networks:, ...)".into(),
                );
                None
            }
            Some(t) => Some(t),
        };
        self.raw.insert(canon.clone(), (idx, tree.clone()));
        tree.map(|t| (canon, idx, t))
    }

    /// A file with its `extends` and `include` resolved. `stack`: the include chain (canonical paths).
    fn load_file(&mut self, path: &Path, stack: &mut Vec<PathBuf>) -> Option<Node> {
        let canon = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if let Some(done) = self.resolved.get(&canon) {
            return done.clone();
        }
        let out = self.resolve_file(path, stack);
        self.resolved.insert(canon, out.clone());
        out
    }

    /// [`Self::load_file`] without the memo.
    fn resolve_file(&mut self, path: &Path, stack: &mut Vec<PathBuf>) -> Option<Node> {
        let (canon, _idx, mut tree) = self.raw_tree(path)?;
        // extends
        let names: Vec<String> = tree
            .get("services")
            .and_then(Node::as_map)
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| v.get("extends").is_some())
                    .map(|(k, _)| k.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        for name in names {
            let resolved = self.service(&canon, &name, &mut Vec::new());
            if let Some(svc) = resolved
                && let Some(slot) = service_slot(&mut tree, &name)
            {
                *slot = svc;
            }
        }
        // include
        if let Some(items) = take_key(&mut tree, "include") {
            stack.push(canon.clone());
            let base = canon.parent().map(Path::to_path_buf).unwrap_or_default();
            let entries: Vec<Node> = match items.value {
                Value::Seq(s) => s,
                _ => vec![items],
            };
            for item in entries {
                let paths: Vec<Node> = match &item.value {
                    Value::Str(_) => vec![item.clone()],
                    Value::Map(_) => match item.get("path") {
                        Some(Node {
                            value: Value::Seq(s),
                            ..
                        }) => s.clone(),
                        Some(p) => vec![p.clone()],
                        None => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                let env_files: Vec<PathBuf> = item
                    .get("env_file")
                    .map(|e| match &e.value {
                        Value::Seq(_) => e.strings(),
                        _ => e.scalar_text().into_iter().collect(),
                    })
                    .unwrap_or_default()
                    .iter()
                    .map(|f| base.join(f))
                    .collect();
                let project_dir = item
                    .get("project_directory")
                    .and_then(Node::as_str)
                    .map(|d| base.join(d));
                for p in paths {
                    let Some(rel) = p.as_str() else { continue };
                    let target = base.join(rel);
                    let tcanon = std::fs::canonicalize(&target).unwrap_or_else(|_| target.clone());
                    if stack.contains(&tcanon) {
                        let mut chain: Vec<String> =
                            stack.iter().map(|s| s.display().to_string()).collect();
                        chain.push(tcanon.display().to_string());
                        self.diag_pos(&p.pos, format!("include cycle: {}", chain.join(" -> ")));
                        continue;
                    }
                    if !target.is_file() {
                        self.diag_pos(&p.pos, format!("include: {} not found", target.display()));
                        continue;
                    }
                    // The included project is interpolated with its own env files (by default the
                    // `.env` of its project directory: the included file's directory).
                    let inc_vars = if env_files.is_empty() {
                        let d = project_dir
                            .clone()
                            .or_else(|| target.parent().map(Path::to_path_buf))
                            .unwrap_or_default();
                        self.env_file_vars(&[d.join(".env")], false)
                    } else {
                        self.env_file_vars(&env_files, true)
                    };
                    let saved = std::mem::replace(&mut self.vars, inc_vars);
                    let inc = self.load_file(&target, stack);
                    self.vars = saved;
                    if let Some(inc) = inc {
                        self.add_included(&mut tree, inc, &target);
                    }
                }
            }
            stack.pop();
        }
        Some(tree)
    }

    /// Add an included model's resources; a name defined on both sides is reported and the including
    /// file's definition kept.
    fn add_included(&mut self, tree: &mut Node, inc: Node, inc_path: &Path) {
        let Value::Map(inc_top) = inc.value else {
            return;
        };
        let Value::Map(top) = &mut tree.value else {
            return;
        };
        for (k, v) in inc_top {
            let Some((_, mine)) = top.iter_mut().find(|(tk, _)| tk.name == k.name) else {
                top.push((k, v));
                continue;
            };
            if let (Value::Map(m), Value::Map(theirs)) = (&mut mine.value, v.value) {
                for (ik, iv) in theirs {
                    if let Some((mk, _)) = m.iter().find(|(mk, _)| mk.name == ik.name) {
                        let (mpos, name) = (mk.pos, mk.name.clone());
                        self.diag_pos(
                            &mpos,
                            format!(
                                "{}.{}: also defined by the included {}; this definition is kept",
                                k.name,
                                name,
                                inc_path.display()
                            ),
                        );
                    } else {
                        m.push((ik, iv));
                    }
                }
            }
        }
    }

    /// Service `name` of file `file` with its `extends` chain resolved. `chain`: (file, service) visited.
    fn service(
        &mut self,
        file: &Path,
        name: &str,
        chain: &mut Vec<(PathBuf, String)>,
    ) -> Option<Node> {
        let (canon, _, tree) = self.raw_tree(file)?;
        let mut svc = tree.get("services").and_then(|s| s.get(name))?.clone();
        let Some(ext) = take_key(&mut svc, "extends") else {
            return Some(svc);
        };
        let (base_name, base_file) = match &ext.value {
            Value::Str(s) => (s.clone(), canon.clone()),
            Value::Map(_) => {
                let Some(n) = ext.get("service").and_then(Node::as_str) else {
                    self.diag_pos(&ext.pos, "extends: `service` is required".into());
                    return Some(svc);
                };
                let f = match ext.get("file").and_then(Node::as_str) {
                    Some(f) => canon
                        .parent()
                        .map(|d| d.join(f))
                        .unwrap_or_else(|| PathBuf::from(f)),
                    None => canon.clone(),
                };
                (n.to_owned(), f)
            }
            _ => {
                self.diag_pos(
                    &ext.pos,
                    "extends: expected a service name or a mapping".into(),
                );
                return Some(svc);
            }
        };
        chain.push((canon.clone(), name.to_owned()));
        let bcanon = std::fs::canonicalize(&base_file).unwrap_or_else(|_| base_file.clone());
        if chain.iter().any(|(f, n)| *f == bcanon && *n == base_name) {
            let mut parts: Vec<String> = chain
                .iter()
                .map(|(f, n)| format!("{}:{}", short(f), n))
                .collect();
            parts.push(format!("{}:{}", short(&bcanon), base_name));
            self.diag_pos(&ext.pos, format!("extends cycle: {}", parts.join(" -> ")));
            chain.pop();
            return Some(svc);
        }
        if !base_file.is_file() {
            self.diag_pos(
                &ext.pos,
                format!("extends: file {} not found", base_file.display()),
            );
            chain.pop();
            return Some(svc);
        }
        let base = self.service(&base_file, &base_name, chain);
        chain.pop();
        match base {
            Some(mut b) => {
                if let Some(prefix) = ext
                    .get("file")
                    .and_then(Node::as_str)
                    .and_then(|f| Path::new(f).parent())
                    .filter(|p| !p.as_os_str().is_empty())
                {
                    rebase_service(&mut b, prefix);
                }
                let (pos, end) = (svc.pos, svc.end);
                let mut merged = merge::merge(b, svc, &["services", "*"]);
                merged.pos = pos;
                merged.end = end;
                Some(merged)
            }
            None => {
                self.diag_pos(
                    &ext.pos,
                    format!(
                        "extends: service `{base_name}` not found in {}",
                        base_file.display()
                    ),
                );
                Some(svc)
            }
        }
    }
}

fn short(p: &Path) -> String {
    p.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Make the relative paths of a service taken from another directory (`extends: {file: ../x/base.yml}`)
/// relative to the extending file: `build` / `build.context`, `env_file`, relative bind mounts.
fn rebase_service(svc: &mut Node, prefix: &Path) {
    let rebase = |n: &mut Node| {
        if let Value::Str(s) = &mut n.value
            && is_relative_path(s)
        {
            *s = prefix.join(s.as_str()).to_string_lossy().into_owned();
        }
    };
    let Value::Map(entries) = &mut svc.value else {
        return;
    };
    for (k, v) in entries.iter_mut() {
        match k.name.as_str() {
            "build" => match &mut v.value {
                Value::Str(_) => rebase(v),
                Value::Map(m) => {
                    if let Some((_, c)) = m.iter_mut().find(|(k, _)| k.name == "context") {
                        rebase(c);
                    }
                }
                _ => {}
            },
            "env_file" => match &mut v.value {
                Value::Str(_) => rebase(v),
                Value::Seq(items) => {
                    for it in items {
                        match &mut it.value {
                            Value::Str(_) => rebase(it),
                            Value::Map(m) => {
                                if let Some((_, p)) = m.iter_mut().find(|(k, _)| k.name == "path") {
                                    rebase(p);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            },
            "volumes" => {
                if let Value::Seq(items) = &mut v.value {
                    for it in items {
                        match &mut it.value {
                            Value::Str(s) if s.starts_with('.') => {
                                *s = prefix.join(s.as_str()).to_string_lossy().into_owned();
                            }
                            Value::Map(m) => {
                                if let Some((_, p)) = m.iter_mut().find(|(k, _)| k.name == "source")
                                {
                                    rebase(p);
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// A relative filesystem path (not absolute, not a URL or git remote, not home-relative).
fn is_relative_path(s: &str) -> bool {
    !(s.is_empty()
        || s.starts_with('/')
        || s.starts_with('~')
        || s.starts_with("git@")
        || s.contains("://")
        || s.as_bytes().get(1) == Some(&b':'))
}

/// Remove the value at a path of mapping keys.
fn remove_path(node: &mut Node, path: &[String]) {
    match path {
        [] => {}
        [last] => {
            take_key(node, last);
        }
        [first, rest @ ..] => {
            if let Value::Map(m) = &mut node.value
                && let Some((_, child)) = m.iter_mut().find(|(k, _)| k.name == *first)
            {
                remove_path(child, rest);
            }
        }
    }
}

/// Remove `key` from a mapping node, returning its value.
fn take_key(node: &mut Node, key: &str) -> Option<Node> {
    let Value::Map(m) = &mut node.value else {
        return None;
    };
    let i = m.iter().position(|(k, _)| k.name == key)?;
    Some(m.remove(i).1)
}

fn service_slot<'a>(tree: &'a mut Node, name: &str) -> Option<&'a mut Node> {
    let Value::Map(top) = &mut tree.value else {
        return None;
    };
    let (_, services) = top.iter_mut().find(|(k, _)| k.name == "services")?;
    let Value::Map(svcs) = &mut services.value else {
        return None;
    };
    svcs.iter_mut()
        .find(|(k, _)| k.name == name)
        .map(|(_, v)| v)
}
