use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use crate::secrets::{is_placeholder, is_sensitive_name};
use crate::sensitive;
use bulkhead_core::{Finding, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags `COPY`/`ADD` instructions whose source names a secret file: private keys (`id_rsa`, `*.key`,
    /// `*.pem` keys), `.env` files, `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, cloud credentials
    /// (`credentials.json`, `.aws/credentials`, kubeconfig), keystores (`*.p12`, `*.pfx`, `*.jks`),
    /// `.docker/config.json`, Terraform state, and the like.
    ///
    /// ## Why it matters
    /// A file copied into a layer stays in the image forever, even if a later `RUN rm` deletes it: anyone who
    /// can pull the image can extract the layer.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY .npmrc /root/.npmrc
    /// RUN npm ci && rm /root/.npmrc
    /// ```
    ///
    /// ## Fix
    /// Mount the file only for the step that needs it: `RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`,
    /// and build with `docker build --secret id=npmrc,src=$HOME/.npmrc .`. Runtime secrets belong in
    /// `/run/secrets` (Swarm/compose secrets), not in the image.
    pub struct SecretFileCopied {
        id: "DF004", name: "secret-file-copied", title: "Secret file copied into the image", severity: High,
        category: Security, aliases: ["DS-0031", "CIS-4.10", "CIS-DI-0010"],
        compliance: ["CIS-Docker-4.10", "PCI-DSS-3.5", "SOC2-CC6.1"],
        remediation: "Use `RUN --mount=type=secret` for build-time secrets and runtime secrets for the rest; never COPY them.",
        min_profile: Dev, fixable: false,
    }
}

impl DockerfileRule for SecretFileCopied {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        let final_lineage = ctx
            .model
            .final_stage()
            .map(|s| ctx.model.lineage(s.index))
            .unwrap_or_default();
        for (i, ins) in ctx.df.instructions.iter().enumerate() {
            if !matches!(ins.kind, InstructionKind::Copy | InstructionKind::Add)
                || !ins.heredocs.is_empty()
            {
                continue;
            }
            let words = ins.words();
            if words.len() < 2 {
                continue;
            }
            let in_final = ctx
                .model
                .stage_of(i)
                .is_some_and(|s| final_lineage.contains(&s.index));
            for (src, range) in &words[..words.len() - 1] {
                let clean = src.trim_start_matches("./").trim_end_matches('/');
                let kind = sensitive::classify(clean).or_else(|| sensitive::classify_dir(clean));
                let Some(kind) = kind else { continue };
                // Configuration files whose credentials are all references (`_authToken=${NPM_TOKEN}`)
                // hold no secret: the pattern npm documents for CI. Checked only when the file is readable.
                if matches!(
                    kind.id(),
                    "npmrc" | "pypirc" | "netrc" | "dotenv" | "pgpass"
                ) && ins.flag("from").is_none()
                    && let Some(bc) = ctx.context
                    && let Ok(text) = read_small(&bc.root().join(clean))
                    && !has_literal_credential(&text)
                {
                    continue;
                }
                let sev = if in_final {
                    kind.severity
                } else {
                    kind.severity.lowered()
                };
                let _ = Severity::High;
                let stage_note = if in_final {
                    ""
                } else {
                    " (in a build stage that is not part of the final image, but still in the build cache)"
                };
                out.push(
                    ctx.finding(
                        &Self::META,
                        format!("`{src}` is {}{stage_note}", kind.description()),
                        range,
                    )
                    .with_severity(sev)
                    .with_evidence(crate::rules::evidence(ctx.instruction_head(ins))),
                );
            }
        }
    }
}

fn read_small(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(path)?
        .take(64 * 1024)
        .read_to_end(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Whether a `key=value` / `key: value` / netrc-style file sets a credential to a literal value.
fn has_literal_credential(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            return false;
        }
        // netrc: `machine h login u password p`
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(i) = words.iter().position(|w| *w == "password") {
            return words.get(i + 1).is_some_and(|v| !is_placeholder(v));
        }
        let Some((key, value)) = line.split_once('=').or_else(|| line.split_once(':')) else {
            return false;
        };
        let key = key.trim().trim_start_matches("export ").trim();
        let value = value.trim();
        let credential_key = is_sensitive_name(
            key.rsplit(':')
                .next()
                .unwrap_or(key)
                .trim_start_matches('_'),
        ) || key.ends_with("_authToken")
            || key.ends_with("_auth")
            || key.ends_with("_password");
        credential_key && !is_placeholder(value)
    })
}
