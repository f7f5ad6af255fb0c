//! What several container rules read: the configured user and the user the processes really run as,
//! mounts (from the resolved `Mounts`, or from `HostConfig.Binds`/`HostConfig.Mounts` when absent),
//! capabilities in one spelling, security options, the image's own configuration.

use crate::snapshot::{Container, Snapshot};
use bollard::models::{ContainerConfig, HostConfig, ImageConfig};

/// `HostConfig` of a container.
pub fn host_config(c: &Container) -> Option<&HostConfig> {
    c.inspect.host_config.as_ref()
}

/// `Config` of a container.
pub fn config(c: &Container) -> Option<&ContainerConfig> {
    c.inspect.config.as_ref()
}

/// The configuration of the image the container runs, when the snapshot holds it.
pub fn image_config<'a>(snap: &'a Snapshot, c: &Container) -> Option<&'a ImageConfig> {
    let id = c.inspect.image.as_deref()?;
    snap.images
        .get(id)
        .or_else(|| snap.images.get(id.trim_start_matches("sha256:")))
        .and_then(|i| i.config.as_ref())
}

/// `HostConfig.SecurityOpt`.
pub fn security_opts(c: &Container) -> Vec<String> {
    host_config(c)
        .and_then(|h| h.security_opt.clone())
        .unwrap_or_default()
}

/// A `SecurityOpt` entry split into key and value: `seccomp=unconfined`, `seccomp:unconfined` (the old
/// separator), `no-new-privileges` (value `None`).
pub fn split_opt(opt: &str) -> (String, Option<String>) {
    match opt.split_once(['=', ':']) {
        Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.trim().to_string())),
        None => (opt.trim().to_ascii_lowercase(), None),
    }
}

pub use bulkhead_core::hardening::capability_name as cap_name;

pub use bulkhead_core::hardening::user_is_root;

/// Whether the engine remaps container root to an unprivileged host user (userns-remap or rootless).
pub fn root_is_remapped(snap: &Snapshot) -> bool {
    snap.rootless()
        || snap
            .security_options()
            .iter()
            .any(|o| o.contains("name=userns"))
}

/// `Config.User` as configured (empty when unset).
pub fn config_user(c: &Container) -> String {
    config(c).and_then(|x| x.user.clone()).unwrap_or_default()
}

/// The `UID` column of `docker top` (a user name or a number, as the host resolves it), one entry per
/// process; `None` when the container is not running or top is missing.
pub fn process_users(c: &Container) -> Option<Vec<String>> {
    let top = c.top.as_ref()?;
    let col = column(top.titles.as_deref()?, &["UID", "USER"])?;
    Some(
        top.processes
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.get(col).cloned())
            .collect(),
    )
}

/// The command lines of the processes (`CMD`/`COMMAND` column of `docker top`); `None` when not running.
pub fn process_commands(c: &Container) -> Option<Vec<String>> {
    let top = c.top.as_ref()?;
    let col = column(top.titles.as_deref()?, &["CMD", "COMMAND", "ARGS"])?;
    Some(
        top.processes
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.get(col).cloned())
            .collect(),
    )
}

fn column(titles: &[String], names: &[&str]) -> Option<usize> {
    titles
        .iter()
        .position(|t| names.iter().any(|n| t.trim().eq_ignore_ascii_case(n)))
}

/// Who a container runs as: the configured user and, when running, the users of its processes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunsAs {
    /// `Config.User` (empty when unset).
    pub config_user: String,
    /// The distinct process users from `docker top`; `None` when not running.
    pub process_users: Option<Vec<String>>,
}

impl RunsAs {
    pub fn of(c: &Container) -> RunsAs {
        let process_users = process_users(c).map(|mut v| {
            v.sort();
            v.dedup();
            v
        });
        RunsAs {
            config_user: config_user(c),
            process_users,
        }
    }
    /// Whether the configuration says root.
    pub fn config_root(&self) -> bool {
        user_is_root(&self.config_user)
    }
    /// Whether any process runs as root (`root` or `0` in the top `UID` column); `None` when not running
    /// or no process is listed.
    pub fn process_root(&self) -> Option<bool> {
        self.process_users
            .as_ref()
            .filter(|v| !v.is_empty())
            .map(|v| v.iter().any(|u| u == "root" || u == "0"))
    }
    /// Root as far as can be told: the processes when running, the configuration otherwise.
    pub fn root(&self) -> bool {
        self.process_root().unwrap_or_else(|| self.config_root())
    }
    /// `Config.User is "" (root); the processes run as root` and the like.
    pub fn describe(&self) -> String {
        let cfg = if self.config_user.is_empty() {
            "Config.User is empty (root)".to_string()
        } else {
            format!("Config.User is `{}`", self.config_user)
        };
        match &self.process_users {
            Some(u) if !u.is_empty() => format!("{cfg}; the processes run as {}", u.join(", ")),
            Some(_) => format!("{cfg}; no process listed"),
            None => format!("{cfg}; not running, so the process user is unknown"),
        }
    }
}

/// One mount as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountView {
    /// `bind`, `volume`, `tmpfs`, ... (lower case; empty when unknown).
    pub kind: String,
    /// Host path for binds, volume name for volumes.
    pub source: String,
    pub destination: String,
    pub rw: bool,
    /// `rshared`, `shared`, `rprivate`, ... (empty when unset).
    pub propagation: String,
}

/// The container's mounts: the resolved `Mounts` list, or, when the inspect data lacks it, what
/// `HostConfig.Binds` and `HostConfig.Mounts` ask for.
pub fn mounts(c: &Container) -> Vec<MountView> {
    if let Some(ms) = &c.inspect.mounts {
        return ms
            .iter()
            .map(|m| MountView {
                kind: m
                    .typ
                    .as_ref()
                    .map(|t| t.to_string().to_ascii_lowercase())
                    .unwrap_or_default(),
                source: m.source.clone().unwrap_or_default(),
                destination: m.destination.clone().unwrap_or_default(),
                rw: m.rw.unwrap_or(true),
                propagation: m.propagation.clone().unwrap_or_default(),
            })
            .collect();
    }
    let mut out = Vec::new();
    let Some(hc) = host_config(c) else {
        return out;
    };
    for b in hc.binds.as_deref().unwrap_or_default() {
        out.push(parse_bind(b));
    }
    for m in hc.mounts.as_deref().unwrap_or_default() {
        out.push(MountView {
            kind: m
                .typ
                .as_ref()
                .map(|t| t.to_string().to_ascii_lowercase())
                .unwrap_or_default(),
            source: m.source.clone().unwrap_or_default(),
            destination: m.target.clone().unwrap_or_default(),
            rw: !m.read_only.unwrap_or(false),
            propagation: m
                .bind_options
                .as_ref()
                .and_then(|b| b.propagation.as_ref())
                .map(|p| p.to_string())
                .unwrap_or_default(),
        });
    }
    out
}

/// `SRC:DST[:OPTS]` of `HostConfig.Binds`.
fn parse_bind(b: &str) -> MountView {
    let mut parts = b.splitn(3, ':');
    let source = parts.next().unwrap_or("").to_string();
    let destination = parts.next().unwrap_or("").to_string();
    let opts: Vec<&str> = parts.next().unwrap_or("").split(',').collect();
    let propagation = opts
        .iter()
        .find(|o| {
            [
                "shared", "rshared", "slave", "rslave", "private", "rprivate",
            ]
            .contains(o)
        })
        .map(|s| s.to_string())
        .unwrap_or_default();
    MountView {
        kind: if source.starts_with('/') {
            "bind"
        } else {
            "volume"
        }
        .to_string(),
        source,
        destination,
        rw: !opts.contains(&"ro"),
        propagation,
    }
}

/// One published port of `HostConfig.PortBindings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// `80/tcp`.
    pub container_port: String,
    /// As configured: empty means every interface.
    pub host_ip: String,
    /// As configured: empty means an ephemeral port.
    pub host_port: String,
}

impl Published {
    /// `0.0.0.0:80->80/tcp`.
    pub fn describe(&self) -> String {
        let ip = if self.host_ip.is_empty() {
            "0.0.0.0"
        } else {
            &self.host_ip
        };
        format!("{ip}:{}->{}", self.host_port, self.container_port)
    }
}

/// The published ports, sorted by container port.
pub fn published(c: &Container) -> Vec<Published> {
    let mut out = Vec::new();
    let Some(map) = host_config(c).and_then(|h| h.port_bindings.as_ref()) else {
        return out;
    };
    for (port, bindings) in map {
        for b in bindings.as_deref().unwrap_or_default() {
            out.push(Published {
                container_port: port.clone(),
                host_ip: b.host_ip.clone().unwrap_or_default(),
                host_port: b.host_port.clone().unwrap_or_default(),
            });
        }
    }
    out.sort_by(|a, b| (&a.container_port, &a.host_ip).cmp(&(&b.container_port, &b.host_ip)));
    out
}

/// Which host namespace a `*Mode` field shares.
pub struct HostNamespace {
    /// `HostConfig.NetworkMode`.
    pub field: &'static str,
    /// `network`.
    pub what: &'static str,
    /// The mode value.
    pub get: fn(&HostConfig) -> Option<&String>,
    /// Whether root in the container makes it critical.
    pub root_raises: bool,
}

/// Pushes a finding of `meta` for every container whose namespace field is `host`; the severity is raised
/// to critical when `root_raises` and the container runs as root (without user-namespace remapping).
pub fn check_host_namespace(
    ctx: &crate::rules::EngineCheckContext,
    meta: &'static bulkhead_core::RuleMeta,
    ns: &HostNamespace,
    out: &mut Vec<bulkhead_core::Finding>,
) {
    for c in ctx.containers() {
        let Some(hc) = host_config(c) else { continue };
        if !(ns.get)(hc).is_some_and(|m| m.trim().eq_ignore_ascii_case("host")) {
            continue;
        }
        let who = RunsAs::of(c);
        let mut f = ctx
            .container_finding(
                meta,
                c,
                ns.field,
                format!(
                    "{} is `host`: the container shares the host's {} namespace ({})",
                    ns.field.trim_start_matches("HostConfig."),
                    ns.what,
                    who.describe()
                ),
            )
            .with_evidence(bulkhead_core::Evidence::plain(format!(
                "{}: host",
                ns.field
            )));
        if ns.root_raises && who.root() && !root_is_remapped(ctx.snapshot) {
            f = f.with_severity(bulkhead_core::Severity::Critical);
        }
        out.push(f);
    }
}

pub use bulkhead_core::hardening::clean_host_path as clean_path;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_caps_opts_paths() {
        for u in ["", "0", "root", "0:0", "root:wheel"] {
            assert!(user_is_root(u), "{u}");
        }
        for u in ["1000", "1000:1000", "app", "nobody:nogroup", "rooter"] {
            assert!(!user_is_root(u), "{u}");
        }
        assert_eq!(cap_name("cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(cap_name(" NET_RAW"), "NET_RAW");
        assert_eq!(
            split_opt("seccomp:unconfined"),
            ("seccomp".into(), Some("unconfined".into()))
        );
        assert_eq!(
            split_opt("no-new-privileges"),
            ("no-new-privileges".into(), None)
        );
        assert_eq!(clean_path("/etc/"), "/etc");
        assert_eq!(clean_path("//"), "/");
        assert_eq!(clean_path("/home/a/./.ssh"), "/home/a/.ssh");
        let b = parse_bind("/:/host:ro,rshared");
        assert_eq!((b.rw, b.propagation.as_str()), (false, "rshared"));
        let b = parse_bind("data:/data");
        assert_eq!((b.kind.as_str(), b.rw), ("volume", true));
    }
}
