use super::{DaemonConfig, host_file, root_file_finding};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// When bulkhead runs on the engine's host, checks the daemon's TLS material named in `daemon.json`
    /// or on the `dockerd` command line: the CA certificate (`tlscacert`) and server certificate
    /// (`tlscert`) owned by `root:root` with mode `0444` or stricter, the server key (`tlskey`) owned by
    /// `root:root` with mode `0400`. High when others can write a certificate or read the key.
    ///
    /// ## Why it matters
    /// A readable server key lets anyone impersonate the daemon; a writable CA certificate lets anyone
    /// add a client CA and control the daemon (CIS Docker Benchmark 3.9 to 3.14).
    ///
    /// ## Example
    /// ```text
    /// $ stat -c '%U:%G %a' /etc/docker/tls/server-key.pem
    /// root:root 644
    /// ```
    ///
    /// ## Fix
    /// `chown root:root ca.pem server-cert.pem server-key.pem && chmod 444 ca.pem server-cert.pem &&
    /// chmod 400 server-key.pem`.
    pub struct TlsFilePermissions {
        id: "DM014", name: "daemon-tls-file-permissions", title: "Daemon TLS files ownership or permissions too open",
        severity: Medium, category: Security,
        aliases: ["CIS-3.9", "CIS-3.10", "CIS-3.11", "CIS-3.12", "CIS-3.13", "CIS-3.14", "check_3_9", "check_3_10", "check_3_11", "check_3_12", "check_3_13", "check_3_14"],
        compliance: ["CIS-Docker-3.9", "CIS-Docker-3.10", "CIS-Docker-3.11", "CIS-Docker-3.12", "CIS-Docker-3.13", "CIS-Docker-3.14", "PCI-DSS-3.6"],
        remediation: "`chown root:root` the CA, certificate and key; `chmod 444` the certificates, `chmod 400` the key.",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for TlsFilePermissions {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        if ctx.snapshot.rootless() {
            return;
        }
        let cfg = DaemonConfig::of(ctx.snapshot);
        for (key, max, secret) in [
            ("tlscacert", 0o444, false),
            ("tlscert", 0o444, false),
            ("tlskey", 0o400, true),
        ] {
            let Some(path) = cfg.string_setting(key) else {
                continue;
            };
            let Some(f) = host_file(ctx.snapshot, &path) else {
                continue;
            };
            out.extend(root_file_finding(
                ctx,
                &Self::META,
                f,
                Some(key),
                max,
                secret,
                true,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::daemon::test_support::*;
    use bulkhead_core::Severity;

    #[test]
    fn ca_cert_key() {
        let j = r#"{"tlsverify": true, "tlscacert": "/etc/docker/tls/ca.pem", "tlscert": "/etc/docker/tls/cert.pem", "tlskey": "/etc/docker/tls/key.pem"}"#;
        let files = vec![
            file("/etc/docker/tls/ca.pem", 0o444, 0, 0, "root", "root"),
            file("/etc/docker/tls/cert.pem", 0o644, 0, 0, "root", "root"),
            file("/etc/docker/tls/key.pem", 0o644, 0, 0, "root", "root"),
        ];
        let f = run(
            &TlsFilePermissions,
            &with_host(fixture("rootful-default.json"), files, None, Some(j)),
        );
        assert_eq!(
            objects(&f),
            [
                "daemon / /etc/docker/tls/cert.pem",
                "daemon / /etc/docker/tls/key.pem"
            ]
        );
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[1].severity, Severity::High);
        assert!(
            f[1].remediation
                .contains("chmod 400 /etc/docker/tls/key.pem"),
            "{}",
            f[1].remediation
        );
        let files = vec![
            file("/etc/docker/tls/ca.pem", 0o444, 0, 0, "root", "root"),
            file("/etc/docker/tls/cert.pem", 0o400, 0, 0, "root", "root"),
            file("/etc/docker/tls/key.pem", 0o400, 0, 0, "root", "root"),
        ];
        assert!(
            run(
                &TlsFilePermissions,
                &with_host(fixture("rootful-default.json"), files, None, Some(j))
            )
            .is_empty()
        );
    }
}
