//! The semantic model of a parsed Dockerfile: stages, their bases and parents, ARG/ENV scope with BuildKit's
//! variable expansion, and the effective user of each stage.

use crate::ast::{Arguments, Dockerfile, Instruction, InstructionKind};
use std::collections::HashMap;

/// One build stage: a FROM and the instructions up to the next FROM.
#[derive(Debug, Clone)]
pub struct Stage {
    pub index: usize,
    /// `AS name`, lower-cased as BuildKit compares it.
    pub name: Option<String>,
    /// Index of the FROM instruction in [`Dockerfile::instructions`].
    pub from: usize,
    /// Indices of the stage's other instructions.
    pub body: std::ops::Range<usize>,
    /// The image reference as written (`node:${VERSION}-alpine`).
    pub base_raw: String,
    /// The reference with global ARG defaults expanded.
    pub base: String,
    /// The earlier stage this one builds on (`FROM builder`), if any.
    pub parent: Option<usize>,
    pub platform: Option<String>,
}

/// A parsed image reference: `[registry/]repository[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub registry: Option<String>,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    pub fn parse(s: &str) -> Option<ImageRef> {
        let s = s.trim();
        if s.is_empty() || s.contains(char::is_whitespace) {
            return None;
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (s, None),
        };
        // A tag is after the last ':' that follows the last '/'.
        let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (
                &rest[..last_slash + i],
                Some(rest[last_slash + i + 1..].to_string()),
            ),
            None => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, r))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first.to_string()), r.to_string())
            }
            _ => (None, name.to_string()),
        };
        if repository.is_empty() {
            return None;
        }
        Some(ImageRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The registry, defaulting to Docker Hub.
    pub fn registry_or_hub(&self) -> &str {
        self.registry.as_deref().unwrap_or("docker.io")
    }

    /// Last path component of the repository (`library/node` → `node`).
    pub fn short_name(&self) -> &str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(&self.repository)
    }
}

/// Semantic model over a [`Dockerfile`].
#[derive(Debug, Clone)]
pub struct Model {
    /// `ARG`s before the first FROM, with their defaults (expanded in order).
    pub global_args: Vec<(String, Option<String>)>,
    pub stages: Vec<Stage>,
    /// The SHELL in force per stage is POSIX (false after `SHELL ["powershell", ...]` or with `escape=\``).
    pub posix_shell: Vec<bool>,
}

impl Model {
    pub fn build(df: &Dockerfile) -> Model {
        let mut global_args: Vec<(String, Option<String>)> = Vec::new();
        let mut stages: Vec<Stage> = Vec::new();
        let mut global_env: HashMap<String, String> = HashMap::new();
        for (i, ins) in df.instructions.iter().enumerate() {
            match ins.kind {
                InstructionKind::Arg if stages.is_empty() => {
                    for kv in ins.key_values() {
                        let v = kv
                            .value
                            .as_deref()
                            .map(|v| expand(v, &|n| global_env.get(n).cloned()));
                        if let Some(v) = &v {
                            global_env.insert(kv.key.clone(), v.clone());
                        }
                        global_args.push((kv.key, v));
                    }
                }
                InstructionKind::From => {
                    if let Some(last) = stages.last_mut() {
                        last.body = last.body.start..i;
                    }
                    let words = ins.words();
                    let base_raw = words.first().map(|w| w.0.clone()).unwrap_or_default();
                    let name = if words.len() >= 3 && words[1].0.eq_ignore_ascii_case("as") {
                        Some(words[2].0.to_ascii_lowercase())
                    } else {
                        None
                    };
                    let base = expand(&base_raw, &|n| global_env.get(n).cloned());
                    let lower = base.to_ascii_lowercase();
                    let parent = stages
                        .iter()
                        .rposition(|s| s.name.as_deref() == Some(lower.as_str()));
                    stages.push(Stage {
                        index: stages.len(),
                        name,
                        from: i,
                        body: i + 1..df.instructions.len(),
                        base_raw,
                        base,
                        parent,
                        platform: ins.flag("platform").and_then(|f| f.value.clone()),
                    });
                }
                _ => {}
            }
        }
        let mut posix_shell = Vec::with_capacity(stages.len());
        for s in &stages {
            let inherited = s
                .parent
                .and_then(|p| posix_shell.get(p).copied())
                .unwrap_or(df.escape != '`');
            let mut posix = inherited;
            for ins in &df.instructions[s.body.clone()] {
                if ins.kind == InstructionKind::Shell
                    && let Arguments::Exec { args, .. } = &ins.args
                {
                    let argv: Vec<String> = args.iter().map(|a| a.value.clone()).collect();
                    posix = crate::shell::is_posix_shell(&argv);
                }
            }
            posix_shell.push(posix && df.escape != '`');
        }
        Model {
            global_args,
            stages,
            posix_shell,
        }
    }

    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The stage that contains instruction `i`.
    pub fn stage_of(&self, i: usize) -> Option<&Stage> {
        self.stages.iter().rev().find(|s| s.from <= i)
    }

    /// The stage chain from `stage` up to its external base: `[stage, parent, grandparent, ...]`.
    pub fn lineage(&self, stage: usize) -> Vec<usize> {
        let mut out = vec![stage];
        let mut cur = stage;
        while let Some(p) = self.stages.get(cur).and_then(|s| s.parent) {
            if out.contains(&p) || out.len() > self.stages.len() {
                break;
            }
            out.push(p);
            cur = p;
        }
        out
    }

    /// Whether instruction `i` is in the final stage or in a stage it is built `FROM`: what it adds ends up in
    /// the image (other stages only reach the build cache, or the image through `COPY --from`).
    pub fn in_final_lineage(&self, i: usize) -> bool {
        match (self.final_stage(), self.stage_of(i)) {
            (Some(last), Some(s)) => self.lineage(last.index).contains(&s.index),
            _ => false,
        }
    }

    /// The external base image of a stage (following `FROM <stage>` links).
    pub fn root_base(&self, stage: usize) -> &str {
        let chain = self.lineage(stage);
        chain
            .last()
            .and_then(|&s| self.stages.get(s))
            .map(|s| s.base.as_str())
            .unwrap_or("")
    }

    /// The last USER instruction in effect for `stage` (its own, else inherited from parent stages):
    /// instruction index and the user as written.
    pub fn effective_user<'a>(
        &self,
        df: &'a Dockerfile,
        stage: usize,
    ) -> Option<(usize, &'a Instruction)> {
        for s in self.lineage(stage) {
            let st = self.stages.get(s)?;
            if let Some(i) = st
                .body
                .clone()
                .rev()
                .find(|&i| df.instructions[i].kind == InstructionKind::User)
            {
                return Some((i, &df.instructions[i]));
            }
        }
        None
    }

    /// `s` with the variables visible at instruction `at` expanded; the scope is only computed when `s`
    /// refers to a variable.
    pub fn expand_at(&self, df: &Dockerfile, at: usize, s: &str) -> String {
        if !s.contains('$') {
            return s.to_string();
        }
        let vars = self.vars_at(df, at);
        expand(s, &|n| vars.get(n).cloned())
    }

    /// Variables visible at instruction `at` inside its stage (ARG values with defaults, ENV), for expansion.
    pub fn vars_at(&self, df: &Dockerfile, at: usize) -> HashMap<String, String> {
        let mut vars: HashMap<String, String> = HashMap::new();
        let Some(stage) = self.stage_of(at) else {
            return vars;
        };
        let globals: HashMap<&str, Option<&String>> = self
            .global_args
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_ref()))
            .collect();
        let mut chain = self.lineage(stage.index);
        chain.reverse();
        for s in chain {
            let Some(st) = self.stages.get(s) else {
                continue;
            };
            for i in st.body.clone() {
                if s == stage.index && i >= at {
                    break;
                }
                let ins = &df.instructions[i];
                match ins.kind {
                    InstructionKind::Arg => {
                        for kv in ins.key_values() {
                            let v = match kv.value {
                                Some(v) => Some(expand(&v, &|n| vars.get(n).cloned())),
                                None => globals.get(kv.key.as_str()).and_then(|v| v.cloned()),
                            };
                            vars.insert(kv.key, v.unwrap_or_default());
                        }
                    }
                    InstructionKind::Env => {
                        for kv in ins.key_values() {
                            let v = expand(kv.value.as_deref().unwrap_or(""), &|n| {
                                vars.get(n).cloned()
                            });
                            vars.insert(kv.key, v);
                        }
                    }
                    _ => {}
                }
            }
        }
        vars
    }
}

/// Expands `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`, `${VAR+word}` as BuildKit's
/// shell-word processing does for instruction arguments. Unknown variables expand to the empty string;
/// `\$` is a literal dollar. Quotes are kept as written.
pub fn expand(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    expand_depth(s, lookup, 0)
}

fn expand_depth(s: &str, lookup: &dyn Fn(&str) -> Option<String>, depth: usize) -> String {
    if !s.contains('$') || depth > 8 {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && chars.get(i + 1) == Some(&'$') {
            out.push('$');
            i += 2;
            continue;
        }
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('{') => {
                // find the matching brace
                let mut j = i + 2;
                let mut level = 1;
                while j < chars.len() {
                    match chars[j] {
                        '{' => level += 1,
                        '}' => {
                            level -= 1;
                            if level == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                if j >= chars.len() {
                    out.extend(&chars[i..]);
                    break;
                }
                let inner: String = chars[i + 2..j].iter().collect();
                let name_end = inner
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                    .unwrap_or(inner.len());
                let name = &inner[..name_end];
                let op = &inner[name_end..];
                let val = lookup(name);
                let expanded = if let Some(word) = op.strip_prefix(":-") {
                    match val.filter(|v| !v.is_empty()) {
                        Some(v) => v,
                        None => expand_depth(word, lookup, depth + 1),
                    }
                } else if let Some(word) = op.strip_prefix(":+") {
                    match val.filter(|v| !v.is_empty()) {
                        Some(_) => expand_depth(word, lookup, depth + 1),
                        None => String::new(),
                    }
                } else if let Some(word) = op.strip_prefix('-') {
                    match val {
                        Some(v) => v,
                        None => expand_depth(word, lookup, depth + 1),
                    }
                } else if let Some(word) = op.strip_prefix('+') {
                    match val {
                        Some(_) => expand_depth(word, lookup, depth + 1),
                        None => String::new(),
                    }
                } else {
                    val.unwrap_or_default()
                };
                out.push_str(&expanded);
                i = j + 1;
            }
            Some(ch) if ch.is_ascii_alphabetic() || *ch == '_' => {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                let name: String = chars[i + 1..j].iter().collect();
                out.push_str(&lookup(&name).unwrap_or_default());
                i = j;
            }
            _ => {
                out.push('$');
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lk(n: &str) -> Option<String> {
        match n {
            "A" => Some("1".into()),
            "E" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expansion_forms() {
        assert_eq!(expand("x$A", &lk), "x1");
        assert_eq!(expand("${A}y", &lk), "1y");
        assert_eq!(expand("${B:-d}", &lk), "d");
        assert_eq!(expand("${E:-d}", &lk), "d");
        assert_eq!(expand("${E-d}", &lk), "");
        assert_eq!(expand("${A:+alt}", &lk), "alt");
        assert_eq!(expand("${B:+alt}", &lk), "");
        assert_eq!(expand("${B:-${A}}", &lk), "1");
        assert_eq!(expand("\\$A", &lk), "$A");
        assert_eq!(expand("${unterminated", &lk), "${unterminated");
        assert_eq!(expand("$", &lk), "$");
    }

    #[test]
    fn image_refs() {
        let r = ImageRef::parse("node:20-alpine").unwrap();
        assert_eq!(
            (
                r.registry.as_deref(),
                r.repository.as_str(),
                r.tag.as_deref()
            ),
            (None, "node", Some("20-alpine"))
        );
        let r = ImageRef::parse("localhost:5000/team/app@sha256:abc").unwrap();
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        let r = ImageRef::parse("gcr.io/distroless/static:nonroot").unwrap();
        assert_eq!(r.short_name(), "static");
        assert!(ImageRef::parse("").is_none());
    }
}
