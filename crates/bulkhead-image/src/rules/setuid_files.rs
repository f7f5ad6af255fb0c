use super::{ImageCheckContext, ImageRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Lists the regular files of the final filesystem with the setuid (`04000`) or setgid (`02000`) bit,
    /// one finding per file, except the usual distribution binaries in the system directories (`/bin`,
    /// `/sbin`, `/usr/bin`, `/usr/sbin`, `/usr/lib*`, `/usr/libexec`, `/lib*`): `passwd`, `su`, `mount`,
    /// `umount`, `chsh`, `chfn`, `newgrp`, `gpasswd`, `chage`, `expiry`, `unix_chkpwd`,
    /// `pam_timestamp_check`, `ping`, `ping6`, `wall`, `write`, `bsd-write`, `crontab`, `ssh-agent`,
    /// `ssh-keysign`, `utempter`, `dbus-daemon-launch-helper`, `bbsuid` (the full list is
    /// `DEFAULT_SETUID_ALLOWLIST`). The allowlist can be extended in the configuration.
    ///
    /// Reported on purpose, even in system directories: `sudo` and `doas` (a container has no business
    /// escalating privileges; run the command as the right user instead), `pkexec` and polkit helpers
    /// (PwnKit, CVE-2021-4034), `fusermount`, `newuidmap`/`newgidmap`, `at`, and anything outside the
    /// system directories (`/app/passwd` is not the distribution's `passwd`).
    ///
    /// Setuid-root files are medium severity; setgid-only files and files setuid to another user are low.
    ///
    /// ## Why it matters
    /// A setuid-root binary runs as root whoever starts it: one bug in it is a privilege escalation from
    /// the container's unprivileged user to root (CIS Docker Benchmark 4.8). Containers rarely need any.
    ///
    /// ## Example
    /// ```text
    /// -rwsr-xr-x root root /usr/bin/sudo
    /// -rwsr-xr-x root root /usr/local/bin/helper
    /// ```
    ///
    /// ## Fix
    /// Remove the packages that are not needed (`sudo`), or drop the bits in the Dockerfile:
    /// ```dockerfile
    /// RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} + || true
    /// ```
    /// and run containers with `--security-opt no-new-privileges`, which makes the bits inert.
    pub struct SetuidFiles {
        id: "IM006", name: "setuid-setgid-files", title: "Setuid or setgid file", severity: Medium,
        category: Security, aliases: ["CIS-4.8", "CIS-DI-0008"], compliance: ["CIS-Docker-4.8", "PCI-DSS-2.2.6"],
        remediation: "Remove the binary or its setuid/setgid bit (`chmod a-s`); run with `--security-opt no-new-privileges`.",
        min_profile: Dev, fixable: false,
    }
}

/// Setuid/setgid binaries that distributions ship by default and that are accepted in the system
/// directories.
pub const DEFAULT_SETUID_ALLOWLIST: &[&str] = &[
    "passwd",
    "su",
    "mount",
    "umount",
    "chsh",
    "chfn",
    "newgrp",
    "gpasswd",
    "chage",
    "expiry",
    "unix_chkpwd",
    "pam_timestamp_check",
    "ping",
    "ping6",
    "wall",
    "write",
    "bsd-write",
    "crontab",
    "ssh-agent",
    "ssh-keysign",
    "utempter",
    "dbus-daemon-launch-helper",
    "bbsuid",
];

/// Directories whose binaries the distribution owns.
fn in_system_dir(path: &str) -> bool {
    const EXACT: &[&str] = &["/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/"];
    if let Some(parent) = path.rsplit_once('/').map(|(p, _)| p) {
        let parent = format!("{parent}/");
        if EXACT.contains(&parent.as_str()) {
            return true;
        }
    }
    ["/usr/lib", "/usr/libexec/", "/lib"]
        .iter()
        .any(|p| path.starts_with(p))
}

fn allowed(path: &str, extra: &[String]) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    if extra.iter().any(|a| a == path) {
        return true;
    }
    in_system_dir(path)
        && (DEFAULT_SETUID_ALLOWLIST.contains(&name)
            || extra.iter().any(|a| !a.starts_with('/') && a == name))
}

impl ImageRule for SetuidFiles {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ImageCheckContext, out: &mut Vec<Finding>) {
        let extra = &ctx.options.setuid_allowlist;
        for (path, node) in &ctx.image.fs.entries {
            let meta = &node.meta;
            let (suid, sgid) = (meta.is_setuid(), meta.is_setgid());
            if !(suid || sgid) || allowed(path, extra) {
                continue;
            }
            let (what, severity) = match (suid, meta.uid) {
                (true, 0) => ("setuid root", Severity::Medium),
                (true, _) => ("setuid", Severity::Low),
                (false, _) => ("setgid", Severity::Low),
            };
            let what = if suid && sgid {
                format!("{what} and setgid")
            } else {
                what.to_string()
            };
            let message = format!(
                "`{path}` is {what} (owner {}:{}): it runs with those privileges whoever starts it",
                meta.uid, meta.gid
            );
            out.push(
                ctx.file_finding(&Self::META, message, path, node.layer)
                    .with_severity(severity)
                    .with_evidence(Evidence::plain(format!(
                        "{} {}:{} {path}",
                        super::ls_mode(meta),
                        meta.uid,
                        meta.gid
                    ))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileMeta;
    use crate::rules::ImageCheckOptions;
    use crate::rules::test_support::{run, run_with};
    use crate::testkit::ImageBuilder;

    /// The setuid/setgid set of debian:12 plus openssh-client and dbus.
    fn debian() -> ImageBuilder {
        let mut b = ImageBuilder::new("debian:12").layer("ADD rootfs.tar.xz /");
        for p in [
            "/usr/bin/chfn",
            "/usr/bin/chsh",
            "/usr/bin/gpasswd",
            "/usr/bin/mount",
            "/usr/bin/newgrp",
            "/usr/bin/passwd",
            "/usr/bin/su",
            "/usr/bin/umount",
            "/usr/lib/openssh/ssh-keysign",
            "/usr/lib/dbus-1.0/dbus-daemon-launch-helper",
        ] {
            b = b.file(p, 0o4755, b"\x7fELF");
        }
        b = b.owner(0, 42);
        for p in [
            "/usr/bin/chage",
            "/usr/bin/expiry",
            "/usr/sbin/unix_chkpwd",
            "/usr/bin/ssh-agent",
        ] {
            b = b.file(p, 0o2755, b"\x7fELF");
        }
        b.owner(0, 0).file("/usr/bin/ls", 0o755, b"\x7fELF").file(
            "/usr/lib/x86_64-linux-gnu/utempter/utempter",
            0o2755,
            b"\x7fELF",
        )
    }

    #[test]
    fn distribution_defaults_are_quiet() {
        assert!(run(&SetuidFiles, debian()).is_empty());
    }

    #[test]
    fn others_are_reported_one_by_one() {
        let b = debian()
            .layer("RUN apt-get install -y sudo && cp /usr/bin/passwd /app/passwd")
            .file("/usr/bin/sudo", 0o4755, b"\x7fELF")
            .file("/app/passwd", 0o4755, b"\x7fELF")
            .owner(1000, 50)
            .file("/opt/tool/bin/helper", 0o6750, b"\x7fELF")
            .file("/usr/local/bin/games", 0o2755, b"\x7fELF");
        let f = run(&SetuidFiles, b);
        let paths: Vec<&str> = f
            .iter()
            .filter_map(|x| x.location.object.as_deref())
            .map(|o| o.split(' ').next().unwrap_or(""))
            .collect();
        assert_eq!(
            paths,
            [
                "/app/passwd",
                "/opt/tool/bin/helper",
                "/usr/bin/sudo",
                "/usr/local/bin/games"
            ]
        );
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[1].severity, Severity::Low);
        assert!(
            f[1].message.contains("setuid and setgid"),
            "{}",
            f[1].message
        );
        assert_eq!(
            f[2].evidence.as_ref().map(|e| e.as_str()),
            Some("-rwsr-xr-x 0:0 /usr/bin/sudo")
        );
        assert!(
            f[2].location
                .object
                .as_deref()
                .is_some_and(|o| o.contains("layer 2"))
        );

        let opts = ImageCheckOptions {
            setuid_allowlist: vec!["sudo".into(), "/opt/tool/bin/helper".into(), "games".into()],
            ..ImageCheckOptions::default()
        };
        let b = debian()
            .file("/usr/bin/sudo", 0o4755, b"x")
            .file("/opt/tool/bin/helper", 0o4755, b"x")
            .file("/usr/local/bin/games", 0o2755, b"x");
        let f = run_with(&SetuidFiles, b, &opts);
        // A bare name only counts in the system directories.
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("/usr/local/bin/games"));
    }

    #[test]
    fn directories_and_links_are_not_files() {
        let b = ImageBuilder::new("x")
            .dir("/var/mail", 0o2775)
            .symlink("/usr/bin/pkexec", "/opt/pkexec");
        assert!(run(&SetuidFiles, b).is_empty());
        assert_eq!(
            super::super::ls_mode(&FileMeta {
                kind: crate::model::FileKind::File,
                mode: 0o7644,
                uid: 0,
                gid: 0,
                size: 0,
                link_target: None,
            }),
            "-rwSr-Sr-T"
        );
    }
}
