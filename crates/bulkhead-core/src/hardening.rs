//! Container-hardening facts shared by the engine and compose analyzers: engine API sockets, sensitive
//! host directories (and how a mount of one is graded), dangerous capabilities and capability spelling.

use crate::Severity;

/// Whether a `User` (`Config.User`, `--user`, compose `user:`, Dockerfile `USER`) means root: empty (the
/// default), `root` or `0`, with or without a group.
pub fn user_is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name.is_empty() || name == "0" || name == "root"
}

/// `p` without `.`, empty components or a trailing slash (`/etc/` → `/etc`, `//` → `/`); a relative path
/// (`./etc`, `~/.ssh`) stays relative (`etc`, `~/.ssh`), so it never equals an absolute one.
pub fn clean_host_path(p: &str) -> String {
    let parts: Vec<&str> = p
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if !p.starts_with('/') {
        return parts.join("/");
    }
    format!("/{}", parts.join("/"))
}

/// Whether a host path is an engine API socket (`/var/run/docker.sock`, `/run/docker.sock`, any
/// `*docker.sock` such as the rootless `/run/user/<uid>/docker.sock`, `containerd.sock`, `podman.sock`)
/// or a directory holding one (`/var/run`, `/run`, `/run/user/<uid>`, `/run/containerd`).
pub fn is_engine_socket(source: &str) -> bool {
    let p = clean_host_path(source);
    if p.ends_with("docker.sock") || p.ends_with("/containerd.sock") || p.ends_with("/podman.sock")
    {
        return true;
    }
    let parts: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
    matches!(
        parts.as_slice(),
        ["var", "run"]
            | ["run"]
            | ["run", "user", _]
            | ["run", "containerd"]
            | ["var", "run", "containerd"]
    )
}

/// Host directories whose mount hands a container the host (exact paths: `/etc/ssl/certs` is not `/etc`).
pub const SENSITIVE_HOST_PATHS: &[&str] = &[
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/boot",
    "/root",
    "/var/lib/docker",
    "/dev",
    "/usr",
    "/lib",
    "/var",
    "/run",
];

/// Whether a host path is sensitive: one of [`SENSITIVE_HOST_PATHS`], or an `.ssh` directory (or a file
/// in it) under `/home/<user>`, `/root` or `~`.
pub fn is_sensitive_host_path(source: &str) -> bool {
    let p = clean_host_path(source);
    if SENSITIVE_HOST_PATHS.contains(&p.as_str()) {
        return true;
    }
    let parts: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
    matches!(
        parts.as_slice(),
        ["home", _, ".ssh", ..] | ["root", ".ssh", ..] | ["~", ".ssh", ..]
    )
}

/// Severity of a mount of a sensitive host path: `/` read-write is critical, any other read-write mount
/// high, a read-only one medium.
pub fn sensitive_mount_severity(source: &str, read_write: bool) -> Severity {
    match (clean_host_path(source).as_str(), read_write) {
        ("/", true) => Severity::Critical,
        (_, true) => Severity::High,
        _ => Severity::Medium,
    }
}

/// Capabilities (spelled as [`capability_name`] gives them) that hand a container a large piece of the
/// host: escape paths, sniffing, module loading.
pub const DANGEROUS_CAPABILITIES: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "DAC_READ_SEARCH",
    "NET_RAW",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "BPF",
    "PERFMON",
];

/// Capabilities among [`DANGEROUS_CAPABILITIES`] whose addition is critical rather than high.
pub const CRITICAL_CAPABILITIES: &[&str] = &["ALL", "SYS_ADMIN"];

/// A capability in one spelling: trimmed, upper case, without `CAP_` (`cap_sys_admin` → `SYS_ADMIN`).
pub fn capability_name(cap: &str) -> String {
    let up = cap.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").unwrap_or(&up).to_string()
}

/// Whether a capability name (normalised by [`capability_name`] first) is in [`DANGEROUS_CAPABILITIES`].
pub fn is_dangerous_capability(name: &str) -> bool {
    DANGEROUS_CAPABILITIES.contains(&capability_name(name).as_str())
}

/// Whether a capability name (normalised by [`capability_name`] first) is in [`CRITICAL_CAPABILITIES`].
pub fn is_critical_capability(name: &str) -> bool {
    CRITICAL_CAPABILITIES.contains(&capability_name(name).as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cleaned_without_becoming_absolute() {
        assert_eq!(clean_host_path("/etc/"), "/etc");
        assert_eq!(clean_host_path("//"), "/");
        assert_eq!(clean_host_path("/home/a/./.ssh"), "/home/a/.ssh");
        assert_eq!(clean_host_path("~/.ssh/"), "~/.ssh");
        assert_eq!(clean_host_path("./etc"), "etc");
    }

    #[test]
    fn sockets_and_their_directories() {
        for p in [
            "/var/run/docker.sock",
            "/run/docker.sock",
            "/run/user/1000/docker.sock",
            "/home/ci/.docker/run/docker.sock",
            "/run/containerd/containerd.sock",
            "/run/podman/podman.sock",
            "/var/run/",
            "/run/user/1000",
        ] {
            assert!(is_engine_socket(p), "{p}");
        }
        for p in [
            "/var/run/app",
            "/srv/docker.socket.d",
            "./docker.socket.d",
            "/run/secrets",
            "/var/lib/docker",
        ] {
            assert!(!is_engine_socket(p), "{p}");
        }
    }

    #[test]
    fn sensitive_directories_not_their_subdirectories() {
        for p in [
            "/",
            "/etc/",
            "/home/ann/.ssh",
            "~/.ssh",
            "/root/.ssh",
            "/root/.ssh/authorized_keys",
            "/var/lib/docker",
        ] {
            assert!(is_sensitive_host_path(p), "{p}");
        }
        for p in [
            "/etc/ssl/certs",
            "./data",
            "etc",
            "/srv/data",
            "/var/lib/docker-data",
            "/home/ann/src",
            "/tmp",
        ] {
            assert!(!is_sensitive_host_path(p), "{p}");
        }
    }

    #[test]
    fn mount_grading() {
        assert_eq!(sensitive_mount_severity("/", true), Severity::Critical);
        assert_eq!(sensitive_mount_severity("//", true), Severity::Critical);
        assert_eq!(sensitive_mount_severity("/", false), Severity::Medium);
        assert_eq!(sensitive_mount_severity("/etc", true), Severity::High);
        assert_eq!(sensitive_mount_severity("/etc", false), Severity::Medium);
    }

    #[test]
    fn capability_spellings() {
        assert_eq!(capability_name("cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(capability_name(" NET_RAW"), "NET_RAW");
        assert_eq!(capability_name("all"), "ALL");
        assert!(is_dangerous_capability("cap_sys_ptrace"));
        assert!(is_dangerous_capability("Bpf"));
        assert!(!is_dangerous_capability("NET_BIND_SERVICE"));
        assert!(!is_dangerous_capability("CHOWN"));
        assert!(is_critical_capability("CAP_SYS_ADMIN"));
        assert!(is_critical_capability("all"));
        assert!(!is_critical_capability("NET_ADMIN"));
    }
}
