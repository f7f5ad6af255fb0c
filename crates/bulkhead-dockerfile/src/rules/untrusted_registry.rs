use super::{CheckContext, DockerfileRule};
use crate::model::ImageRef;
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// When `[check] trusted-registries` is set in `bulkhead.toml`, flags every base image that does not come
    /// from one of them. Entries are registries (`registry.example.com`, `docker.io`) or registry/namespace
    /// prefixes (`ghcr.io/acme`, `docker.io/library` for Docker official images). Without the setting the rule
    /// is silent.
    ///
    /// ## Why it matters
    /// CIS Docker Benchmark 4.2: containers should be built only from trusted base images. A base image from
    /// an arbitrary namespace is code from an unknown publisher running in your build and in production.
    ///
    /// ## Example
    /// With `trusted-registries = ["registry.example.com"]`:
    /// ```dockerfile
    /// FROM randomuser/python-tools:1.0
    /// ```
    ///
    /// ## Fix
    /// Mirror the image into a trusted registry after review, or use an image already there.
    pub struct UntrustedRegistry {
        id: "DF011", name: "untrusted-registry", title: "Base image from an untrusted registry", severity: High,
        category: Security, aliases: ["CIS-4.2"], compliance: ["CIS-Docker-4.2", "PCI-DSS-6.3.2", "SOC2-CC8.1"],
        remediation: "Build from an image in one of the trusted registries listed in bulkhead.toml.",
        min_profile: Dev, fixable: false,
    }
}

/// `docker.io/library/node` for `node`, `ghcr.io/acme/app` for `ghcr.io/acme/app:1`.
pub(crate) fn canonical_name(r: &ImageRef) -> String {
    let reg = r.registry_or_hub();
    let repo = if reg == "docker.io" && !r.repository.contains('/') {
        format!("library/{}", r.repository)
    } else {
        r.repository.clone()
    };
    format!("{reg}/{repo}")
}

pub(crate) fn is_trusted(r: &ImageRef, trusted: &[String]) -> bool {
    let name = canonical_name(r).to_ascii_lowercase();
    trusted.iter().any(|t| {
        let t = t.trim().trim_end_matches('/').to_ascii_lowercase();
        let t = if t == "index.docker.io" || t == "registry-1.docker.io" {
            "docker.io".to_string()
        } else {
            t
        };
        name == t || name.starts_with(&format!("{t}/"))
    })
}

impl DockerfileRule for UntrustedRegistry {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        if ctx.options.trusted_registries.is_empty() {
            return;
        }
        for b in ctx.external_bases() {
            if is_trusted(&b.image, &ctx.options.trusted_registries) {
                continue;
            }
            out.push(
                ctx.finding(
                    &Self::META,
                    format!(
                        "`{}` ({}) is not in the trusted registries ({})",
                        b.base,
                        canonical_name(&b.image),
                        ctx.options.trusted_registries.join(", ")
                    ),
                    &b.range,
                )
                .with_evidence(crate::rules::evidence(ctx.instruction_head(b.from))),
            );
        }
    }
}
