//! The hardened way to run a container or an image: the exact `docker run` argv and the equivalent compose
//! service, built from what the audit knows (inspect data), following defence in depth: a non-root user,
//! every capability dropped (harmless ones the container had added come back), a read-only root filesystem
//! with tmpfs where the app writes, `no-new-privileges`, resource limits, published ports on the loopback
//! interface, no host namespaces, no engine socket or sensitive host mount, a capped restart policy, and
//! credentials passed from the caller's environment, never written in the plan.
//!
//! [`for_container`] compares with how the container runs now; [`for_image`] with a plain
//! `docker run IMAGE`. Each difference is a [`HardenChange`] tied to the `CT` rule it addresses.

mod build;
mod extras;
mod render;
#[cfg(test)]
mod tests;

use crate::snapshot::Container;
use bollard::models::ImageInspect;
use serde::Serialize;

/// One difference between how the thing runs now and the hardened plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HardenChange {
    /// The container rule addressed (`CT004`), when one applies.
    pub rule: Option<String>,
    /// What changes, in words (`capability SYS_ADMIN removed`).
    pub what: String,
    /// The flag of the plan that makes the change (`--cap-drop ALL`), empty when it is an omission.
    pub flag: String,
}

/// The hardened `docker run` and compose service for one container or image.
#[derive(Debug, Clone, Serialize)]
pub struct HardenPlan {
    /// `container web` or `image nginx:1.27`.
    pub subject: String,
    /// The image reference run.
    pub image: String,
    /// The argv after `docker run`, ending with the image and the command, if any.
    pub run_args: Vec<String>,
    /// One line, POSIX-shell quoted: `docker run --detach --name web ...`.
    pub docker_run: String,
    /// The equivalent compose file (one service, plus the external networks and volumes it uses), as YAML.
    pub compose_service: String,
    /// What differs from how it runs now, each tied to the rule it addresses.
    pub changes: Vec<HardenChange>,
    /// Defaults to tune, decisions left to the user, warnings.
    pub notes: Vec<String>,
}

/// The hardened plan for a container, compared with how it runs now. `image` is the inspect data of the
/// image it runs, when known: what the image already sets (environment, labels, command) is not repeated,
/// and its `Config.User` is the fallback user.
pub fn for_container(c: &Container, image: Option<&ImageInspect>) -> HardenPlan {
    let spec = build::from_container(c, image);
    finish(format!("container {}", c.name()), spec)
}

/// The hardened plan for running an image (`reference` as the user names it), compared with a plain
/// `docker run REFERENCE`.
pub fn for_image(reference: &str, image: &ImageInspect) -> HardenPlan {
    let spec = build::from_image(reference, image);
    finish(format!("image {reference}"), spec)
}

fn finish(subject: String, spec: build::Spec) -> HardenPlan {
    let run_args = render::run_args(&spec);
    let docker_run = render::shell_line("docker", "run", &run_args);
    let compose_service = render::compose(&spec);
    HardenPlan {
        subject,
        image: spec.image.clone(),
        run_args,
        docker_run,
        compose_service,
        changes: spec.changes,
        notes: spec.notes,
    }
}

pub use build::is_secret_env;
pub use render::shell_quote;
