use super::support::process_commands;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

/// Interpreters whose first argument is the program really run (`/bin/sh /usr/local/bin/sshd`).
const INTERPRETERS: &[&str] = &[
    "sh", "bash", "ash", "dash", "busybox", "python", "python3", "perl",
];

fn base(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Whether a process command line is an SSH server: the program (or the script an interpreter runs) is
/// `sshd`/`dropbear`, or OpenSSH's retitled form `sshd: ...`.
pub fn is_sshd(cmd: &str) -> bool {
    let cmd = cmd.trim();
    if cmd.starts_with("sshd:") {
        return true;
    }
    let mut words = cmd.split_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    let is_server = |w: &str| matches!(base(w), "sshd" | "dropbear");
    if is_server(first) {
        return true;
    }
    if INTERPRETERS.contains(&base(first)) {
        return words.find(|w| !w.starts_with('-')).is_some_and(is_server);
    }
    false
}

declare_rule! {
    /// ## What it does
    /// Flags a running container with an SSH server among its processes (`docker top`): a program or
    /// interpreted script named `sshd` or `dropbear`, or OpenSSH's `sshd: ...` process title. Stopped
    /// containers have no processes to read and are skipped.
    ///
    /// ## Why it matters
    /// An SSH server in a container is a second, network-facing login with its own keys and passwords to
    /// rotate and patch, outside the engine's access control and audit (CIS Docker Benchmark 5.7).
    /// `docker exec` gives a shell without it.
    ///
    /// ## Example
    /// ```text
    /// $ docker top legacy
    /// UID   PID   PPID  C  STIME  TTY  TIME      CMD
    /// root  4211  4190  0  09:12  ?    00:00:00  /usr/sbin/sshd -D
    /// ```
    ///
    /// ## Fix
    /// Remove the SSH server from the image and the entrypoint; use `docker exec -it <container> sh`.
    pub struct SshdRunning {
        id: "CT007", name: "container-sshd-running", title: "SSH server running in the container",
        severity: Medium, category: Security, aliases: ["CIS-5.7", "DS-0004"],
        compliance: ["CIS-Docker-5.7", "PCI-DSS-2.2.4"],
        remediation: "Remove the SSH server from the image and entrypoint; use `docker exec` for access.",
        min_profile: Dev, fixable: false,
    }
}

impl EngineRule for SshdRunning {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let Some(cmds) = process_commands(c) else {
                continue;
            };
            if let Some(cmd) = cmds.iter().find(|c| is_sshd(c)) {
                out.push(
                    ctx.container_finding(
                        &Self::META,
                        c,
                        "Processes",
                        format!("an SSH server runs in the container: `{cmd}`"),
                    )
                    .with_evidence(Evidence::plain(format!("top CMD: {cmd}"))),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn sshd_processes() {
        assert_eq!(reported(&SshdRunning), ["ct-sshd"]);
        for c in [
            "/usr/sbin/sshd -D",
            "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups",
            "sshd: app [priv]",
            "dropbear -F -E",
            "/bin/sh /tmp/sshd",
        ] {
            assert!(is_sshd(c), "{c}");
        }
        for c in [
            "sleep 3600",
            "ssh-agent",
            "/bin/sh -c echo sshd",
            "grep sshd",
            "sshd-exporter",
            "",
        ] {
            assert!(!is_sshd(c), "{c}");
        }
        // A stopped container has no process list: nothing to say.
        assert!(run_named(&SshdRunning, "ct-propagation").is_empty());
    }
}
