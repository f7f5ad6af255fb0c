use super::DaemonConfig;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags the userland proxy left on: `"userland-proxy": true` in `daemon.json` or on the `dockerd`
    /// command line, or, when bulkhead runs on the engine's host, neither setting it (the default is on)
    /// or a running `docker-proxy` process. Quiet when it cannot be known (a remote engine) and on a
    /// rootless engine, whose port forwarding works differently.
    ///
    /// ## Why it matters
    /// `docker-proxy` is a root process per published port that forwards traffic in user space; hairpin
    /// NAT does the same job without it. Less root code listening on ports means a smaller attack surface
    /// (CIS Docker Benchmark 2.16).
    ///
    /// ## Example
    /// ```text
    /// $ ps -e -o comm | grep docker-proxy
    /// docker-proxy
    /// ```
    ///
    /// ## Fix
    /// Set `"userland-proxy": false` in `/etc/docker/daemon.json` (`dockerd --userland-proxy=false`) and
    /// restart the daemon.
    pub struct UserlandProxy {
        id: "DM006", name: "daemon-userland-proxy", title: "Userland proxy enabled",
        severity: Low, category: Security, aliases: ["CIS-2.16", "check_2_16"],
        compliance: ["CIS-Docker-2.16"],
        remediation: "Set `\"userland-proxy\": false` in daemon.json (`dockerd --userland-proxy=false`).",
        min_profile: Production, fixable: false,
    }
}

impl EngineRule for UserlandProxy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        if ctx.snapshot.rootless() {
            return;
        }
        let cfg = DaemonConfig::of(ctx.snapshot);
        if !cfg.local {
            return;
        }
        let why = match cfg.bool_setting("userland-proxy") {
            Some((false, _)) => return,
            Some((true, src)) => format!("the userland proxy is on ({src})"),
            None if cfg.args.is_some() => {
                "the userland proxy is on (not disabled in daemon.json nor on the dockerd command line; the default is on)".to_string()
            }
            None => {
                let running = ctx.snapshot.host_files.as_ref().and_then(|h| h.docker_proxy_running);
                if running != Some(true) {
                    return;
                }
                "the userland proxy is on (a docker-proxy process runs)".to_string()
            }
        };
        out.push(
            ctx.daemon_finding(&Self::META, "userland-proxy", why)
                .with_evidence(Evidence::plain(format!(
                    "dockerd args: {}",
                    bulkhead_dockerfile::secrets::scrub(&cfg.args.unwrap_or_default().join(" "))
                ))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Snapshot;
    use crate::rules::daemon::test_support::*;

    #[test]
    fn known_and_unknown() {
        let base = fixture("rootful-default.json");
        assert!(
            run(
                &UserlandProxy,
                &Snapshot {
                    host_files: None,
                    ..base.clone()
                }
            )
            .is_empty()
        );
        let f = run(
            &UserlandProxy,
            &with_host(base.clone(), vec![], Some(&["--iptables=false"]), None),
        );
        assert_eq!(objects(&f), ["daemon / userland-proxy"]);
        assert!(f[0].message.contains("the default is on"));
        assert!(
            run(
                &UserlandProxy,
                &with_host(
                    base.clone(),
                    vec![],
                    Some(&["--userland-proxy=false"]),
                    None
                )
            )
            .is_empty()
        );
        assert!(
            run(
                &UserlandProxy,
                &with_host(
                    base.clone(),
                    vec![],
                    None,
                    Some(r#"{"userland-proxy": false}"#)
                )
            )
            .is_empty()
        );
        let f = run(
            &UserlandProxy,
            &with_host(
                base.clone(),
                vec![],
                None,
                Some(r#"{"userland-proxy": true}"#),
            ),
        );
        assert!(f[0].message.contains("daemon.json"), "{}", f[0].message);
        // No arguments and no config: only a running docker-proxy tells.
        let mut s = with_host(base.clone(), vec![], None, None);
        assert!(run(&UserlandProxy, &s).is_empty());
        if let Some(h) = s.host_files.as_mut() {
            h.docker_proxy_running = Some(true);
        }
        assert_eq!(run(&UserlandProxy, &s).len(), 1);
        let rl = with_host(fixture("rootless.json"), vec![], Some(&[]), None);
        assert!(run(&UserlandProxy, &rl).is_empty());
    }
}
