use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use crate::secrets::{find_in_assignment, is_placeholder, is_sensitive_name};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds credentials set with `ENV`: a variable whose name says it holds a secret (`DB_PASSWORD`,
    /// `API_KEY`, `GITHUB_TOKEN`, ...) with a literal value, or any value that contains a well-known token
    /// format (AWS key id, GitHub/GitLab/Slack/Stripe/npm/PyPI tokens, a private key) or a URL with a password
    /// (`postgres://user:pass@host`).
    ///
    /// Not findings: references (`ENV DB_PASSWORD=$DB_PASSWORD`), placeholders (`changeme`, `<your-token>`),
    /// paths to secret files (`ENV POSTGRES_PASSWORD_FILE=/run/secrets/db`), GPG key fingerprints
    /// (`ENV GPG_KEY ...`).
    ///
    /// ## Why it matters
    /// `ENV` values are stored in the image configuration: anyone who can pull the image reads them with
    /// `docker inspect`, and every container started from it exposes them in `/proc/1/environ`.
    ///
    /// ## Example
    /// ```dockerfile
    /// ENV DB_PASSWORD=Xk9mQ2vL8pR4tW7
    /// ```
    ///
    /// ## Fix
    /// Pass the secret at run time (a Swarm/compose secret mounted as a file, or an orchestrator secret), and
    /// point the application at the file: `ENV DB_PASSWORD_FILE=/run/secrets/db_password`.
    pub struct SecretInEnv {
        id: "DF002", name: "secret-in-env", title: "Secret in ENV", severity: Critical,
        category: Security, aliases: ["DS-0031", "CIS-4.10", "CIS-DI-0010", "SecretsUsedInArgOrEnv"],
        compliance: ["CIS-Docker-4.10", "PCI-DSS-3.5", "PCI-DSS-8.3.2", "HIPAA-164.312(a)(1)", "SOC2-CC6.1"],
        remediation: "Remove the value from the Dockerfile; mount the secret at run time (e.g. /run/secrets) and read it from the file.",
        min_profile: Dev, fixable: false,
    }
}

impl DockerfileRule for SecretInEnv {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for ins in &ctx.df.instructions {
            let ins = match ins.kind {
                InstructionKind::Env => ins,
                InstructionKind::Onbuild => match ins.onbuild.as_deref() {
                    Some(inner) if inner.kind == InstructionKind::Env => inner,
                    _ => continue,
                },
                _ => continue,
            };
            for kv in ins.key_values() {
                let Some(value) = kv.value.as_deref() else {
                    continue;
                };
                let range = kv.value_range.clone().unwrap_or(kv.key_range.clone());
                if let Some(hit) = find_in_assignment(Some(&kv.key), value) {
                    let secret = value.get(hit.range.clone()).unwrap_or(value);
                    out.push(
                        ctx.finding(
                            &Self::META,
                            format!(
                                "ENV `{}` holds a secret: {} ({})",
                                kv.key, hit.kind, hit.rule_id
                            ),
                            &range,
                        )
                        .with_evidence(Evidence::redacted(&format!("{}=", kv.key), secret)),
                    );
                } else if is_sensitive_name(&kv.key) && !is_placeholder(value) {
                    out.push(
                        ctx.finding(
                            &Self::META,
                            format!(
                                "ENV `{}` sets a credential in the image configuration",
                                kv.key
                            ),
                            &range,
                        )
                        .with_evidence(Evidence::redacted(&format!("{}=", kv.key), value)),
                    );
                }
            }
        }
    }
}
