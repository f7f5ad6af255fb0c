//! The `daemon` rules (`DM`): the daemon's configuration as the Engine API reports it (`Info`), completed by
//! `daemon.json`, the `dockerd` command line and host file permissions when bulkhead runs on the engine's
//! host (`Snapshot::host_files`). A setting that cannot be known (a remote engine, a flag not reported by
//! the API) gives no finding.

use super::{EngineCheckContext, EngineRule};
use crate::snapshot::{FileFact, Snapshot};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity};
use serde_json::Value;

mod aufs_storage;
mod content_trust;
mod daemon_json_permissions;
mod debug_logging;
mod etc_docker_permissions;
mod experimental;
mod icc;
mod insecure_registry;
mod iptables_disabled;
mod live_restore;
mod logging;
mod no_new_privileges;
mod other_file_permissions;
mod rootless_userns;
mod seccomp_unconfined;
mod socket_permissions;
mod tcp_without_tls;
mod tls_file_permissions;
mod userland_proxy;

pub use aufs_storage::AufsStorage;
pub use content_trust::ContentTrustDisabled;
pub use daemon_json_permissions::DaemonJsonPermissions;
pub use debug_logging::DebugLogging;
pub use etc_docker_permissions::EtcDockerPermissions;
pub use experimental::ExperimentalEnabled;
pub use icc::IccEnabled;
pub use insecure_registry::InsecureRegistry;
pub use iptables_disabled::IptablesDisabled;
pub use live_restore::LiveRestoreDisabled;
pub use logging::NoRemoteLogging;
pub use no_new_privileges::NoNewPrivilegesDefault;
pub use other_file_permissions::DockerFilePermissions;
pub use rootless_userns::NoRootlessNoUserns;
pub use seccomp_unconfined::SeccompUnconfined;
pub use socket_permissions::SocketPermissions;
pub use tcp_without_tls::TcpWithoutTls;
pub use tls_file_permissions::TlsFilePermissions;
pub use userland_proxy::UserlandProxy;

/// Every rule of this family.
pub fn rules() -> Vec<&'static dyn EngineRule> {
    vec![
        &NoRootlessNoUserns,
        &IccEnabled,
        &InsecureRegistry,
        &TcpWithoutTls,
        &LiveRestoreDisabled,
        &UserlandProxy,
        &SeccompUnconfined,
        &NoNewPrivilegesDefault,
        &ExperimentalEnabled,
        &NoRemoteLogging,
        &SocketPermissions,
        &DaemonJsonPermissions,
        &EtcDockerPermissions,
        &TlsFilePermissions,
        &DockerFilePermissions,
        &ContentTrustDisabled,
        &IptablesDisabled,
        &AufsStorage,
        &DebugLogging,
    ]
}

/// The daemon's configuration as far as it can be known: `daemon.json` (parsed) and the `dockerd` command
/// line, both only when bulkhead runs on the engine's host.
#[derive(Debug, Default)]
pub(crate) struct DaemonConfig {
    /// The parsed `daemon.json`, when it exists and parses.
    pub json: Option<serde_json::Map<String, Value>>,
    /// Its path.
    pub json_path: Option<String>,
    /// `dockerd`'s arguments, when the process was found.
    pub args: Option<Vec<String>>,
    /// Whether host facts were collected at all.
    pub local: bool,
}

impl DaemonConfig {
    /// Read the configuration from a snapshot's host facts.
    pub fn of(snap: &Snapshot) -> DaemonConfig {
        let Some(h) = snap.host_files.as_ref() else {
            return DaemonConfig::default();
        };
        let file = h
            .files
            .iter()
            .find(|f| f.exists && f.path.ends_with(".json") && f.content.is_some());
        let json = file
            .and_then(|f| f.content.as_deref())
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
            .and_then(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            });
        DaemonConfig {
            json,
            json_path: file.map(|f| f.path.clone()),
            args: h.daemon_args.clone(),
            local: true,
        }
    }

    /// A boolean setting: the command-line flag (`--icc`, `--icc=false`) wins over `daemon.json`'s key.
    /// Returns the value and where it was read (`dockerd --icc=false`, `daemon.json "icc"`).
    pub fn bool_setting(&self, key: &str) -> Option<(bool, String)> {
        let flag = format!("--{key}");
        if let Some(args) = &self.args {
            let mut found = None;
            for a in args {
                if *a == flag {
                    found = Some(true);
                } else if let Some(v) = a.strip_prefix(&flag).and_then(|r| r.strip_prefix('=')) {
                    found = parse_bool(v);
                }
            }
            if let Some(b) = found {
                return Some((b, format!("dockerd {flag}={b}")));
            }
        }
        let v = self.json.as_ref()?.get(key)?;
        let b = match v {
            Value::Bool(b) => *b,
            Value::String(s) => parse_bool(s)?,
            _ => return None,
        };
        Some((b, format!("daemon.json \"{key}\": {b}")))
    }

    /// A string setting (`--seccomp-profile X` or `daemon.json "seccomp-profile"`).
    pub fn string_setting(&self, key: &str) -> Option<String> {
        let flag = format!("--{key}");
        if let Some(v) = self
            .args
            .as_deref()
            .and_then(|a| crate::host::flag_value(a, &flag))
        {
            return Some(v);
        }
        self.json.as_ref()?.get(key)?.as_str().map(str::to_string)
    }

    /// The listen addresses: `-H`/`--host` flags and `daemon.json "hosts"`, each with its source.
    pub fn hosts(&self) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        if let Some(args) = &self.args {
            let mut it = args.iter();
            while let Some(a) = it.next() {
                if a == "-H" || a == "--host" {
                    if let Some(v) = it.next() {
                        out.push((v.clone(), "dockerd -H"));
                    }
                } else if let Some(v) = a
                    .strip_prefix("--host=")
                    .or_else(|| a.strip_prefix("-H="))
                    .or_else(|| a.strip_prefix("-H").filter(|v| !v.is_empty()))
                {
                    out.push((v.to_string(), "dockerd -H"));
                }
            }
        }
        if let Some(h) = self.json.as_ref().and_then(|j| j.get("hosts")) {
            match h {
                Value::String(s) => out.push((s.clone(), "daemon.json \"hosts\"")),
                Value::Array(a) => {
                    for s in a.iter().filter_map(Value::as_str) {
                        out.push((s.to_string(), "daemon.json \"hosts\""));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// Whether the engine is an active Swarm node.
pub(crate) fn swarm_active(snap: &Snapshot) -> bool {
    snap.info
        .as_ref()
        .and_then(|i| i.swarm.as_ref())
        .and_then(|s| s.local_node_state.as_ref())
        .is_some_and(|s| s.to_string() == "active")
}

/// The host file fact for `path`, when it exists.
pub(crate) fn host_file<'a>(snap: &'a Snapshot, path: &str) -> Option<&'a FileFact> {
    snap.host_files
        .as_ref()?
        .files
        .iter()
        .find(|f| f.exists && f.path == path)
}

/// What is wrong with a file's ownership and permissions, compared with `owner:group` (any of `groups`)
/// and no permission bits beyond `max_mode`. `None` when it complies. The flag says whether a user other
/// than the owner (or the allowed group) can write it (or, with `secret`, read it).
pub(crate) fn permission_problem(
    f: &FileFact,
    groups: &[&str],
    max_mode: u32,
    secret: bool,
) -> Option<(String, bool)> {
    let mode = f.mode?;
    let mut problems = Vec::new();
    let owner_ok = f.uid == Some(0);
    let group_name = f.group.clone().unwrap_or_else(|| {
        f.gid
            .map(|g| g.to_string())
            .unwrap_or_else(|| "?".to_string())
    });
    let group_ok = f.gid == Some(0) || f.group.as_deref().is_some_and(|g| groups.contains(&g));
    if !owner_ok || !group_ok {
        let owner = f.owner.clone().unwrap_or_else(|| {
            f.uid
                .map(|u| u.to_string())
                .unwrap_or_else(|| "?".to_string())
        });
        problems.push(format!(
            "owned by {owner}:{group_name} (expected root:{})",
            groups.first().copied().unwrap_or("root")
        ));
    }
    let extra = mode & 0o777 & !max_mode;
    if extra != 0 {
        problems.push(format!(
            "mode {mode:04o} (expected {max_mode:04o} or stricter)"
        ));
    }
    if problems.is_empty() {
        return None;
    }
    let exposed_bits = if secret { 0o066 } else { 0o022 };
    // A group other than root or the allowed one counts as "others".
    let severe =
        mode & 0o777 & exposed_bits & 0o007 != 0 || (!group_ok && mode & exposed_bits & 0o070 != 0);
    let severe = severe || (!owner_ok && mode & 0o200 != 0);
    Some((problems.join(", "), severe))
}

/// The finding for a host file that should be owned by `root:root` with no permission bits beyond
/// `max_mode` (see [`permission_problem`]); `None` when it complies. `label` (the daemon.json key naming
/// the file) prefixes the message and evidence; `remediate` adds the `chown`/`chmod` command. High when
/// others can write it (or, with `secret`, read it).
pub(crate) fn root_file_finding(
    ctx: &EngineCheckContext,
    meta: &'static RuleMeta,
    f: &FileFact,
    label: Option<&str>,
    max_mode: u32,
    secret: bool,
    remediate: bool,
) -> Option<Finding> {
    let (why, severe) = permission_problem(f, &["root"], max_mode, secret)?;
    let mode = f.mode.unwrap_or(0);
    let (message, evidence) = match label {
        Some(key) => (
            format!("{key} {} is {why}", f.path),
            format!("{key}: {} {mode:04o}", f.path),
        ),
        None => (
            format!("{} is {why}", f.path),
            format!("{}: {mode:04o}", f.path),
        ),
    };
    let mut x = ctx
        .daemon_finding(meta, &f.path, message)
        .with_evidence(Evidence::plain(evidence));
    if remediate {
        x = x.with_remediation(format!(
            "`chown root:root {p} && chmod {max_mode:o} {p}`",
            p = f.path
        ));
    }
    if severe {
        x = x.with_severity(Severity::High);
    }
    Some(x)
}

/// Fixture snapshots and runners shared by the rule tests.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::snapshot::{FileFact, HostFacts, Snapshot};

    pub use crate::rules::test_support::{objects, run};

    /// A fixture snapshot from `tests/fixtures/daemon/<name>`.
    pub fn fixture(name: &str) -> Snapshot {
        crate::rules::test_support::family_fixture("daemon", name)
    }

    /// A host file fact.
    pub fn file(path: &str, mode: u32, uid: u32, gid: u32, owner: &str, group: &str) -> FileFact {
        FileFact {
            path: path.into(),
            exists: true,
            mode: Some(mode),
            uid: Some(uid),
            gid: Some(gid),
            owner: Some(owner.into()),
            group: Some(group.into()),
            content: None,
        }
    }

    /// `snap` with host facts made of `files`, `args` and `daemon.json` text.
    pub fn with_host(
        mut snap: Snapshot,
        files: Vec<FileFact>,
        args: Option<&[&str]>,
        daemon_json: Option<&str>,
    ) -> Snapshot {
        let mut files = files;
        if let Some(j) = daemon_json {
            let mut f = file("/etc/docker/daemon.json", 0o644, 0, 0, "root", "root");
            f.content = Some(j.to_string());
            files.push(f);
        }
        snap.host_files = Some(HostFacts {
            files,
            daemon_args: args.map(|a| a.iter().map(|s| s.to_string()).collect()),
            docker_proxy_running: None,
        });
        snap
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    /// The sorted rule ids of every daemon rule's findings on `s`.
    fn all_rule_ids(s: &Snapshot) -> Vec<String> {
        let opts = crate::rules::EngineCheckOptions::default();
        let ctx = crate::rules::EngineCheckContext::new(s, &opts);
        let mut ids: Vec<String> = crate::rules::check_rules(&ctx, &rules())
            .into_iter()
            .map(|f| f.rule_id)
            .collect();
        ids.sort();
        ids
    }

    #[test]
    fn config_sources() {
        let s = with_host(
            Snapshot::default(),
            vec![],
            Some(&[
                "--icc=false",
                "-H",
                "fd://",
                "--host=tcp://0.0.0.0:2375",
                "--live-restore",
            ]),
            Some(
                r#"{"icc": true, "userland-proxy": false, "hosts": ["unix:///x.sock"], "seccomp-profile": "unconfined"}"#,
            ),
        );
        let c = DaemonConfig::of(&s);
        assert_eq!(c.bool_setting("icc").map(|x| x.0), Some(false));
        assert_eq!(c.bool_setting("live-restore").map(|x| x.0), Some(true));
        assert_eq!(c.bool_setting("userland-proxy").map(|x| x.0), Some(false));
        assert_eq!(c.bool_setting("iptables"), None);
        assert_eq!(
            c.string_setting("seccomp-profile").as_deref(),
            Some("unconfined")
        );
        let hosts: Vec<String> = c.hosts().into_iter().map(|h| h.0).collect();
        assert_eq!(hosts, ["fd://", "tcp://0.0.0.0:2375", "unix:///x.sock"]);
        assert!(!DaemonConfig::of(&Snapshot::default()).local);
    }

    #[test]
    fn rootless_engine_gets_only_what_applies() {
        // A rootless engine on its user's files: no rootless/userns warning, no host file or iptables
        // warning, no userland-proxy warning; what still applies (ICC, live restore, logs, NNP, content
        // trust) stays.
        let home = "/home/app/.config/docker/daemon.json";
        let mut cfg = file(home, 0o664, 1000, 1000, "app", "app");
        cfg.content = Some(r#"{"iptables": false}"#.into());
        let s = with_host(
            fixture("rootless.json"),
            vec![
                file(
                    "/run/user/1000/docker.sock",
                    0o666,
                    1000,
                    1000,
                    "app",
                    "app",
                ),
                file("/var/run/docker.sock", 0o666, 0, 0, "root", "root"),
                file("/etc/docker", 0o777, 1000, 1000, "app", "app"),
                cfg,
            ],
            Some(&["--iptables=false"]),
            None,
        );
        let ids = all_rule_ids(&s);
        assert_eq!(ids, ["DM002", "DM005", "DM008", "DM010", "DM016"]);
    }

    #[test]
    fn rootful_engine_with_bad_host_files() {
        let s = with_host(
            fixture("rootful-default.json"),
            vec![
                file("/var/run/docker.sock", 0o666, 0, 999, "root", "docker"),
                file("/etc/docker", 0o777, 0, 0, "root", "root"),
            ],
            Some(&["-H", "fd://", "--iptables=false"]),
            None,
        );
        let ids = all_rule_ids(&s);
        assert_eq!(
            ids,
            [
                "DM001", "DM002", "DM005", "DM006", "DM008", "DM010", "DM011", "DM013", "DM016",
                "DM017"
            ]
        );
    }

    #[test]
    fn metadata() {
        let mut ids = std::collections::BTreeSet::new();
        for r in rules() {
            let m = r.meta();
            assert!(ids.insert(m.id), "duplicate {}", m.id);
            assert!(m.id.starts_with("DM"), "{}", m.id);
            for s in [
                "## What it does",
                "## Why it matters",
                "## Example",
                "## Fix",
            ] {
                assert!(m.doc.contains(s), "{} lacks {s}", m.id);
            }
            assert!(m.aliases.iter().any(|a| a.starts_with("CIS-")), "{}", m.id);
        }
        assert_eq!(ids.len(), 19);
    }

    #[test]
    fn permissions() {
        let ok = file("/var/run/docker.sock", 0o660, 0, 999, "root", "docker");
        assert_eq!(permission_problem(&ok, &["docker"], 0o660, false), None);
        let world = file("/var/run/docker.sock", 0o666, 0, 999, "root", "docker");
        let (msg, severe) = permission_problem(&world, &["docker"], 0o660, false).unwrap();
        assert!(msg.contains("mode 0666"), "{msg}");
        assert!(severe);
        let owner = file("/etc/docker", 0o755, 1000, 1000, "app", "app");
        let (msg, severe) = permission_problem(&owner, &["root"], 0o755, false).unwrap();
        assert!(msg.contains("owned by app:app"), "{msg}");
        assert!(severe);
        let key = file("/k.pem", 0o440, 0, 0, "root", "root");
        let (msg, severe) = permission_problem(&key, &["root"], 0o400, true).unwrap();
        assert!(msg.contains("0440"), "{msg}");
        assert!(!severe);
    }
}
