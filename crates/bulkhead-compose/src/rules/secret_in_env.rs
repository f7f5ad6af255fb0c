use super::support::{Service, finding, is_reference, services};
use super::{ComposeCheckContext, ComposeRule};
use crate::node::{Node, Value};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};
use bulkhead_dockerfile::secrets::{find_in_assignment, is_placeholder, is_sensitive_name};
use std::path::Path;

/// Env files larger than this are not read.
const MAX_ENV_FILE: u64 = 1 << 20;

declare_rule! {
    /// ## What it does
    /// Scans a service's `environment` (map or list form) and the files of its `env_file` (read relative
    /// to the project directory) for credentials, as CT028 does for a running container: a value holding a
    /// known token format (found by the secret engine), or a variable whose name says it holds a secret
    /// (`DB_PASSWORD`, `API_KEY`, ...) with a literal value. Not findings: interpolation references
    /// (`${DB_PASSWORD}`, resolved from the environment at run time), variables passed through from the
    /// host (`DB_PASSWORD:` with no value), placeholders, and paths to secret files
    /// (`DB_PASSWORD_FILE=/run/secrets/db`). Values are shown redacted only. A secret in an `env_file` is
    /// high rather than critical: the file is not the compose file, and may be kept out of the repository.
    ///
    /// ## Why it matters
    /// The compose file is committed and shared; the environment is readable by anyone with access to the
    /// engine (`docker inspect`) and by every process in the container (CIS Docker Benchmark 4.10 spirit;
    /// Dockle CIS-DI-0010).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: app:1
    ///     environment:
    ///       DB_PASSWORD: Xk9mQ2vL8pR4tW7
    /// ```
    ///
    /// ## Fix
    /// Rotate the credential; declare it under top-level `secrets:` (`file: ./db_password.txt`), give it to
    /// the service with `secrets: [db_password]`, and point the application at
    /// `DB_PASSWORD_FILE=/run/secrets/db_password`.
    pub struct SecretInEnv {
        id: "CP017", name: "compose-secret-in-env", title: "Secret in the service environment",
        severity: Critical, category: Security, aliases: ["CIS-4.10", "CIS-DI-0010", "DS-0031"],
        compliance: ["CIS-Docker-4.10", "PCI-DSS-3.5", "PCI-DSS-8.3.2", "HIPAA-164.312(a)(1)", "SOC2-CC6.1"],
        remediation: "Rotate the credential and pass it with compose `secrets:` (and a `*_FILE` variable), not `environment`.",
        min_profile: Dev, fixable: false,
    }
}

/// What is wrong with `name=value`, if anything: the message part and redacted evidence.
fn judge(name: &str, value: &str) -> Option<(String, Evidence)> {
    if let Some(hit) = find_in_assignment(Some(name), value) {
        let secret = value.get(hit.range.clone()).unwrap_or(value);
        if !secret.contains('$') {
            return Some((
                format!("`{name}` holds a secret: {} ({})", hit.kind, hit.rule_id),
                Evidence::redacted(&format!("{name}="), secret),
            ));
        }
    }
    if is_sensitive_name(name)
        && !value.is_empty()
        && !is_placeholder(value)
        && !is_reference(value)
    {
        return Some((
            format!("the credential `{name}` is set to a literal value"),
            Evidence::redacted(&format!("{name}="), value),
        ));
    }
    None
}

/// The `KEY=value` pairs of an env file, with their 1-based line numbers.
fn env_file_pairs(text: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let l = l.strip_prefix("export ").unwrap_or(l);
        let Some((k, v)) = l.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let unquoted = ['"', '\'']
            .iter()
            .find_map(|q| v.strip_prefix(*q).and_then(|x| x.strip_suffix(*q)))
            .unwrap_or(v);
        out.push((i + 1, k.trim().to_string(), unquoted.to_string()));
    }
    out
}

impl SecretInEnv {
    fn environment(&self, ctx: &ComposeCheckContext, svc: &Service, out: &mut Vec<Finding>) {
        let Some(env) = svc.get("environment") else {
            return;
        };
        let pairs: Vec<(String, String, &Node)> = match &env.value {
            Value::Map(m) => m
                .iter()
                .filter_map(|(k, v)| v.scalar_text().map(|t| (k.name.clone(), t, v)))
                .collect(),
            Value::Seq(items) => items
                .iter()
                .filter_map(|n| {
                    let t = n.scalar_text()?;
                    let (k, v) = t.split_once('=')?;
                    Some((k.to_string(), v.to_string(), n))
                })
                .collect(),
            _ => Vec::new(),
        };
        for (name, value, node) in pairs {
            if let Some((what, ev)) = judge(&name, &value) {
                out.push(
                    finding(
                        ctx,
                        &Self::META,
                        svc,
                        node,
                        format!("service `{}`: {what} in `environment`", svc.name),
                    )
                    .with_evidence(ev),
                );
            }
        }
    }

    fn env_file(&self, ctx: &ComposeCheckContext, svc: &Service, out: &mut Vec<Finding>) {
        let Some(files) = svc.get("env_file") else {
            return;
        };
        for (rel, node) in super::support::env_files(files) {
            let path = if Path::new(&rel).is_absolute() {
                Path::new(&rel).to_path_buf()
            } else {
                ctx.project.dir.join(&rel)
            };
            let small =
                std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= MAX_ENV_FILE);
            let Some(text) = small
                .then(|| std::fs::read(&path).ok())
                .flatten()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
            else {
                continue;
            };
            for (line, name, value) in env_file_pairs(&text) {
                if let Some((what, ev)) = judge(&name, &value) {
                    out.push(
                        finding(
                            ctx,
                            &Self::META,
                            svc,
                            node,
                            format!(
                                "service `{}`: {what} in env_file `{rel}` line {line}",
                                svc.name
                            ),
                        )
                        .with_severity(Severity::High)
                        .with_evidence(ev),
                    );
                }
            }
        }
    }
}

impl ComposeRule for SecretInEnv {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        for svc in services(ctx) {
            self.environment(ctx, &svc, out);
            self.env_file(ctx, &svc, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_not_references() {
        assert!(judge("DB_PASSWORD", "Xk9mQ2vL8pR4tW7").is_some());
        assert!(judge("DB_PASSWORD", "${DB_PASSWORD}").is_none());
        assert!(judge("DB_PASSWORD", "${DB_PASSWORD:-}").is_none());
        assert!(judge("DB_PASSWORD_FILE", "/run/secrets/db").is_none());
        assert!(judge("LOG_LEVEL", "debug").is_none());
        let token = "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5";
        let ev = judge("NOTE", &format!("use {token}")).map(|(_, e)| e.as_str().to_string());
        assert!(
            ev.as_ref()
                .is_some_and(|e| !e.contains(token) && e.starts_with("NOTE=")),
            "{ev:?}"
        );
        let pairs = env_file_pairs("# c\nexport A=\"x y\"\n\nB='z'\nnot a pair\n");
        assert_eq!(
            pairs,
            vec![(2, "A".into(), "x y".into()), (4, "B".into(), "z".into())]
        );
    }
}
