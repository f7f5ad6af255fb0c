//! From inspect data to the hardened [`Spec`]: what to keep, what to drop, what to add, and why.

use super::HardenChange;
use crate::rules::container::support::{self, cap_name, split_opt, user_is_root};
use crate::snapshot::Container;
use bollard::models::{ContainerConfig, HostConfig, ImageConfig, ImageInspect};
use bulkhead_core::hardening::{is_dangerous_capability, is_engine_socket, is_sensitive_host_path};
use bulkhead_dockerfile::secrets::{find_in_assignment, is_sensitive_name, scrub};
use std::collections::{BTreeMap, BTreeSet};

mod access;
mod config;
mod network;
mod storage;

use access::{keep_root_entrypoint, privileges, user};
use config::{command, env, labels, loose_ends};
use network::{namespaces, ports, publish_exposed};
use storage::{mounts, tmpfs};

pub use config::is_secret_env;

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
    if !s.extras.secret_log_opts.is_empty() {
        let names = s.extras.secret_log_opts.join(", ");
        s.note(format!(
            "WARNING: the log options {names} hold a credential: left out of the plan; give them in the \
             daemon's log configuration (daemon.json) instead"
        ));
    }
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

/// `0.5`, `1.0`, `1.25`; at least `0.001` (`0.0` would mean no limit).
fn cpus(v: f64) -> String {
    let t = format!("{:.3}", v.max(0.001));
    let t = t.trim_end_matches('0');
    if t.ends_with('.') {
        format!("{t}0")
    } else {
        t.to_string()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_names() {
        assert_eq!(bytes(536_870_912), "512m");
        assert_eq!(bytes(2 * 1024 * 1024 * 1024), "2g");
        assert_eq!(bytes(1536), "1536b");
        assert_eq!(bytes(1000), "1000b");
        assert_eq!(cpus(0.5), "0.5");
        assert_eq!(cpus(2.0), "2.0");
        assert_eq!(cpus(1.25), "1.25");
        assert_eq!(cpus(0.00001), "0.001");
        assert_eq!(
            name_from_reference("registry:5000/team/nginx:1.27@sha256:ab"),
            "nginx"
        );
        assert_eq!(name_from_reference("alpine"), "alpine");
        assert_eq!(safe_name("--my app/1"), "my-app-1");
        assert_eq!(safe_name("///"), "app");
    }
}
