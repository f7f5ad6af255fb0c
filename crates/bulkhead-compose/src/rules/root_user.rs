use super::support::{Service, finding, services};
use super::{ComposeCheckContext, ComposeRule};
use crate::node::Node;
use bulkhead_core::hardening::user_is_root;
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};
use bulkhead_dockerfile::model::{ImageRef, Model};
use std::path::Path;

declare_rule! {
    /// ## What it does
    /// Flags a service that runs as root: `user` set to `root` or `0` (with any group), or `user` unset
    /// (or empty).
    /// When `user` is unset and the service has a `build`, the Dockerfile decides (`build.context` +
    /// `build.dockerfile`, or `dockerfile_inline`, relative to the project directory; `build.target`
    /// picks the stage): a non-root `USER` in effect in that stage is not a finding, no `USER` or a root one
    /// is. With only an `image`, the image decides and compose cannot tell: reported at low (info for
    /// images documented to run as non-root: `:nonroot` tags, Chainguard, Bitnami).
    ///
    /// ## Why it matters
    /// Root in a container is root on the host's kernel with a reduced capability set: every kernel or
    /// runtime bug, mounted path or added capability becomes a host compromise (CIS Docker Benchmark 4.1).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: node:22
    ///     user: root
    /// ```
    ///
    /// ## Fix
    /// `user: "1000:1000"` on the service, or a `USER` instruction in the Dockerfile's final stage.
    pub struct RootUser {
        id: "CP008", name: "compose-runs-as-root", title: "Service runs as root",
        severity: Medium, category: Security, aliases: ["CIS-4.1", "DS-0002", "CIS-DI-0001"],
        compliance: ["CIS-Docker-4.1", "PCI-DSS-2.2.1", "PCI-DSS-7.2.1", "SOC2-CC6.1"],
        remediation: "Set `user: \"1000:1000\"` (or a `USER` in the Dockerfile's final stage).",
        min_profile: Staging, fixable: false,
    }
}

/// What the build's Dockerfile says about the user.
enum BuildUser {
    /// The `USER` in effect in the built stage, as written and expanded.
    User(String),
    /// No `USER` in the built stage (its base image decides, root by default).
    Unset(String),
    /// The Dockerfile could not be read: why.
    Unknown(String),
}

fn build_user(project_dir: &Path, build: &Node) -> BuildUser {
    let text_of = |k: &str| build.get(k).and_then(Node::scalar_text);
    let (label, text) = match super::support::build_dockerfile(build) {
        super::support::BuildDockerfile::Inline(inline) => {
            ("dockerfile_inline".to_string(), inline)
        }
        super::support::BuildDockerfile::Remote(context) => {
            return BuildUser::Unknown(format!("the build context `{context}` is remote"));
        }
        // As written (relative to the project directory), for messages.
        super::support::BuildDockerfile::File(shown) => {
            match bulkhead_core::fs::read_capped(&project_dir.join(&shown), 8 << 20) {
                Ok(bytes) => (
                    format!("`{}`", shown.display()),
                    String::from_utf8_lossy(&bytes).into_owned(),
                ),
                Err(e) => {
                    return BuildUser::Unknown(format!(
                        "the Dockerfile `{}` could not be read ({e})",
                        shown.display()
                    ));
                }
            }
        }
    };
    let df = bulkhead_dockerfile::parse(&text);
    let model = Model::build(&df);
    let target = text_of("target").map(|t| t.to_ascii_lowercase());
    let stage = match &target {
        Some(t) => model
            .stages
            .iter()
            .find(|s| s.name.as_deref() == Some(t.as_str())),
        None => model.final_stage(),
    };
    let Some(stage) = stage else {
        return BuildUser::Unknown(format!("{label} has no stage to build"));
    };
    match model.effective_user(&df, stage.index) {
        Some((i, ins)) => {
            let raw = ins.words().first().map(|w| w.0.clone()).unwrap_or_default();
            BuildUser::User(model.expand_at(&df, i, &raw))
        }
        None => BuildUser::Unset(format!(
            "{label} sets no USER (base `{}`)",
            model.root_base(stage.index)
        )),
    }
}

/// Images documented to run as a non-root user by default.
fn image_runs_unprivileged(image: &str) -> bool {
    let Some(r) = ImageRef::parse(image) else {
        return false;
    };
    let tag = r.tag.as_deref().unwrap_or("");
    tag == "nonroot"
        || tag.ends_with("-nonroot")
        || tag.starts_with("nonroot-")
        || r.registry.as_deref() == Some("cgr.dev")
        || r.repository.starts_with("bitnami/")
}

impl RootUser {
    fn unset(&self, ctx: &ComposeCheckContext, svc: &Service) -> Option<Finding> {
        let name = svc.name;
        let (msg, sev) = if let Some(build) = svc.get("build") {
            match build_user(&ctx.project.dir, build) {
                BuildUser::User(u) if !user_is_root(&u) => return None,
                BuildUser::User(u) => (
                    format!(
                        "service `{name}` sets no `user` and its Dockerfile's `USER {u}` is root"
                    ),
                    Self::META.severity,
                ),
                BuildUser::Unset(why) => (
                    format!("service `{name}` sets no `user` and {why}: it runs as root"),
                    Self::META.severity,
                ),
                BuildUser::Unknown(why) => (
                    format!("service `{name}` sets no `user` and {why}: the image decides"),
                    Severity::Low,
                ),
            }
        } else {
            let image = svc
                .get("image")
                .and_then(Node::scalar_text)
                .unwrap_or_default();
            let (sev, why) = if image_runs_unprivileged(&image) {
                (Severity::Info, "documented to run as non-root")
            } else {
                (Severity::Low, "root unless it sets USER")
            };
            (
                format!(
                    "service `{name}` sets no `user`: unset, the image `{image}` decides ({why})"
                ),
                sev,
            )
        };
        Some(
            finding(ctx, &Self::META, svc, &svc.key, msg)
                .with_severity(sev)
                .with_evidence(Evidence::plain("user: (unset)")),
        )
    }
}

impl ComposeRule for RootUser {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        for svc in services(ctx) {
            match svc.get("user") {
                Some(v) if v.scalar_text().is_some_and(|u| !u.trim().is_empty()) => {
                    let u = v.scalar_text().unwrap_or_default();
                    if user_is_root(&u) {
                        out.push(
                            finding(
                                ctx,
                                &Self::META,
                                &svc,
                                v,
                                format!("service `{}` runs as `user: {u}`", svc.name),
                            )
                            .with_evidence(Evidence::plain(format!("user: {u}"))),
                        );
                    }
                }
                _ => out.extend(self.unset(ctx, &svc)),
            }
        }
    }
}
