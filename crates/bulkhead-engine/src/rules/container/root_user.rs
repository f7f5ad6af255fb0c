use super::support::{RunsAs, root_is_remapped};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container that runs as root. For a running container the processes decide (`docker top`'s
    /// `UID` column, a user name or a number): a container configured as root whose entrypoint drops to
    /// uid 1000 is fine, and one configured as `app` whose processes run as root is reported. A stopped
    /// container is judged by `Config.User` (empty, `0` or `root`). The message gives both. Low instead of
    /// medium when the engine remaps root (userns-remap, rootless).
    ///
    /// ## Why it matters
    /// Root in a container is root on the host's kernel with a reduced capability set: every kernel or
    /// runtime bug, mounted path or added capability becomes a host compromise (CIS Docker Benchmark 4.1).
    ///
    /// ## Example
    /// ```text
    /// $ docker top web -o user,pid,cmd
    /// USER  PID   CMD
    /// root  8812  node server.js
    /// ```
    ///
    /// ## Fix
    /// `docker run --user 1000:1000 ...` (compose `user: "1000:1000"`), or `USER` in the Dockerfile with
    /// files owned accordingly.
    pub struct RootUser {
        id: "CT027", name: "container-runs-as-root", title: "Container runs as root",
        severity: Medium, category: Security, aliases: ["CIS-4.1", "DS-0002", "CIS-DI-0001"],
        compliance: ["CIS-Docker-4.1", "PCI-DSS-2.2.1", "PCI-DSS-7.2.1", "SOC2-CC6.1"],
        remediation: "Run as an unprivileged user: `--user 1000:1000` (compose `user`, Dockerfile `USER`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for RootUser {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let remapped = root_is_remapped(ctx.snapshot);
        for c in ctx.containers() {
            let who = RunsAs::of(c);
            if !who.root() {
                continue;
            }
            let mut f = ctx
                .container_finding(
                    &Self::META,
                    c,
                    "Config.User",
                    format!("runs as root: {}", who.describe()),
                )
                .with_evidence(Evidence::plain(format!(
                    "Config.User: {:?}",
                    who.config_user
                )));
            if remapped {
                f = f.with_severity(Severity::Low);
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn process_user_decides() {
        let r = reported(&RootUser);
        for quiet in [
            "ct-hardened",
            "ct-near-miss",
            "ct-privileged",
            "ct-cap-add",
            "ct-non-root",
        ] {
            assert!(!r.contains(&quiet.to_string()), "{quiet}: {r:?}");
        }
        assert_eq!(r.len(), fixture().containers.len() - 5, "{r:?}");
        // Configured as root, processes as 1000 (an entrypoint that drops privileges): fine.
        let drops = variant("ct-defaults", "drops", |v| {
            v["top"]["Processes"][0][0] = serde_json::json!("1000");
        });
        assert!(run_on(&RootUser, drops).is_empty());
        // Configured as app, processes as root: reported, with both.
        let lies = variant("ct-non-root", "lies", |v| {
            v["inspect"]["Config"]["User"] = serde_json::json!("app");
            v["top"]["Processes"][0][0] = serde_json::json!("0");
        });
        let f = run_on(&RootUser, lies);
        assert_eq!(
            f[0].message,
            "runs as root: Config.User is `app`; the processes run as 0"
        );
        // Stopped: the configuration decides.
        let f = run_named(&RootUser, "ct-propagation");
        assert!(f[0].message.contains("not running"), "{}", f[0].message);
    }
}
