use super::{ImageCheckContext, ImageRule, LowConfidence, Visibility, leftovers};
use crate::secrets::SecretHit;
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Reports the secrets the secret engine found in the files of **any** layer: API tokens, private
    /// keys, passwords in configuration files, URLs with credentials, ... (the `SC` detectors). Each
    /// finding names the file, the line, the detector, the layer that added the file with the instruction
    /// that made it (`COPY . /app`), and whether the file is still in the final filesystem or was deleted
    /// or replaced by a later layer, whose bytes still ship.
    ///
    /// A secret repeated unchanged in several layers (a `chown -R` copies every file into a new layer) is
    /// reported once, naming every layer. Hits in test fixtures, third-party code, documentation
    /// examples and files the distribution's packages install (`test/`, `node_modules/`,
    /// `site-packages/`, `/usr/lib`, `/usr/share`, the Go toolchain's sources) are mostly fake keys of
    /// test suites: they are summarized in one low-severity finding per package tree
    /// (`/usr/lib/google-cloud-sdk`, `/app/node_modules/jsonwebtoken`) instead of one per file. SSH host keys and GnuPG private keys are left to IM012, and the account
    /// files (`/etc/shadow`) to IM008.
    ///
    /// ## Why it matters
    /// A layer is an immutable tar: `RUN rm secret.txt` adds a whiteout in a new layer, and anyone who
    /// pulls the image can extract the file from the layer that added it. A secret in an image is
    /// published to every registry, mirror and host that stores it.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY . /app                      # ships config/prod.yaml with a Stripe live key
    /// RUN rm /app/config/prod.yaml     # hides it from containers, not from `docker save`
    /// ```
    ///
    /// ## Fix
    /// Rotate the secret first (assume it is copied). Then keep it out of the build context
    /// (`.dockerignore`), use a BuildKit secret mount for what the build needs
    /// (`RUN --mount=type=secret,id=...`), give the running container its secrets at run time, and rebuild
    /// and re-push every tag that contained the layer.
    pub struct SecretInLayer {
        id: "IM011", name: "secret-in-layer", title: "Secret in an image layer", severity: Critical,
        category: Security, aliases: ["CIS-4.10", "CIS-DI-0010"],
        compliance: ["CIS-Docker-4.10", "PCI-DSS-3.5", "PCI-DSS-8.3.2", "HIPAA-164.312(a)(1)", "SOC2-CC6.1"],
        remediation: "Rotate the secret, remove it from the build context and rebuild; use BuildKit secret mounts during the build and runtime secrets in containers.",
        min_profile: Dev, fixable: false,
    }
}

/// Files other rules own: the account databases (IM008/IM009).
fn owned_elsewhere(path: &str) -> bool {
    matches!(
        path,
        "/etc/shadow" | "/etc/gshadow" | "/etc/passwd" | "/etc/group"
    ) || leftovers::owns(path)
}

impl ImageRule for SecretInLayer {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ImageCheckContext, out: &mut Vec<Finding>) {
        // (path, line, column, detector, redacted) -> (hit, layers)
        type Key<'k> = (&'k str, usize, usize, &'static str, &'k str);
        let mut groups: BTreeMap<Key, (&SecretHit, Vec<usize>)> = BTreeMap::new();
        for v in ctx.secrets {
            if owned_elsewhere(&v.path) {
                continue;
            }
            for hit in &v.output {
                let key = (
                    v.path.as_str(),
                    hit.line,
                    hit.column,
                    hit.rule_id,
                    hit.redacted.as_str(),
                );
                let entry = groups.entry(key).or_insert((hit, Vec::new()));
                if !entry.1.contains(&v.layer) {
                    entry.1.push(v.layer);
                }
            }
        }
        let mut low = LowConfidence::default();
        for ((path, line, _, _, redacted), (hit, mut layers)) in groups {
            layers.sort_unstable();
            let Some(&first) = layers.first() else {
                continue;
            };
            let evidence = Evidence::from_redacted(&format!("{path}:{line}: "), redacted);
            if hit.low_confidence {
                low.add(path, first, hit.title, evidence);
                continue;
            }
            let visible = layers
                .iter()
                .find(|l| ctx.visibility(**l, path) == Visibility::Visible);
            let state = match visible {
                Some(_) => ctx.visibility_text(Visibility::Visible),
                None => ctx.visibility_text(ctx.visibility(first, path)),
            };
            let mut message = format!(
                "{} ({}) in `{path}` line {line}, added by {}; {state}",
                hit.title,
                hit.rule_id,
                ctx.layer_short(first)
            );
            if layers.len() > 1 {
                let others: Vec<String> =
                    layers.iter().skip(1).map(|l| ctx.layer_short(*l)).collect();
                message.push_str(&format!(" (also in {})", others.join(", ")));
            }
            out.push(
                ctx.file_finding(&Self::META, message, path, first)
                    .with_severity(hit.severity)
                    .with_evidence(evidence),
            );
        }
        out.extend(low.findings(ctx, &Self::META, "secret"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{objects, run};
    use crate::testkit::ImageBuilder;
    use bulkhead_core::Severity;

    const STRIPE: &str = "sk_live_4eC39HqLyjWDarjtT1zdp7dcXk9mQ2vL";
    const PAT: &str = "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5";

    #[test]
    fn secrets_in_visible_deleted_and_repeated_files() {
        let prod = format!("payments:\n  key: {STRIPE}\n");
        let script = format!("#!/bin/sh\ngit clone https://x:{PAT}@github.com/acme/app\n");
        let b = ImageBuilder::new("app:1")
            .layer("COPY . /app # buildkit")
            .file("/app/config/prod.yaml", 0o644, prod.as_bytes())
            .file("/app/fetch.sh", 0o755, script.as_bytes())
            .layer("RUN /bin/sh -c rm /app/config/prod.yaml # buildkit")
            .delete("/app/config/prod.yaml")
            .layer("RUN /bin/sh -c chown -R app /app # buildkit")
            .owner(1000, 1000)
            .file("/app/fetch.sh", 0o755, script.as_bytes());
        let f = run(&SecretInLayer, b);
        assert_eq!(f.len(), 2, "{f:#?}");
        let o = objects(&f);
        assert!(
            o[0].starts_with("/app/config/prod.yaml (layer 1 sha256:"),
            "{}",
            o[0]
        );
        assert!(o[0].contains("created by `COPY . /app`"), "{}", o[0]);
        assert!(
            f[0].message.contains("deleted by layer 2"),
            "{}",
            f[0].message
        );
        assert!(
            f[1].message.contains("still in the final filesystem"),
            "{}",
            f[1].message
        );
        assert!(
            f[1].message.contains("(also in layer 3 "),
            "{}",
            f[1].message
        );
        for x in &f {
            let shown = format!("{x:?}");
            assert!(
                !shown.contains("4eC39HqLyjWD") && !shown.contains("aB3dE5fG7h"),
                "{shown}"
            );
        }
        assert_eq!(
            f[0].evidence
                .as_ref()
                .map(|e| e.as_str().starts_with("/app/config/prod.yaml:2: sk_l")),
            Some(true),
            "{:?}",
            f[0].evidence
        );
    }

    #[test]
    fn fixtures_lowered_and_owned_files_skipped() {
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACBNsxqlyd3wjzj4mITbeiGXxZcJLdGhsvJc0wJe2qvzGAAAAJi6A8j5ugPI\n-----END OPENSSH PRIVATE KEY-----\n";
        let b = ImageBuilder::new("app:1")
            .file("/etc/ssh/ssh_host_ed25519_key", 0o600, key.as_bytes())
            .file(
                &format!("/usr/lib/node_modules/npm/test/fixtures/{}", "token.txt"),
                0o644,
                format!("token={PAT}\n").as_bytes(),
            );
        let f = run(&SecretInLayer, b);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message
                .contains("1 secret in 1 file under `/usr/lib/node_modules`,"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].severity, Severity::Low);
        assert!(
            run(
                &SecretInLayer,
                ImageBuilder::new("clean").file("/app/a.txt", 0o644, b"hello")
            )
            .is_empty()
        );
    }
}
