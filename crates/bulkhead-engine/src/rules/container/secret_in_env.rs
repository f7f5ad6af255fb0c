use super::support::{config, image_config};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};
use bulkhead_dockerfile::secrets::{find_in_assignment, is_placeholder, is_sensitive_name};

declare_rule! {
    /// ## What it does
    /// Scans the container's environment (`Config.Env`) for credentials, as IM002 does for images: a value
    /// holding a known token format (found by the secret engine), or a variable whose name says it holds a
    /// secret (`DB_PASSWORD`, `API_KEY`, ...) with a literal value. Placeholders, references and paths to
    /// secret files are not findings. A variable that comes unchanged from the image's configuration is
    /// reported too, and the message says so. Values are shown redacted only.
    ///
    /// ## Why it matters
    /// Anyone with access to the engine reads the environment with `docker inspect`; inside the container
    /// it is in `/proc/1/environ` and inherited by every child process and crash report (CIS Docker
    /// Benchmark 4.10 spirit; Dockle CIS-DI-0010).
    ///
    /// ## Example
    /// ```text
    /// $ docker run -d -e DB_PASSWORD=Xk9mQ2vL8pR4tW7 app:1
    /// ```
    ///
    /// ## Fix
    /// Rotate the credential; pass it as a file
    /// (`--mount type=bind,src=./db_password,dst=/run/secrets/db_password,ro`) or a Swarm/compose secret
    /// (compose `secrets:`), and point the application at the file
    /// (`DB_PASSWORD_FILE=/run/secrets/db_password`).
    pub struct SecretInEnv {
        id: "CT028", name: "container-secret-in-env", title: "Secret in the container environment",
        severity: Critical, category: Security, aliases: ["CIS-4.10", "CIS-DI-0010", "DS-0031"],
        compliance: ["CIS-Docker-4.10", "PCI-DSS-3.5", "PCI-DSS-8.3.2", "HIPAA-164.312(a)(1)", "SOC2-CC6.1"],
        remediation: "Rotate the credential and pass it as a secret file (compose `secrets`, `*_FILE` variables), not `-e`.",
        min_profile: Dev, fixable: false,
    }
}

impl EngineRule for SecretInEnv {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let image_env = image_config(ctx.snapshot, c)
                .and_then(|i| i.env.clone())
                .unwrap_or_default();
            let env = config(c).and_then(|x| x.env.clone()).unwrap_or_default();
            for (i, entry) in env.iter().enumerate() {
                let Some((name, value)) = entry.split_once('=') else {
                    continue;
                };
                let origin = if image_env.contains(entry) {
                    " (set by the image)"
                } else {
                    ""
                };
                let field = format!("Config.Env[{i}]");
                let (what, evidence) = if let Some(hit) = find_in_assignment(Some(name), value) {
                    let secret = value.get(hit.range.clone()).unwrap_or(value);
                    (
                        format!("`{name}` holds a secret: {} ({})", hit.kind, hit.rule_id),
                        Evidence::redacted(&format!("{name}="), secret),
                    )
                } else if is_sensitive_name(name) && !value.is_empty() && !is_placeholder(value) {
                    (
                        format!("the credential `{name}` is set to a literal value"),
                        Evidence::redacted(&format!("{name}="), value),
                    )
                } else {
                    continue;
                };
                out.push(
                    ctx.container_finding(&Self::META, c, &field, format!("{what}{origin}"))
                        .with_evidence(evidence),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn credentials_redacted_and_image_origin_named() {
        assert_eq!(reported(&SecretInEnv), ["ct-secret-env"]);
        let f = run_named(&SecretInEnv, "ct-secret-env");
        assert_eq!(f.len(), 1, "{f:#?}");
        let e = f[0].evidence.as_ref().map(|e| e.as_str()).unwrap_or("");
        assert!(
            !e.contains("Xk9mQ2vL8pR4tW7") && e.starts_with("DB_PASSWORD=Xk**"),
            "{e}"
        );
        assert!(
            !f[0].message.contains("Xk9mQ2vL8pR4tW7"),
            "{}",
            f[0].message
        );
        let token = "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5";
        let c = variant("ct-defaults", "tok", |v| {
            let env = &mut v["inspect"]["Config"]["Env"];
            if let Some(a) = env.as_array_mut() {
                a.push(serde_json::json!(format!("CI_NOTE=use {token}")));
                a.push(serde_json::json!("DB_PASSWORD_FILE=/run/secrets/db"));
                a.push(serde_json::json!("API_KEY=${API_KEY}"));
            }
        });
        let mut snap = snapshot_with(vec![c]);
        for i in snap.images.values_mut() {
            if let Some(cfg) = i.config.as_mut() {
                cfg.env = Some(vec![format!("CI_NOTE=use {token}")]);
            }
        }
        let f = run(&SecretInEnv, &snap);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message.ends_with("(set by the image)"),
            "{}",
            f[0].message
        );
        assert!(
            !f[0]
                .evidence
                .as_ref()
                .map(|e| e.as_str())
                .unwrap_or("")
                .contains(token)
        );
    }
}
