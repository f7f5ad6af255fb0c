use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use crate::secrets::{find_in_assignment, is_placeholder, is_sensitive_name};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds credentials passed with `ARG`: a secret-named build argument with a literal default (critical),
    /// any default holding a well-known token format, and a secret-named build argument without a default
    /// (the value comes from `--build-arg`), which is worse when a `RUN` reads it.
    ///
    /// ## Why it matters
    /// Build arguments are not secret: the values used by `RUN` instructions are recorded in the image history
    /// (`docker history --no-trunc` shows them) and in the build cache, and a default is in the Dockerfile
    /// itself, i.e. in the repository.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG NPM_TOKEN
    /// RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci
    /// ```
    ///
    /// ## Fix
    /// Use a BuildKit secret mount, which is never written to a layer or the history:
    /// ```dockerfile
    /// RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci
    /// ```
    /// and build with `docker build --secret id=npm_token,env=NPM_TOKEN .`
    pub struct SecretInArg {
        id: "DF003", name: "secret-in-arg", title: "Secret in ARG", severity: High,
        category: Security, aliases: ["DS-0031", "CIS-4.10", "SecretsUsedInArgOrEnv"],
        compliance: ["CIS-Docker-4.10", "PCI-DSS-3.5", "SOC2-CC6.1"],
        remediation: "Use `RUN --mount=type=secret,id=<name>` and `docker build --secret` instead of a build argument.",
        min_profile: Dev, fixable: false,
    }
}

impl DockerfileRule for SecretInArg {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for (idx, ins) in ctx.df.instructions.iter().enumerate() {
            if ins.kind != InstructionKind::Arg {
                continue;
            }
            for kv in ins.key_values() {
                let sensitive = is_sensitive_name(&kv.key);
                match kv.value.as_deref() {
                    Some(v) => {
                        let range = kv.value_range.clone().unwrap_or(kv.key_range.clone());
                        if let Some(hit) = find_in_assignment(Some(&kv.key), v) {
                            let secret = v.get(hit.range.clone()).unwrap_or(v);
                            out.push(
                                ctx.finding(
                                    &Self::META,
                                    format!(
                                        "ARG `{}` has a secret as its default: {} ({})",
                                        kv.key, hit.kind, hit.rule_id
                                    ),
                                    &range,
                                )
                                .with_severity(Severity::Critical)
                                .with_evidence(Evidence::redacted(&format!("{}=", kv.key), secret)),
                            );
                        } else if sensitive && !is_placeholder(v) {
                            out.push(
                                ctx.finding(
                                    &Self::META,
                                    format!(
                                        "ARG `{}` has a literal credential as its default",
                                        kv.key
                                    ),
                                    &range,
                                )
                                .with_severity(Severity::Critical)
                                .with_evidence(Evidence::redacted(&format!("{}=", kv.key), v)),
                            );
                        } else if sensitive {
                            report_declared(ctx, idx, &kv.key, &kv.key_range, out);
                        }
                    }
                    None if sensitive => report_declared(ctx, idx, &kv.key, &kv.key_range, out),
                    None => {}
                }
            }
        }
    }
}

/// A secret-named ARG without a literal value: medium, high when a RUN of the same stage reads it.
fn report_declared(
    ctx: &CheckContext,
    idx: usize,
    key: &str,
    range: &crate::ast::ByteRange,
    out: &mut Vec<Finding>,
) {
    let used_at = ctx.model.stage_of(idx).and_then(|st| {
        st.body.clone().filter(|&i| i > idx).find(|&i| {
            let ins = &ctx.df.instructions[i];
            ins.kind == InstructionKind::Run && references(ctx.text(&ins.range), key)
        })
    });
    let (sev, msg) = match used_at {
        Some(i) => {
            let (line, _) = ctx
                .lines
                .position(&ctx.df.text, ctx.df.instructions[i].range.start);
            (
                Severity::High,
                format!(
                    "build argument `{key}` carries a credential and the RUN on line {line} reads it: its value is recorded in the image history"
                ),
            )
        }
        None => (
            Severity::Medium,
            format!(
                "build argument `{key}` looks like a credential: build arguments are visible in the image history and build cache"
            ),
        ),
    };
    out.push(
        ctx.finding(&SecretInArg::META, msg, range)
            .with_severity(sev)
            .with_evidence(crate::rules::evidence(format!("ARG {key}"))),
    );
}

fn references(text: &str, key: &str) -> bool {
    let mut rest = text;
    while let Some(p) = rest.find('$') {
        let after = &rest[p + 1..];
        let name = after.strip_prefix('{').unwrap_or(after);
        if let Some(tail) = name.strip_prefix(key)
            && !tail.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        {
            return true;
        }
        rest = after;
    }
    false
}
