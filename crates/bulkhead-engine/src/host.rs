//! Facts about the engine's host, read from the local filesystem and `/proc`: ownership, permissions and
//! (for small configuration files) contents of the files the CIS Docker Benchmark section 3 names, the
//! `dockerd` command line and whether the userland proxy runs.
//!
//! Only meaningful when the audited engine runs on this machine (a unix socket here): the collector calls
//! [`host_facts`] in that case and stores the result in [`Snapshot::host_files`](crate::Snapshot).
//! Nothing here fails: a file that cannot be read is recorded as absent or without content.

use crate::snapshot::{FileFact, HostFacts};
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// The rootful daemon's socket.
pub const DOCKER_SOCKET: &str = "/var/run/docker.sock";
/// The daemon configuration file when `dockerd` has no `--config-file`.
pub const DAEMON_JSON: &str = "/etc/docker/daemon.json";
/// The daemon's configuration directory.
pub const ETC_DOCKER: &str = "/etc/docker";
/// Registry client certificates (`certs.d/<registry>/{ca.crt,client.cert,client.key}`).
pub const CERTS_D: &str = "/etc/docker/certs.d";
/// Environment files read by init scripts and unit files.
pub const ENV_FILES: &[&str] = &["/etc/default/docker", "/etc/sysconfig/docker"];
/// Where systemd unit files of the daemon may be.
pub const UNIT_FILES: &[&str] = &[
    "/etc/systemd/system/docker.service",
    "/lib/systemd/system/docker.service",
    "/usr/lib/systemd/system/docker.service",
    "/etc/systemd/system/docker.socket",
    "/lib/systemd/system/docker.socket",
    "/usr/lib/systemd/system/docker.socket",
];

/// Largest file whose content is kept (daemon.json, /etc/default/docker).
const MAX_CONTENT: u64 = 64 * 1024;

/// Collect the host facts of the local machine.
pub fn host_facts() -> HostFacts {
    let users = id_names(Path::new("/etc/passwd"));
    let groups = id_names(Path::new("/etc/group"));
    let procs = processes(Path::new("/proc"));
    let daemon_args = procs.as_ref().and_then(|p| {
        p.iter()
            .find(|(comm, _)| comm == "dockerd")
            .map(|(_, args)| args.iter().skip(1).cloned().collect::<Vec<_>>())
    });
    let docker_proxy_running = procs
        .as_ref()
        .map(|p| p.iter().any(|(comm, _)| comm == "docker-proxy"));

    let mut paths: Vec<(String, bool)> = Vec::new();
    paths.push((DOCKER_SOCKET.to_string(), false));
    if let Ok(dir) = std::env::var("XDG_RUNTIME_DIR")
        && !dir.is_empty()
    {
        paths.push((format!("{}/docker.sock", dir.trim_end_matches('/')), false));
    }
    let config_file = daemon_args
        .as_deref()
        .and_then(|a| flag_value(a, "--config-file"))
        .unwrap_or_else(|| DAEMON_JSON.to_string());
    paths.push((config_file.clone(), true));
    paths.push((ETC_DOCKER.to_string(), false));
    for f in ENV_FILES {
        paths.push((f.to_string(), true));
    }
    for f in UNIT_FILES {
        if Path::new(f).exists() {
            paths.push((f.to_string(), false));
        }
    }
    paths.push((CERTS_D.to_string(), false));
    for f in registry_certs(Path::new(CERTS_D)) {
        paths.push((f, false));
    }
    // TLS material named in daemon.json or on the command line.
    let json = std::fs::read_to_string(&config_file)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
    for key in ["tlscacert", "tlscert", "tlskey"] {
        let from_args = daemon_args
            .as_deref()
            .and_then(|a| flag_value(a, &format!("--{key}")));
        let from_json = json
            .as_ref()
            .and_then(|j| j.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_string);
        if let Some(p) = from_args.or(from_json)
            && !paths.iter().any(|(q, _)| *q == p)
        {
            paths.push((p, false));
        }
    }
    let files = paths
        .into_iter()
        .map(|(p, content)| file_fact(&p, content, &users, &groups))
        .collect();
    HostFacts {
        files,
        daemon_args,
        docker_proxy_running,
    }
}

/// Stat one path (following symlinks); with `content`, read it when it is a small regular file.
pub fn file_fact(
    path: &str,
    content: bool,
    users: &BTreeMap<u32, String>,
    groups: &BTreeMap<u32, String>,
) -> FileFact {
    let Ok(md) = std::fs::metadata(path) else {
        return FileFact {
            path: path.to_string(),
            ..FileFact::default()
        };
    };
    let text = if content && md.is_file() && md.len() <= MAX_CONTENT {
        std::fs::read(path)
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    } else {
        None
    };
    FileFact {
        path: path.to_string(),
        exists: true,
        mode: Some(md.mode() & 0o7777),
        uid: Some(md.uid()),
        gid: Some(md.gid()),
        owner: users.get(&md.uid()).cloned(),
        group: groups.get(&md.gid()).cloned(),
        content: text,
    }
}

/// `id -> name` from an `/etc/passwd` or `/etc/group` style file (name in field 1, id in field 3).
pub fn id_names(path: &Path) -> BTreeMap<u32, String> {
    let mut m = BTreeMap::new();
    let Ok(text) = std::fs::read_to_string(path) else {
        return m;
    };
    for line in text.lines() {
        let mut f = line.split(':');
        let (Some(name), Some(_), Some(id)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if let Ok(id) = id.trim().parse::<u32>() {
            m.entry(id).or_insert_with(|| name.to_string());
        }
    }
    m
}

/// `(comm, argv)` of every process under `proc_root`; `None` when it cannot be listed.
fn processes(proc_root: &Path) -> Option<Vec<(String, Vec<String>)>> {
    let dir = std::fs::read_dir(proc_root).ok()?;
    let mut out = Vec::new();
    for e in dir.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str() else { continue };
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(comm) = std::fs::read_to_string(e.path().join("comm")) else {
            continue;
        };
        let args = std::fs::read(e.path().join("cmdline"))
            .map(|b| {
                b.split(|&c| c == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect()
            })
            .unwrap_or_default();
        out.push((comm.trim().to_string(), args));
    }
    Some(out)
}

/// The value of `--flag VALUE` or `--flag=VALUE` (the last one given).
pub fn flag_value(args: &[String], flag: &str) -> Option<String> {
    let mut found = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == flag {
            found = it.next().cloned();
        } else if let Some(v) = a.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
            found = Some(v.to_string());
        }
    }
    found
}

/// Files one and two levels under `certs.d` (`<registry>/ca.crt`, `<registry>/client.key`).
fn registry_certs(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten().take(256) {
        let p = e.path();
        if p.is_dir() {
            if let Ok(inner) = std::fs::read_dir(&p) {
                for f in inner.flatten().take(64) {
                    if f.path().is_file() {
                        out.push(f.path().to_string_lossy().into_owned());
                    }
                }
            }
        } else if p.is_file() {
            out.push(p.to_string_lossy().into_owned());
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_names() {
        let a: Vec<String> = ["-H", "fd://", "--config-file=/x.json", "--tlskey", "/k"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(flag_value(&a, "--config-file").as_deref(), Some("/x.json"));
        assert_eq!(flag_value(&a, "--tlskey").as_deref(), Some("/k"));
        assert_eq!(flag_value(&a, "--tls"), None);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("passwd");
        std::fs::write(
            &p,
            "root:x:0:0:root:/root:/bin/sh\nbad line\napp:x:1000:1000::/:/bin/sh\n",
        )
        .unwrap();
        let m = id_names(&p);
        assert_eq!(m.get(&0).map(String::as_str), Some("root"));
        assert_eq!(m.get(&1000).map(String::as_str), Some("app"));
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn stat_with_and_without_content() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("daemon.json");
        std::fs::write(&p, "{\"icc\": false}").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        let f = file_fact(
            &p.to_string_lossy(),
            true,
            &BTreeMap::new(),
            &BTreeMap::new(),
        );
        assert!(f.exists);
        assert_eq!(f.mode, Some(0o640));
        assert_eq!(f.content.as_deref(), Some("{\"icc\": false}"));
        let g = file_fact(
            &p.to_string_lossy(),
            false,
            &BTreeMap::new(),
            &BTreeMap::new(),
        );
        assert_eq!(g.content, None);
        let h = file_fact(
            "/nonexistent/bulkhead/x",
            true,
            &BTreeMap::new(),
            &BTreeMap::new(),
        );
        assert!(!h.exists && h.mode.is_none());
    }

    #[test]
    fn this_host() {
        // The facts of this machine: whatever it is, /etc/docker's fact is present, and dockerd's
        // arguments are found exactly when a dockerd process is visible.
        let h = host_facts();
        assert!(h.files.iter().any(|f| f.path == ETC_DOCKER));
        assert!(h.files.iter().any(|f| f.path == DOCKER_SOCKET));
        let visible = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| {
                std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == "dockerd")
            });
        assert_eq!(h.daemon_args.is_some(), visible);
    }
}
