use super::DaemonConfig;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a daemon listening on TCP without TLS client authentication: the audited address itself is
    /// `tcp://`/`http://` and the connection used no TLS (as the collector reports it, or, for an address
    /// from `DOCKER_HOST`, `DOCKER_TLS_VERIFY` unset), or `daemon.json
    /// "hosts"` / `dockerd -H` name a `tcp://` address while `tlsverify` is not on.
    ///
    /// ## Why it matters
    /// The Engine API is root on the host. On a TCP port without `tlsverify`, anyone who reaches the port
    /// can start a privileged container mounting `/` (CIS Docker Benchmark 2.7). Port 2375 scanners find
    /// such daemons within minutes and install miners.
    ///
    /// ## Example
    /// ```text
    /// $ cat /etc/docker/daemon.json
    /// {"hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]}
    /// ```
    ///
    /// ## Fix
    /// Remove the TCP listener (use ssh:// contexts), or set `"tlsverify": true` with `"tlscacert"`,
    /// `"tlscert"`, `"tlskey"` in daemon.json (`dockerd --tlsverify --tlscacert=ca.pem
    /// --tlscert=server-cert.pem --tlskey=server-key.pem -H tcp://0.0.0.0:2376`).
    pub struct TcpWithoutTls {
        id: "DM004", name: "daemon-tcp-without-tls", title: "Docker API on TCP without TLS authentication",
        severity: Critical, category: Security, aliases: ["CIS-2.7", "check_2_7"],
        compliance: ["CIS-Docker-2.7", "PCI-DSS-4.2.1", "PCI-DSS-8.3", "HIPAA-164.312(e)(1)"],
        remediation: "Set `\"tlsverify\": true` with tlscacert/tlscert/tlskey in daemon.json (`dockerd --tlsverify ...`), or drop the tcp:// listener.",
        min_profile: Dev, fixable: false,
    }
}

fn tls_env(v: Option<&str>) -> bool {
    v.is_some_and(|v| !v.is_empty() && v != "0")
}

impl EngineRule for TcpWithoutTls {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let snap = ctx.snapshot;
        let host = snap.host.trim();
        let tcp = host.starts_with("tcp://") || host.starts_with("http://");
        // The collector says whether it used TLS; without that, only an address taken from DOCKER_HOST
        // tells, through DOCKER_TLS_VERIFY (an address from a context may have had TLS).
        let plain = match snap.connection_tls {
            Some(tls) => !tls,
            None => {
                host.starts_with("http://")
                    || (snap.client.docker_host.as_deref().map(str::trim) == Some(host)
                        && !tls_env(snap.client.tls_verify.as_deref()))
            }
        };
        if tcp && plain {
            out.push(
                ctx.daemon_finding(
                    &Self::META,
                    "host",
                    format!("the engine answered on {host} without TLS: anyone who reaches this port controls the host as root"),
                )
                .with_evidence(Evidence::plain(format!(
                    "address: {host}; DOCKER_TLS_VERIFY: {}",
                    snap.client.tls_verify.as_deref().unwrap_or("(unset)")
                ))),
            );
        }
        let cfg = DaemonConfig::of(snap);
        let tcp: Vec<(String, &str)> = cfg
            .hosts()
            .into_iter()
            .filter(|(h, _)| h.starts_with("tcp://") || h.starts_with("http://"))
            .collect();
        if tcp.is_empty() {
            return;
        }
        let verify = cfg.bool_setting("tlsverify").is_some_and(|(b, _)| b);
        if verify {
            return;
        }
        let tls = cfg.bool_setting("tls").is_some_and(|(b, _)| b);
        for (addr, source) in tcp {
            let why = if tls {
                "TLS without tlsverify: traffic is encrypted but any client is accepted"
            } else {
                "no TLS at all: anyone who reaches it controls the host as root"
            };
            out.push(
                ctx.daemon_finding(
                    &Self::META,
                    source,
                    format!("the daemon listens on {addr} with {why}"),
                )
                .with_evidence(Evidence::plain(format!("{source}: {addr}"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Snapshot;
    use crate::rules::daemon::test_support::*;

    #[test]
    fn address_and_config() {
        let mut s = Snapshot {
            host: "tcp://10.0.0.5:2375".into(),
            ..Snapshot::default()
        };
        // Unknown: the address did not come from DOCKER_HOST (a context may carry TLS).
        assert!(run(&TcpWithoutTls, &s).is_empty());
        s.client.docker_host = Some("tcp://10.0.0.5:2375".into());
        assert_eq!(objects(&run(&TcpWithoutTls, &s)), ["daemon / host"]);
        s.client.tls_verify = Some("1".into());
        assert!(run(&TcpWithoutTls, &s).is_empty());
        s.client.tls_verify = Some("0".into());
        assert_eq!(run(&TcpWithoutTls, &s).len(), 1);
        // What the collector reports wins.
        s.connection_tls = Some(true);
        assert!(run(&TcpWithoutTls, &s).is_empty());
        s.connection_tls = Some(false);
        s.client.docker_host = None;
        assert_eq!(run(&TcpWithoutTls, &s).len(), 1);
        let http = Snapshot {
            host: "http://10.0.0.5:2375".into(),
            ..Snapshot::default()
        };
        assert_eq!(run(&TcpWithoutTls, &http).len(), 1);
        let unix = Snapshot {
            host: "unix:///var/run/docker.sock".into(),
            ..Snapshot::default()
        };
        assert!(run(&TcpWithoutTls, &unix).is_empty());

        let j = r#"{"hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]}"#;
        let f = run(
            &TcpWithoutTls,
            &with_host(unix.clone(), vec![], Some(&[]), Some(j)),
        );
        assert_eq!(objects(&f), ["daemon / daemon.json \"hosts\""]);
        assert!(f[0].message.contains("no TLS at all"), "{}", f[0].message);
        let j = r#"{"hosts": ["tcp://0.0.0.0:2376"], "tls": true}"#;
        let f = run(
            &TcpWithoutTls,
            &with_host(unix.clone(), vec![], None, Some(j)),
        );
        assert!(
            f[0].message.contains("any client is accepted"),
            "{}",
            f[0].message
        );
        let j = r#"{"hosts": ["tcp://0.0.0.0:2376"], "tlsverify": true}"#;
        assert!(
            run(
                &TcpWithoutTls,
                &with_host(unix.clone(), vec![], None, Some(j))
            )
            .is_empty()
        );
        let f = run(
            &TcpWithoutTls,
            &with_host(
                unix.clone(),
                vec![],
                Some(&["-H", "tcp://0.0.0.0:2375"]),
                None,
            ),
        );
        assert_eq!(objects(&f), ["daemon / dockerd -H"]);
        let f = run(
            &TcpWithoutTls,
            &with_host(
                unix,
                vec![],
                Some(&["-H", "fd://", "--iptables=false"]),
                None,
            ),
        );
        assert!(f.is_empty());
    }
}
