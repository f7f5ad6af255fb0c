//! From inspect data to the hardened [`Spec`]: what to keep, what to drop, what to add, and why.

use super::HardenChange;
use crate::rules::container::support::{self, cap_name, split_opt, user_is_root};
use crate::snapshot::Container;
use bollard::models::{ContainerConfig, HostConfig, ImageConfig, ImageInspect};
use bulkhead_core::hardening::{is_dangerous_capability, is_engine_socket, is_sensitive_host_path};
use bulkhead_dockerfile::secrets::{find_in_assignment, is_sensitive_name, scrub};
use std::collections::{BTreeMap, BTreeSet};

/// The user when neither the container nor the image names a non-root one.
pub const FALLBACK_USER: &str = "65534:65534";
/// Default memory limit (flagged as a default to tune).
pub const DEFAULT_MEMORY: &str = "512m";
/// Default CPU limit.
pub const DEFAULT_CPUS: &str = "1.0";
/// Default PIDs limit.
pub const DEFAULT_PIDS: i64 = 256;
/// The restart policy of every plan.
pub const RESTART: &str = "on-failure:5";
/// Options of the tmpfs mounts the plan adds where applications usually write.
pub const TMPFS_OPTS: &str = "rw,noexec,nosuid,nodev,size=64m,mode=1777";
/// Where applications usually write, given a tmpfs when not already mounted.
pub const WRITABLE_PATHS: &[&str] = &["/tmp", "/run", "/var/run"];

/// A kept or added mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountSpec {
    /// `bind` or `volume`.
    pub kind: String,
    pub source: String,
    pub target: String,
    pub read_only: bool,
    /// A named volume the plan introduces (compose declares it; `docker run` creates it on first use).
    pub new_volume: bool,
}

/// A published port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    pub host_ip: String,
    /// Empty: an ephemeral host port.
    pub host_port: String,
    pub container_port: String,
    pub proto: String,
}

/// One environment entry of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvSpec {
    /// `NAME=value` (not a credential).
    Value(String, String),
    /// `NAME` only: the value comes from the caller's environment.
    Pass(String),
}

/// Everything the hardened run sets; rendered both as `docker run` argv and as a compose service.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    pub name: String,
    pub image: String,
    pub user: String,
    pub cap_add: Vec<String>,
    pub security_opt: Vec<String>,
    pub tmpfs: Vec<(String, String)>,
    pub mounts: Vec<MountSpec>,
    pub ports: Vec<PortSpec>,
    pub memory: String,
    pub cpus: Option<String>,
    pub cpu_shares: Option<i64>,
    pub cpuset_cpus: Option<String>,
    pub pids_limit: i64,
    /// Networks to join, the first given to `docker run --network`.
    pub networks: Vec<String>,
    /// A `--network` mode that is not a network name (`none`, `container:<id>`).
    pub network_mode: Option<String>,
    pub pid_mode: Option<String>,
    pub ipc_mode: Option<String>,
    pub env: Vec<EnvSpec>,
    pub labels: BTreeMap<String, String>,
    pub workdir: Option<String>,
    /// `Some` when the entrypoint must be set (an empty list resets the image's).
    pub entrypoint: Option<Vec<String>>,
    /// `Some` when the command must be given.
    pub cmd: Option<Vec<String>>,
    /// Settings kept as they were.
    pub extras: super::extras::Extras,
    pub changes: Vec<HardenChange>,
    pub notes: Vec<String>,
}

impl Spec {
    fn change(&mut self, rule: &str, what: impl Into<String>, flag: impl Into<String>) {
        self.changes.push(HardenChange {
            rule: (!rule.is_empty()).then(|| rule.to_string()),
            what: what.into(),
            flag: flag.into(),
        });
    }
    fn note(&mut self, n: impl Into<String>) {
        let n = n.into();
        if !self.notes.contains(&n) {
            self.notes.push(n);
        }
    }
}

/// A container's plan.
pub fn from_container(c: &Container, image: Option<&ImageInspect>) -> Spec {
    let empty_cfg = ContainerConfig::default();
    let empty_hc = HostConfig::default();
    let cfg = c.inspect.config.as_ref().unwrap_or(&empty_cfg);
    let hc = c.inspect.host_config.as_ref().unwrap_or(&empty_hc);
    let img = image.and_then(|i| i.config.as_ref());
    let mut s = Spec {
        name: safe_name(&c.name()),
        image: cfg
            .image
            .clone()
            .filter(|i| !i.is_empty())
            .or_else(|| c.inspect.image.clone())
            .unwrap_or_default(),
        ..Spec::default()
    };
    let runs_as = support::RunsAs::of(c);
    let drops_itself = runs_as.config_root() && runs_as.process_root() == Some(false);
    if drops_itself {
        keep_root_entrypoint(&mut s, &runs_as);
    } else {
        user(&mut s, cfg.user.as_deref().unwrap_or(""), img, true);
    }
    privileges(&mut s, hc);
    if drops_itself {
        for cap in ["SETGID", "SETUID"] {
            if !s.cap_add.iter().any(|c| c == cap) {
                s.cap_add.push(cap.to_string());
            }
        }
        s.cap_add.sort();
    }
    namespaces(&mut s, c, hc);
    let mut taken = mounts(&mut s, c);
    tmpfs(&mut s, hc, &mut taken);
    limits(&mut s, hc);
    ports(&mut s, c, cfg, hc);
    restart(&mut s, hc);
    env(&mut s, cfg.env.as_deref().unwrap_or_default(), img);
    labels(&mut s, cfg, img);
    command(&mut s, cfg, img);
    s.extras = super::extras::from_container(c);
    loose_ends(&mut s, cfg.healthcheck.as_ref(), img);
    s
}

/// An image's plan, compared with `docker run REFERENCE`.
pub fn from_image(reference: &str, image: &ImageInspect) -> Spec {
    let empty = ImageConfig::default();
    let img = image.config.as_ref().unwrap_or(&empty);
    let mut s = Spec {
        name: safe_name(&name_from_reference(reference)),
        image: reference.to_string(),
        ..Spec::default()
    };
    user(&mut s, img.user.as_deref().unwrap_or(""), Some(img), false);
    privileges(&mut s, &HostConfig::default());
    let mut taken = BTreeSet::new();
    for v in img.volumes.as_deref().unwrap_or_default() {
        let target = support::clean_path(v);
        if target.is_empty() || !taken.insert(target.clone()) {
            continue;
        }
        let vol = safe_name(&format!(
            "{}-{}",
            s.name,
            target.trim_matches('/').replace('/', "-")
        ));
        s.note(format!(
            "the image declares VOLUME {target}: the plan mounts the named volume `{vol}` there so it stays \
             writable under --read-only; use `--tmpfs {target}` instead if the data is scratch"
        ));
        s.mounts.push(MountSpec {
            kind: "volume".into(),
            source: vol,
            target,
            read_only: false,
            new_volume: true,
        });
    }
    tmpfs(&mut s, &HostConfig::default(), &mut taken);
    limits(&mut s, &HostConfig::default());
    let mut exposed: Vec<String> = img.exposed_ports.clone().unwrap_or_default();
    exposed.sort();
    publish_exposed(&mut s, &exposed);
    if !s.ports.is_empty() {
        s.note(
            "the image's exposed ports are published on 127.0.0.1 (ports below 1024 on host port + 8000); \
             remove what need not be reached from the host",
        );
    }
    env(&mut s, &[], Some(img));
    loose_ends(&mut s, None, Some(img));
    s
}

/// What the plan cannot decide: a health check (CT023) and pinning the image by digest (CT029).
fn loose_ends(
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

fn user(s: &mut Spec, configured: &str, img: Option<&ImageConfig>, container: bool) {
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
fn keep_root_entrypoint(s: &mut Spec, runs_as: &support::RunsAs) {
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

fn privileges(s: &mut Spec, hc: &HostConfig) {
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

fn is_host(mode: Option<&String>) -> bool {
    mode.is_some_and(|m| m.trim().eq_ignore_ascii_case("host"))
}

fn namespaces(s: &mut Spec, c: &Container, hc: &HostConfig) {
    let mode = hc.network_mode.clone().unwrap_or_default();
    let mut others: Vec<String> = c
        .inspect
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.as_ref())
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    others.sort();
    let mut nets = Vec::new();
    match mode.as_str() {
        "host" => s.change(
            "CT009",
            "host network namespace replaced by the default bridge",
            "",
        ),
        "none" => s.network_mode = Some("none".into()),
        m if m.starts_with("container:") => s.network_mode = Some(m.to_string()),
        "" | "default" | "bridge" => {}
        m => nets.push(m.to_string()),
    }
    if s.network_mode.is_none() && mode != "host" {
        for n in others {
            if !nets.contains(&n) && !matches!(n.as_str(), "bridge" | "host" | "none") {
                nets.push(n);
            }
        }
        if nets.len() > 1 {
            s.note(format!(
                "`docker run` joins one network: connect the others after it starts: {}",
                nets.iter()
                    .skip(1)
                    .map(|n| format!("docker network connect {} {}", n, s.name))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
    }
    s.networks = nets;
    for (rule, what, get) in [
        ("CT015", "PID", hc.pid_mode.as_ref()),
        ("CT016", "IPC", hc.ipc_mode.as_ref()),
        ("CT019", "UTS", hc.uts_mode.as_ref()),
        ("CT025", "user", hc.userns_mode.as_ref()),
    ] {
        if is_host(get) {
            s.change(
                rule,
                format!("host {what} namespace replaced by the container's own"),
                "",
            );
        }
    }
    let shared = |m: Option<&String>| m.filter(|m| m.starts_with("container:")).cloned();
    s.pid_mode = shared(hc.pid_mode.as_ref());
    s.ipc_mode = shared(hc.ipc_mode.as_ref());
}

/// Keeps the container's mounts but the engine socket and sensitive host directories; returns the
/// destinations taken.
fn mounts(s: &mut Spec, c: &Container) -> BTreeSet<String> {
    let mut taken = BTreeSet::new();
    let mut seen: Vec<(String, String, String, bool, String)> = Vec::new();
    if let Some(ms) = &c.inspect.mounts {
        for m in ms {
            let kind = m.typ.clone().unwrap_or_default().to_ascii_lowercase();
            let source = if kind == "volume" {
                m.name.clone().or_else(|| m.source.clone())
            } else {
                m.source.clone()
            };
            seen.push((
                kind,
                source.unwrap_or_default(),
                m.destination.clone().unwrap_or_default(),
                m.rw.unwrap_or(true),
                m.propagation.clone().unwrap_or_default(),
            ));
        }
    } else {
        for m in support::mounts(c) {
            seen.push((m.kind, m.source, m.destination, m.rw, m.propagation));
        }
    }
    for (kind, source, target, rw, propagation) in seen {
        let target = support::clean_path(&target);
        if target.is_empty() || taken.contains(&target) {
            continue;
        }
        if kind == "bind" && is_engine_socket(&source) {
            s.change("CT026", format!("engine socket mount {source} removed"), "");
            s.note(format!(
                "WARNING: {source} was mounted: access to the engine API is root on the host. If the app \
                 manages containers, give it a socket proxy that allows only the calls it needs"
            ));
            continue;
        }
        if kind == "bind" && is_sensitive_host_path(&source) {
            s.change(
                "CT006",
                format!("sensitive host mount {source} removed"),
                "",
            );
            s.note(format!(
                "WARNING: host directory {source} was mounted at {target}: removed; mount only the specific \
                 file or subdirectory the app needs, read-only"
            ));
            continue;
        }
        if matches!(propagation.as_str(), "shared" | "rshared") {
            s.change(
                "CT018",
                format!("{propagation} propagation of {target} dropped (private)"),
                "",
            );
        }
        match kind.as_str() {
            "bind" | "volume" => {
                taken.insert(target.clone());
                s.mounts.push(MountSpec {
                    kind,
                    source,
                    target,
                    read_only: !rw,
                    new_volume: false,
                });
            }
            "tmpfs" => {
                taken.insert(target.clone());
                s.tmpfs.push((target, String::new()));
            }
            other => s.note(format!(
                "a `{other}` mount at {target} is not carried over: add it back by hand"
            )),
        }
    }
    taken
}

fn tmpfs(s: &mut Spec, hc: &HostConfig, taken: &mut BTreeSet<String>) {
    let mut kept: Vec<(&String, &String)> = hc.tmpfs.iter().flatten().collect();
    kept.sort();
    for (dst, opts) in kept {
        let d = support::clean_path(dst);
        if !d.is_empty() && taken.insert(d.clone()) {
            s.tmpfs.push((d, opts.clone()));
        }
    }
    for p in WRITABLE_PATHS {
        if taken.insert(p.to_string()) {
            s.tmpfs.push((p.to_string(), TMPFS_OPTS.to_string()));
        }
    }
    if hc.readonly_rootfs != Some(true) {
        s.change(
            "CT012",
            format!(
                "root filesystem read-only; tmpfs on {}",
                s.tmpfs
                    .iter()
                    .map(|t| t.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "--read-only",
        );
        s.note(
            "with --read-only the app writes only to its volumes and tmpfs mounts: if it writes elsewhere, \
             add a --tmpfs (scratch) or a named volume (data) for that path",
        );
    }
}

fn limits(s: &mut Spec, hc: &HostConfig) {
    match hc.memory.filter(|m| *m > 0) {
        Some(m) => s.memory = bytes(m),
        None => {
            s.memory = DEFAULT_MEMORY.into();
            s.change(
                "CT010",
                format!("memory limited to {DEFAULT_MEMORY}"),
                format!("--memory {DEFAULT_MEMORY}"),
            );
            s.note(format!(
                "--memory {DEFAULT_MEMORY} is a default: tune it to the app's real peak"
            ));
        }
    }
    let nano = hc.nano_cpus.unwrap_or(0);
    let (quota, period) = (hc.cpu_quota.unwrap_or(0), hc.cpu_period.unwrap_or(0));
    s.cpu_shares = hc.cpu_shares.filter(|v| *v > 0);
    s.cpuset_cpus = hc.cpuset_cpus.clone().filter(|v| !v.trim().is_empty());
    if nano > 0 {
        s.cpus = Some(cpus(nano as f64 / 1e9));
    } else if quota > 0 {
        let p = if period > 0 { period } else { 100_000 };
        s.cpus = Some(cpus(quota as f64 / p as f64));
    } else if s.cpu_shares.is_none() && s.cpuset_cpus.is_none() {
        s.cpus = Some(DEFAULT_CPUS.into());
        s.change(
            "CT011",
            format!("CPU limited to {DEFAULT_CPUS}"),
            format!("--cpus {DEFAULT_CPUS}"),
        );
        s.note(format!(
            "--cpus {DEFAULT_CPUS} is a default: tune it to the app's load"
        ));
    }
    match hc.pids_limit.filter(|p| *p > 0) {
        Some(p) => s.pids_limit = p,
        None => {
            s.pids_limit = DEFAULT_PIDS;
            s.change(
                "CT024",
                format!("PIDs limited to {DEFAULT_PIDS}"),
                format!("--pids-limit {DEFAULT_PIDS}"),
            );
            s.note(format!(
                "--pids-limit {DEFAULT_PIDS} is a default: raise it for apps with many threads"
            ));
        }
    }
}

/// `536870912` → `512m`.
fn bytes(b: i64) -> String {
    const K: i64 = 1024;
    for (unit, size) in [("g", K * K * K), ("m", K * K), ("k", K)] {
        if b % size == 0 {
            return format!("{}{unit}", b / size);
        }
    }
    format!("{b}b")
}

/// `0.5`, `1.0`, `1.25`.
fn cpus(v: f64) -> String {
    let t = format!("{v:.3}");
    let t = t.trim_end_matches('0');
    if t.ends_with('.') {
        format!("{t}0")
    } else {
        t.to_string()
    }
}

fn ports(s: &mut Spec, c: &Container, cfg: &ContainerConfig, hc: &HostConfig) {
    if is_host(hc.network_mode.as_ref()) {
        let mut exposed = cfg.exposed_ports.clone().unwrap_or_default();
        exposed.sort();
        publish_exposed(s, &exposed);
        if !s.ports.is_empty() {
            s.note("the container used the host network: its exposed ports are now published on 127.0.0.1");
        }
        return;
    }
    let mut open = Vec::new();
    for p in support::published(c) {
        let (port, proto) = split_port(&p.container_port);
        let host_ip = match p.host_ip.trim() {
            "" | "0.0.0.0" | "::" | "[::]" => {
                open.push(p.describe());
                "127.0.0.1".to_string()
            }
            ip => ip.to_string(),
        };
        let spec = PortSpec {
            host_ip,
            host_port: p.host_port.clone(),
            container_port: port,
            proto,
        };
        if !s.ports.contains(&spec) {
            s.ports.push(spec);
        }
    }
    if hc.publish_all_ports == Some(true) {
        open.push("every exposed port (--publish-all)".into());
        let mut exposed = cfg.exposed_ports.clone().unwrap_or_default();
        exposed.sort();
        for e in exposed {
            let (port, proto) = split_port(&e);
            if !s
                .ports
                .iter()
                .any(|p| p.container_port == port && p.proto == proto)
            {
                s.ports.push(PortSpec {
                    host_ip: "127.0.0.1".into(),
                    host_port: String::new(),
                    container_port: port,
                    proto,
                });
            }
        }
    }
    if !open.is_empty() {
        s.change(
            "CT013",
            format!(
                "published on 127.0.0.1 instead of every interface: {}",
                open.join(", ")
            ),
            "-p 127.0.0.1:...",
        );
    }
    if !s.ports.is_empty() {
        s.note(
            "published ports are bound to 127.0.0.1 (reach them through a reverse proxy); a public service must \
             choose its interface deliberately (-p HOST_IP:PORT:PORT)",
        );
    }
}

fn publish_exposed(s: &mut Spec, exposed: &[String]) {
    for e in exposed {
        let (port, proto) = split_port(e);
        let host = match port.parse::<u32>() {
            Ok(n) if n > 0 && n < 1024 => (n + 8000).to_string(),
            Ok(n) if n > 0 => n.to_string(),
            _ => continue,
        };
        s.ports.push(PortSpec {
            host_ip: "127.0.0.1".into(),
            host_port: host,
            container_port: port,
            proto,
        });
    }
}

/// `8080/tcp` → (`8080`, `tcp`).
fn split_port(p: &str) -> (String, String) {
    match p.split_once('/') {
        Some((n, proto)) => (n.to_string(), proto.to_ascii_lowercase()),
        None => (p.to_string(), "tcp".into()),
    }
}

fn restart(s: &mut Spec, hc: &HostConfig) {
    let Some(p) = hc.restart_policy.as_ref() else {
        return;
    };
    let name = p.name.map(|n| n.to_string()).unwrap_or_default();
    let max = p.maximum_retry_count.unwrap_or(0);
    let unbounded = match name.as_str() {
        "always" | "unless-stopped" => true,
        "on-failure" => max <= 0,
        _ => false,
    };
    if unbounded {
        s.change(
            "CT014",
            format!("restart policy {name} replaced by {RESTART}"),
            format!("--restart {RESTART}"),
        );
    }
}

/// Whether an environment entry holds a credential: a credential-like name, or a value the secret engine
/// recognises.
pub fn is_secret_env(name: &str, value: &str) -> bool {
    (is_sensitive_name(name) && !value.is_empty())
        || find_in_assignment(Some(name), value).is_some()
}

fn env(s: &mut Spec, entries: &[String], img: Option<&ImageConfig>) {
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

fn labels(s: &mut Spec, cfg: &ContainerConfig, img: Option<&ImageConfig>) {
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

fn command(s: &mut Spec, cfg: &ContainerConfig, img: Option<&ImageConfig>) {
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

/// A name `docker run --name` and compose accept: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`, other characters as `-`.
pub fn safe_name(n: &str) -> String {
    let mut out: String = n
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    while out.starts_with(['_', '.', '-']) {
        out.remove(0);
    }
    if out.is_empty() { "app".into() } else { out }
}

/// `registry:5000/team/nginx:1.27@sha256:...` → `nginx`.
fn name_from_reference(r: &str) -> String {
    let r = r.split('@').next().unwrap_or(r);
    let last = r.rsplit('/').next().unwrap_or(r);
    last.split(':').next().unwrap_or(last).to_string()
}
