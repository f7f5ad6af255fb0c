use super::DaemonConfig;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a daemon that does not set `no-new-privileges` for every container by default: `daemon.json
    /// "no-new-privileges"` is false, or, when bulkhead runs on the engine's host, neither daemon.json nor
    /// the `dockerd` command line sets it. Quiet when `Info.SecurityOptions` holds
    /// `name=no-new-privileges` (newer engines report it) and when it cannot be known.
    ///
    /// ## Why it matters
    /// Without `no_new_privs`, a process in a container can gain privileges through setuid/setgid binaries
    /// (`su`, `passwd`, a planted setuid shell) and file capabilities. The daemon default closes that for
    /// every container that does not opt out (CIS Docker Benchmark 2.14).
    ///
    /// ## Example
    /// ```text
    /// $ cat /etc/docker/daemon.json
    /// {"live-restore": true}
    /// ```
    ///
    /// ## Fix
    /// Set `"no-new-privileges": true` in `/etc/docker/daemon.json` (`dockerd --no-new-privileges`) and
    /// restart the daemon.
    pub struct NoNewPrivilegesDefault {
        id: "DM008", name: "daemon-no-new-privileges-default", title: "no-new-privileges not set by default",
        severity: Low, category: Security, aliases: ["CIS-2.14", "check_2_14"],
        compliance: ["CIS-Docker-2.14"],
        remediation: "Set `\"no-new-privileges\": true` in daemon.json (`dockerd --no-new-privileges`).",
        min_profile: Production, fixable: false,
    }
}

impl EngineRule for NoNewPrivilegesDefault {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        if ctx
            .snapshot
            .security_options()
            .iter()
            .any(|o| o.contains("name=no-new-privileges"))
        {
            return;
        }
        let cfg = DaemonConfig::of(ctx.snapshot);
        let why = match cfg.bool_setting("no-new-privileges") {
            Some((true, _)) => return,
            Some((false, src)) => format!("containers may gain new privileges by default ({src})"),
            None if cfg.args.is_some() => "containers may gain new privileges by default (no-new-privileges is set neither in daemon.json nor on the dockerd command line)".to_string(),
            None => return,
        };
        out.push(
            ctx.daemon_finding(&Self::META, "no-new-privileges", why)
                .with_evidence(Evidence::plain(format!(
                    "daemon.json: {}",
                    cfg.json_path.as_deref().unwrap_or("(none)")
                ))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::daemon::test_support::*;

    #[test]
    fn set_unset_unknown() {
        let base = fixture("rootful-default.json");
        assert!(run(&NoNewPrivilegesDefault, &base).is_empty());
        let f = run(
            &NoNewPrivilegesDefault,
            &with_host(base.clone(), vec![], Some(&[]), None),
        );
        assert_eq!(objects(&f), ["daemon / no-new-privileges"]);
        assert!(
            run(
                &NoNewPrivilegesDefault,
                &with_host(base.clone(), vec![], Some(&["--no-new-privileges"]), None)
            )
            .is_empty()
        );
        assert!(
            run(
                &NoNewPrivilegesDefault,
                &with_host(
                    base.clone(),
                    vec![],
                    None,
                    Some(r#"{"no-new-privileges": true}"#)
                )
            )
            .is_empty()
        );
        assert_eq!(
            run(
                &NoNewPrivilegesDefault,
                &with_host(
                    base.clone(),
                    vec![],
                    None,
                    Some(r#"{"no-new-privileges": false}"#)
                )
            )
            .len(),
            1
        );
        assert!(
            run(
                &NoNewPrivilegesDefault,
                &with_host(base, vec![], None, None)
            )
            .is_empty()
        );
        assert!(
            run(
                &NoNewPrivilegesDefault,
                &with_host(fixture("hardened.json"), vec![], Some(&[]), None)
            )
            .is_empty()
        );
    }
}
