use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use crate::sensitive;
use bulkhead_core::{Finding, RuleMeta, declare_rule};

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
            let in_final = ctx.model.in_final_lineage(i);
            for (src, range) in &words[..words.len() - 1] {
                let clean = src.trim_start_matches("./").trim_end_matches('/');
                let kind = sensitive::classify(clean).or_else(|| sensitive::classify_dir(clean));
                let Some(kind) = kind else { continue };
                // Registry configuration whose credentials are all references (`_authToken=${NPM_TOKEN}`)
                // holds no secret: the pattern npm documents for CI. The secret engine (its `.npmrc` and
                // `.pypirc` detectors, on the cached scan of the context file) decides.
                if matches!(kind.id(), "npmrc" | "pypirc")
                    && ins.flag("from").is_none()
                    && let Some(bc) = ctx.context
                    && let Some(file) = bc.file(clean)
                    && bc
                        .secrets_of(file)
                        .is_some_and(|o| o.skipped.is_none() && o.matches.is_empty())
                {
                    continue;
                }
                let sev = if in_final {
                    kind.severity
                } else {
                    kind.severity.lowered()
                };
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
