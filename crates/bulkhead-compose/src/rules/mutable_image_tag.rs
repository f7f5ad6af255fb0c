use super::support::{finding, services};
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

/// Whether an image reference floats: no digest, and the tag is `latest` or missing. References still
/// holding an interpolation (`${TAG}`) are left alone.
pub fn is_latest(image: &str) -> bool {
    let image = image.trim();
    if image.is_empty() || image.contains('@') || image.contains('$') {
        return false;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) => tag.is_empty() || tag.eq_ignore_ascii_case("latest"),
        None => true,
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a service whose `image` has the `latest` tag or no tag (which means `latest`), without a
    /// digest. Services with a `build` are skipped: there `image` names the image built.
    ///
    /// ## Why it matters
    /// `latest` moves with every push: the next `docker compose pull`, a restart on another host or a
    /// rollback starts a different image than the one reviewed and scanned (CIS Docker Benchmark 4.2;
    /// Trivy DS-0001; KICS "Image Version Using 'latest'").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   proxy:
    ///     image: nginx
    /// ```
    ///
    /// ## Fix
    /// Pin the version and the digest: `image: nginx:1.27@sha256:<digest>`.
    pub struct MutableImageTag {
        id: "CP022", name: "compose-image-latest", title: "Service image is `latest` or untagged",
        severity: Low, category: Security, aliases: ["CIS-4.2", "DS-0001", "DKL-DI-0006", "DL3007"],
        compliance: ["CIS-Docker-4.2", "SOC2-CC8.1"],
        remediation: "Pin `image` to a version and digest: `NAME:TAG@sha256:<digest>`.",
        min_profile: Staging, fixable: false,
    }
}

impl ComposeRule for MutableImageTag {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        for svc in services(ctx) {
            if svc.get("build").is_some() {
                continue;
            }
            let Some(node) = svc.get("image") else {
                continue;
            };
            let Some(image) = node.scalar_text() else {
                continue;
            };
            if !is_latest(&image) {
                continue;
            }
            out.push(
                finding(
                    ctx,
                    &Self::META,
                    &svc,
                    node,
                    format!("service `{}` uses `image: {image}`: the `latest` tag, which moves with every push", svc.name),
                )
                .with_evidence(Evidence::plain(format!("image: {image}"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_latest;

    #[test]
    fn latest_or_untagged() {
        for i in [
            "nginx",
            "nginx:latest",
            "registry:5000/team/app",
            "ghcr.io/a/b:LATEST",
        ] {
            assert!(is_latest(i), "{i}");
        }
        for i in [
            "nginx:1.27",
            "nginx@sha256:abcd",
            "registry:5000/app:2",
            "app:${TAG}",
        ] {
            assert!(!is_latest(i), "{i}");
        }
    }
}
