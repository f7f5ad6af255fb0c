use super::support::{cap_name, host_config};
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container that keeps Docker's default capability set: `HostConfig.CapDrop` does not hold
    /// `ALL` (any case, with or without the `CAP_` prefix). Privileged containers are left to CT005;
    /// dangerous additions are CT004.
    ///
    /// ## Why it matters
    /// The default set still holds `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `SETUID`/`SETGID`, `NET_RAW`,
    /// `MKNOD`, `SYS_CHROOT`, ... which most services never use and which make escapes and in-container
    /// privilege games easier. Dropping all and adding back what the service needs is the CIS
    /// recommendation (CIS Docker Benchmark 5.4).
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{json .HostConfig.CapDrop}}' web
    /// null
    /// ```
    ///
    /// ## Fix
    /// `docker run --cap-drop ALL --cap-add NET_BIND_SERVICE ...` (only what the service needs; compose
    /// `cap_drop: [ALL]`, `cap_add: [...]`).
    pub struct CapabilitiesNotDropped {
        id: "CT003", name: "container-capabilities-not-dropped", title: "Container keeps the default capabilities",
        severity: Medium, category: Security, aliases: ["CIS-5.4"],
        compliance: ["CIS-Docker-5.4", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Add `--cap-drop ALL` and only the needed `--cap-add` (compose `cap_drop: [ALL]`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for CapabilitiesNotDropped {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let Some(hc) = host_config(c) else { continue };
            if hc.privileged == Some(true) {
                continue;
            }
            let drop = hc.cap_drop.clone().unwrap_or_default();
            if drop.iter().any(|d| cap_name(d) == "ALL") {
                continue;
            }
            let add = hc.cap_add.clone().unwrap_or_default();
            let dropped = if drop.is_empty() {
                "CapDrop is empty".to_string()
            } else {
                format!("CapDrop is [{}] without ALL", drop.join(", "))
            };
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.CapDrop",
                    format!(
                        "{dropped}; CapAdd is [{}]: the container keeps Docker's default capabilities",
                        add.join(", ")
                    ),
                )
                .with_evidence(Evidence::plain(format!("HostConfig.CapDrop: [{}]", drop.join(", ")))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn drop_all_in_any_spelling() {
        let r = reported(&CapabilitiesNotDropped);
        for quiet in ["ct-hardened", "ct-near-miss", "ct-privileged"] {
            assert!(!r.contains(&quiet.to_string()), "{quiet}: {r:?}");
        }
        assert!(r.contains(&"ct-defaults".to_string()), "{r:?}");
        assert!(r.contains(&"ct-cap-add".to_string()), "{r:?}");
        let f = run_named(&CapabilitiesNotDropped, "ct-cap-add");
        assert!(
            f[0].message.contains("CapDrop is empty"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("SYS_ADMIN"), "{}", f[0].message);
        let partial = variant("ct-defaults", "partial", |v| {
            v["inspect"]["HostConfig"]["CapDrop"] = serde_json::json!(["NET_RAW", "MKNOD"]);
        });
        assert_eq!(run_on(&CapabilitiesNotDropped, partial).len(), 1);
        let prefixed = variant("ct-defaults", "prefixed", |v| {
            v["inspect"]["HostConfig"]["CapDrop"] = serde_json::json!(["CAP_ALL"]);
        });
        assert!(run_on(&CapabilitiesNotDropped, prefixed).is_empty());
    }
}
