//! Environment (credentials passed by name), labels, working directory, entrypoint and command, and what
//! the plan leaves to the user.

use super::*;

/// What the plan cannot decide: a health check (CT023) and pinning the image by digest (CT029).
pub(super) fn loose_ends(
    s: &mut Spec,
    health: Option<&bollard::models::HealthConfig>,
    img: Option<&ImageConfig>,
) {
    let has = |h: Option<&bollard::models::HealthConfig>| {
        h.and_then(|h| h.test.as_ref())
            .and_then(|t| t.first())
            .is_some_and(|t| t != "NONE")
    };
    if !has(health) && !has(img.and_then(|i| i.healthcheck.as_ref())) {
        s.note(
            "no health check (CT023): add one the app supports, e.g. --health-cmd 'wget -q --spider \
             http://127.0.0.1:PORT/health || exit 1' (compose `healthcheck:`)",
        );
    }
    if !s.image.contains("@sha256:") {
        s.note(format!(
            "the image is referenced by tag (CT029): pin it by digest ({}@sha256:...) so the plan always \
             runs the image it was checked against",
            s.image
        ));
    }
}

/// Whether an environment entry holds a credential: a credential-like name, or a value the secret engine
/// recognises.
pub fn is_secret_env(name: &str, value: &str) -> bool {
    (is_sensitive_name(name) && !value.is_empty())
        || find_in_assignment(Some(name), value).is_some()
}

pub(super) fn env(s: &mut Spec, entries: &[String], img: Option<&ImageConfig>) {
    let image_env = img.and_then(|i| i.env.clone()).unwrap_or_default();
    let mut passed = Vec::new();
    for entry in entries {
        let (name, value) = entry.split_once('=').unwrap_or((entry.as_str(), ""));
        if name.is_empty() {
            continue;
        }
        let from_image = image_env.contains(entry);
        if is_secret_env(name, value) {
            s.env.push(EnvSpec::Pass(name.to_string()));
            passed.push(name.to_string());
            if from_image {
                s.note(format!(
                    "WARNING: the image itself sets the credential {name}: every user of the image can read it; \
                     rebuild without it and rotate it"
                ));
            } else {
                s.change(
                    "CT028",
                    format!("credential {name} no longer written in the configuration"),
                    format!("--env {name}"),
                );
            }
        } else if !from_image {
            s.env
                .push(EnvSpec::Value(name.to_string(), value.to_string()));
        }
    }
    for entry in &image_env {
        let (name, value) = entry.split_once('=').unwrap_or((entry.as_str(), ""));
        if is_secret_env(name, value) && !passed.iter().any(|p| p == name) && entries.is_empty() {
            s.note(format!(
                "WARNING: the image sets the credential {name} in its configuration: every user of the image \
                 can read it; rebuild without it, rotate it, and pass it at run time"
            ));
        }
    }
    if !passed.is_empty() {
        s.note(format!(
            "credentials {} are passed as `--env NAME`: docker takes the value from the caller's environment, \
             so the plan never holds it; better, give it as a secret file (compose/Swarm `secrets:`, a `*_FILE` \
             variable) and rotate it, since it was visible in `docker inspect`",
            passed.join(", ")
        ));
    }
}

pub(super) fn labels(s: &mut Spec, cfg: &ContainerConfig, img: Option<&ImageConfig>) {
    let image_labels = img.and_then(|i| i.labels.clone()).unwrap_or_default();
    let mut dropped_compose = false;
    for (k, v) in cfg.labels.iter().flatten() {
        if image_labels.get(k) == Some(v) {
            continue;
        }
        if k.starts_with("com.docker.compose.") {
            dropped_compose = true;
            continue;
        }
        let clean = scrub(v);
        if &clean != v {
            s.note(format!(
                "the label {k} held a secret: the plan carries it redacted; remove it"
            ));
        }
        s.labels.insert(k.clone(), clean);
    }
    if dropped_compose {
        s.note(
            "docker compose's own labels (com.docker.compose.*) are not copied: compose sets them",
        );
    }
}

pub(super) fn command(s: &mut Spec, cfg: &ContainerConfig, img: Option<&ImageConfig>) {
    let workdir = cfg.working_dir.clone().unwrap_or_default();
    let image_workdir = img.and_then(|i| i.working_dir.clone()).unwrap_or_default();
    if !workdir.is_empty() && (img.is_none() || workdir != image_workdir) {
        s.workdir = Some(workdir);
    }
    let ep = cfg.entrypoint.clone().unwrap_or_default();
    let cmd = cfg.cmd.clone().unwrap_or_default();
    let (iep, icmd) = match img {
        Some(i) => (
            i.entrypoint.clone().unwrap_or_default(),
            i.cmd.clone().unwrap_or_default(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let same_ep = ep == iep;
    if !same_ep || img.is_none() && !ep.is_empty() {
        s.entrypoint = Some(ep);
        s.cmd = Some(cmd);
    } else if cmd != icmd || img.is_none() {
        s.cmd = Some(cmd);
    }
    let mut redacted = false;
    for list in [s.entrypoint.as_mut(), s.cmd.as_mut()]
        .into_iter()
        .flatten()
    {
        for a in list.iter_mut() {
            let clean = scrub(a);
            if &clean != a {
                *a = clean;
                redacted = true;
            }
        }
    }
    if redacted {
        s.note(
            "WARNING: the command line held a secret: the plan shows it redacted, so the command must be \
             fixed by hand; pass the credential in a file or an environment variable instead",
        );
    }
}
