use super::support::config;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};

/// How a container names its image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRef {
    /// `name@sha256:...` or an image id: immutable.
    Pinned,
    /// `name` or `name:latest`.
    Latest,
    /// `name:1.25`.
    Tag(String),
}

/// Classifies a `Config.Image` value.
pub fn classify(image: &str) -> ImageRef {
    let image = image.trim();
    let hex = |s: &str| s.len() >= 12 && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if image.contains('@') || image.strip_prefix("sha256:").is_some_and(hex) || hex(image) {
        return ImageRef::Pinned;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) if tag != "latest" && !tag.is_empty() => ImageRef::Tag(tag.to_string()),
        _ => ImageRef::Latest,
    }
}

declare_rule! {
    /// ## What it does
    /// Flags a container created from a mutable image reference (`Config.Image` without an
    /// `@sha256:` digest): low for `latest` or no tag, info for any other tag. A digest or an image id is
    /// not reported.
    ///
    /// ## Why it matters
    /// A tag can be moved: the next `docker run`, restart on another host or rollback starts a different
    /// image than the one reviewed and scanned, and the audit trail cannot say which (CIS Docker Benchmark
    /// 4.2, trusted images; Trivy DS-0001, Dockle DKL-DI-0006).
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{.Config.Image}}' web
    /// nginx:latest
    /// ```
    ///
    /// ## Fix
    /// Run by digest: `docker run nginx:1.27@sha256:<digest>` (compose `image: nginx:1.27@sha256:<digest>`);
    /// `docker inspect -f '{{index .RepoDigests 0}}' nginx:1.27` prints it.
    pub struct MutableImageTag {
        id: "CT029", name: "container-mutable-image-tag", title: "Container image referenced by a mutable tag",
        severity: Low, category: Security, aliases: ["CIS-4.2", "DS-0001", "DKL-DI-0006", "DL3007"],
        compliance: ["CIS-Docker-4.2", "SOC2-CC8.1"],
        remediation: "Reference the image by digest: `IMAGE:TAG@sha256:<digest>` (compose `image`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for MutableImageTag {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let Some(image) = config(c).and_then(|x| x.image.clone()) else {
                continue;
            };
            let (msg, sev) = match classify(&image) {
                ImageRef::Pinned => continue,
                ImageRef::Latest => (
                    format!(
                        "Config.Image is `{image}`: the `latest` tag, which moves with every push"
                    ),
                    Severity::Low,
                ),
                ImageRef::Tag(t) => (
                    format!("Config.Image is `{image}`: tag `{t}` without a digest can be moved"),
                    Severity::Info,
                ),
            };
            out.push(
                ctx.container_finding(&Self::META, c, "Config.Image", msg)
                    .with_severity(sev)
                    .with_evidence(Evidence::plain(format!("Config.Image: {image}"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn tags_digests_ids() {
        assert_eq!(reported(&MutableImageTag).len(), fixture().containers.len());
        assert_eq!(
            run_named(&MutableImageTag, "ct-hardened")[0].severity,
            Severity::Low
        );
        assert_eq!(classify("nginx"), ImageRef::Latest);
        assert_eq!(classify("localhost:5000/app"), ImageRef::Latest);
        assert_eq!(
            classify("localhost:5000/app:2.1"),
            ImageRef::Tag("2.1".into())
        );
        assert_eq!(
            classify("nginx:1.27@sha256:0123456789abcdef"),
            ImageRef::Pinned
        );
        assert_eq!(classify("sha256:774d0d971788"), ImageRef::Pinned);
        assert_eq!(classify("774d0d971788"), ImageRef::Pinned);
        let tagged = variant("ct-defaults", "t", |v| {
            v["inspect"]["Config"]["Image"] = serde_json::json!("bulkhead-test/busybox:1.36");
        });
        assert_eq!(run_on(&MutableImageTag, tagged)[0].severity, Severity::Info);
    }
}
