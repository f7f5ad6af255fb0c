use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reads the default log driver (`Info.LoggingDriver`): `none` is flagged (logs are discarded);
    /// `json-file` and `local` (logs kept only on this host) give an `info` finding; a driver that ships
    /// logs elsewhere (`syslog`, `journald`, `fluentd`, `gelf`, `awslogs`, `splunk`, `gcplogs`, ...)
    /// gives none.
    ///
    /// ## Why it matters
    /// Without logs there is no incident response; with logs only on the host, an attacker who gets root
    /// there erases them (CIS Docker Benchmark 2.13).
    ///
    /// ## Example
    /// ```text
    /// $ docker info -f '{{.LoggingDriver}}'
    /// none
    /// ```
    ///
    /// ## Fix
    /// Set `"log-driver"` in `/etc/docker/daemon.json` to a remote driver (`"log-driver": "syslog",
    /// "log-opts": {"syslog-address": "tcp://logs.example:514"}`), or ship `json-file` logs with a
    /// collector; restart the daemon.
    pub struct NoRemoteLogging {
        id: "DM010", name: "daemon-no-remote-logging", title: "Container logs discarded or kept only on the host",
        severity: Medium, category: Security, aliases: ["CIS-2.13", "check_2_13"],
        compliance: ["CIS-Docker-2.13", "PCI-DSS-10.2", "SOC2-CC7.2", "HIPAA-164.312(b)"],
        remediation: "Set `\"log-driver\"` (e.g. `syslog`, `fluentd`, `gelf`) with its `log-opts` in daemon.json, or ship json-file logs.",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for NoRemoteLogging {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let Some(driver) = ctx
            .snapshot
            .info
            .as_ref()
            .and_then(|i| i.logging_driver.as_deref())
        else {
            return;
        };
        let f = match driver {
            "none" => ctx.daemon_finding(
                &Self::META,
                "Info.LoggingDriver",
                "the default log driver is none: container output is discarded",
            ),
            "json-file" | "local" => ctx
                .daemon_finding(
                    &Self::META,
                    "Info.LoggingDriver",
                    format!("container logs are kept only on this host ({driver}); no remote logging is configured"),
                )
                .with_severity(Severity::Info),
            _ => return,
        };
        out.push(f.with_evidence(Evidence::plain(format!("LoggingDriver: {driver}"))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::daemon::test_support::*;

    #[test]
    fn drivers() {
        let f = run(&NoRemoteLogging, &fixture("rootful-default.json"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);
        let f = run(&NoRemoteLogging, &fixture("insecure.json"));
        assert_eq!(f[0].severity, Severity::Medium);
        assert!(f[0].message.contains("none"));
        assert!(run(&NoRemoteLogging, &fixture("hardened.json")).is_empty());
    }
}
