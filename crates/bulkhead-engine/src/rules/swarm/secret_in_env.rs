use super::{service_name, services};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};
use bulkhead_dockerfile::secrets::{find_in_assignment, is_placeholder, is_sensitive_name};

declare_rule! {
    /// ## What it does
    /// Flags Swarm services that pass credentials through the environment
    /// (`Spec.TaskTemplate.ContainerSpec.Env`): a value holding a well-known token format (found by the
    /// secret engine), or a variable whose name says it holds a secret (`DB_PASSWORD`, `API_KEY`, ...)
    /// set to a literal. Paths to secret files (`DB_PASSWORD_FILE=/run/secrets/db`), references and
    /// placeholders are not findings. Values are shown redacted only.
    ///
    /// ## Why it matters
    /// A service's environment is stored in the Raft log and shown by `docker service inspect` to every
    /// manager user, and ends up in every task's `docker inspect` and `/proc/*/environ`. Swarm secrets are
    /// encrypted at rest, given only to the tasks that use them, in memory under `/run/secrets`
    /// (CIS Docker Benchmark 7.4).
    ///
    /// ## Example
    /// ```text
    /// $ docker service inspect api -f '{{json .Spec.TaskTemplate.ContainerSpec.Env}}'
    /// ["DB_PASSWORD=Xk9mQ2vL8pR4tW7"]
    /// ```
    ///
    /// ## Fix
    /// Rotate the credential, then `printf %s "$PW" | docker secret create db_password -` and
    /// `docker service update --env-rm DB_PASSWORD --secret-add db_password api`; have the application
    /// read `/run/secrets/db_password` (many images accept `DB_PASSWORD_FILE`). In a stack file:
    /// `secrets: [db_password]` on the service.
    pub struct SecretInServiceEnv {
        id: "SW001", name: "swarm-secret-in-service-env", title: "Service passes a secret through its environment",
        severity: High, category: Security, aliases: ["CIS-7.4", "check_7_4"],
        compliance: ["CIS-Docker-7.4", "PCI-DSS-3.5", "PCI-DSS-8.3.2", "SOC2-CC6.1", "HIPAA-164.312(a)(2)(iv)"],
        remediation: "Use a Swarm secret: `docker secret create NAME -` + `docker service update --env-rm VAR --secret-add NAME SERVICE`.",
        min_profile: Dev, fixable: false,
    }
}

impl EngineRule for SecretInServiceEnv {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for s in services(ctx.snapshot) {
            let env = s
                .spec
                .as_ref()
                .and_then(|sp| sp.task_template.as_ref())
                .and_then(|t| t.container_spec.as_ref())
                .and_then(|c| c.env.as_ref());
            let name = service_name(s);
            for (i, entry) in env.into_iter().flatten().enumerate() {
                let Some((var, value)) = entry.split_once('=') else {
                    continue;
                };
                let field = format!("Spec.TaskTemplate.ContainerSpec.Env[{i}]");
                let (msg, secret) = if let Some(hit) = find_in_assignment(Some(var), value) {
                    (
                        format!(
                            "the service environment sets `{var}` to a secret: {} ({})",
                            hit.kind, hit.rule_id
                        ),
                        value.get(hit.range.clone()).unwrap_or(value),
                    )
                } else if is_sensitive_name(var) && !value.is_empty() && !is_placeholder(value) {
                    (
                        format!(
                            "the service environment sets the credential `{var}` to a literal value"
                        ),
                        value,
                    )
                } else {
                    continue;
                };
                out.push(
                    ctx.service_finding(&Self::META, &name, &field, msg)
                        .with_evidence(Evidence::redacted(&format!("{var}="), secret)),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::swarm::test_support::*;

    #[test]
    fn env_secrets_redacted() {
        let snap = fixture("swarm-bad.json");
        let f = run(&SecretInServiceEnv, &snap);
        assert_eq!(
            objects(&f),
            [
                "service api / Spec.TaskTemplate.ContainerSpec.Env[1]",
                "service api / Spec.TaskTemplate.ContainerSpec.Env[2]"
            ]
        );
        for x in &f {
            let text = format!("{} {:?}", x.message, x.evidence);
            assert!(!text.contains("Rq7vT2mK9xLp4Wz8"), "{text}");
            assert!(!text.contains("AKIAZ3MNQ7R4TXW5P2LB"), "{text}");
        }
        assert!(f[1].message.contains("AWS"), "{}", f[1].message);
        assert!(run(&SecretInServiceEnv, &fixture("swarm-good.json")).is_empty());
    }
}
