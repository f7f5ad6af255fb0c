//! Who the container runs as and what it may do: user, privileged mode, capabilities, security options,
//! devices, cgroup parent.

use super::*;

pub(super) fn user(s: &mut Spec, configured: &str, img: Option<&ImageConfig>, container: bool) {
    let image_user = img.and_then(|i| i.user.clone()).unwrap_or_default();
    let chosen = if !user_is_root(configured) {
        configured.to_string()
    } else if !user_is_root(&image_user) {
        image_user
    } else {
        s.note(format!(
            "neither the {} nor the image names a non-root user: the plan runs as {FALLBACK_USER} (nobody); \
             the image must be able to run as that user (files it reads readable, paths it writes on a \
             volume or tmpfs). A `USER` line in the Dockerfile is the lasting fix",
            if container { "container" } else { "image" }
        ));
        FALLBACK_USER.to_string()
    };
    if user_is_root(configured) {
        let was = if configured.is_empty() {
            "root (no user set)".to_string()
        } else {
            format!("`{configured}`")
        };
        s.change(
            "CT027",
            format!("runs as {chosen} instead of {was}"),
            format!("--user {chosen}"),
        );
    }
    s.user = chosen;
}

/// The container starts as root and its entrypoint switches to another user (`gosu`, `su-exec`): forcing
/// `--user` would break that switch, so root stays configured, with only the capabilities the switch needs.
pub(super) fn keep_root_entrypoint(s: &mut Spec, runs_as: &support::RunsAs) {
    s.user = if runs_as.config_user.is_empty() {
        "root".into()
    } else {
        runs_as.config_user.clone()
    };
    s.note(format!(
        "the container starts as root but its processes run as {}: its entrypoint switches user itself, so \
         the plan keeps root at start with only SETUID and SETGID added back; better, set a non-root USER in \
         the image and drop the switch",
        runs_as.process_users.clone().unwrap_or_default().join(", ")
    ));
}

pub(super) fn privileges(s: &mut Spec, hc: &HostConfig) {
    if hc.privileged == Some(true) {
        s.change("CT005", "privileged mode removed", "");
        s.note(
            "the container was privileged: every device and capability it relied on is gone; add back only \
             what it needs (a `--device`, a harmless `--cap-add`), never `--privileged`",
        );
    }
    let dropped_all = hc
        .cap_drop
        .as_deref()
        .unwrap_or_default()
        .iter()
        .any(|d| cap_name(d) == "ALL");
    if !dropped_all {
        s.change("CT003", "every capability dropped", "--cap-drop ALL");
    }
    let mut removed = Vec::new();
    for cap in hc.cap_add.as_deref().unwrap_or_default() {
        let name = cap_name(cap);
        if name.is_empty() || s.cap_add.contains(&name) {
            continue;
        }
        if is_dangerous_capability(&name) {
            removed.push(name);
        } else {
            s.cap_add.push(name);
        }
    }
    s.cap_add.sort();
    if !removed.is_empty() {
        s.change(
            "CT004",
            format!("dangerous capabilities removed: {}", removed.join(", ")),
            "",
        );
        s.note(format!(
            "capabilities {} are not added back: they hand the container a large piece of the host; if the \
             app truly needs one, grant it deliberately and isolate that container",
            removed.join(", ")
        ));
    }
    let mut nnp = false;
    for opt in hc.security_opt.as_deref().unwrap_or_default() {
        let (k, v) = split_opt(opt);
        let v = v.unwrap_or_default();
        match k.as_str() {
            "no-new-privileges" => nnp = nnp || v.is_empty() || v.eq_ignore_ascii_case("true"),
            "seccomp" if v.eq_ignore_ascii_case("unconfined") => {
                s.change("CT020", "seccomp=unconfined removed (default profile)", "")
            }
            "seccomp" => s.note(
                "the container had a custom seccomp profile (inspect holds its content, not its file): pass it \
                 again with --security-opt seccomp=/path/profile.json",
            ),
            "apparmor" if v.eq_ignore_ascii_case("unconfined") => {
                s.change("CT001", "apparmor=unconfined removed (default profile)", "")
            }
            "label" if v.eq_ignore_ascii_case("disable") => {
                s.change("CT002", "label=disable removed (SELinux labelling back)", "")
            }
            _ => s.security_opt.push(opt.trim().to_string()),
        }
    }
    s.security_opt.insert(0, "no-new-privileges:true".into());
    if !nnp {
        s.change(
            "CT022",
            "processes cannot gain privileges (setuid, file capabilities)",
            "--security-opt no-new-privileges:true",
        );
    }
    if hc.devices.as_deref().is_some_and(|d| !d.is_empty()) {
        let list: Vec<String> = hc
            .devices
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|d| d.path_on_host.clone().unwrap_or_default())
            .collect();
        s.change(
            "CT017",
            format!("host devices removed: {}", list.join(", ")),
            "",
        );
        s.note(format!(
            "host devices {} are not passed: add back only the one the app needs with --device HOST:CONTAINER:r",
            list.join(", ")
        ));
    }
    if hc
        .cgroup_parent
        .as_deref()
        .is_some_and(|p| !p.trim().is_empty())
    {
        s.change(
            "CT021",
            "custom cgroup parent removed (the engine's default)",
            "",
        );
    }
}
