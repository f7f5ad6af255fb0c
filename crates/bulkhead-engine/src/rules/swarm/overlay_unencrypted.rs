use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags overlay networks whose data plane is not encrypted: driver `overlay` without the `encrypted`
    /// option. The swarm's `ingress` network (never encrypted by default, and only able to be re-created
    /// with `--opt encrypted`) is reported at `low`.
    ///
    /// ## Why it matters
    /// Overlay traffic between nodes travels as plain VXLAN over the hosts' network: anyone on that
    /// network reads and injects container traffic. With `encrypted`, nodes use IPsec (AES-GCM) with keys
    /// rotated by the managers (CIS Docker Benchmark 7.3).
    ///
    /// ## Example
    /// ```text
    /// $ docker network inspect backend -f '{{.Driver}} {{json .Options}}'
    /// overlay {"com.docker.network.driver.overlay.vxlanid_list":"4097"}
    /// ```
    ///
    /// ## Fix
    /// Re-create the network encrypted: `docker network create -d overlay --opt encrypted NAME` (stack
    /// file: `driver_opts: {encrypted: ""}`); for ingress, `docker network rm ingress` then
    /// `docker network create -d overlay --ingress --opt encrypted ingress` while no service publishes.
    pub struct OverlayUnencrypted {
        id: "SW003", name: "swarm-overlay-unencrypted", title: "Overlay network not encrypted",
        severity: Medium, category: Security, aliases: ["CIS-7.3", "check_7_3"],
        compliance: ["CIS-Docker-7.3", "PCI-DSS-4.2.1", "HIPAA-164.312(e)(1)"],
        remediation: "`docker network create -d overlay --opt encrypted NAME` (stack: `driver_opts: {encrypted: \"\"}`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for OverlayUnencrypted {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for n in &ctx.snapshot.networks {
            if n.driver.as_deref() != Some("overlay") {
                continue;
            }
            let encrypted = n
                .options
                .as_ref()
                .and_then(|o| o.get("encrypted"))
                .is_some_and(|v| !v.eq_ignore_ascii_case("false"));
            if encrypted {
                continue;
            }
            let name = n
                .name
                .clone()
                .or_else(|| n.id.clone())
                .unwrap_or_else(|| "?".into());
            let ingress = n.ingress == Some(true);
            let mut f = ctx
                .network_finding(
                    &Self::META,
                    &name,
                    "Options.encrypted",
                    if ingress {
                        "the swarm ingress network carries published-port traffic between nodes unencrypted".to_string()
                    } else {
                        "overlay traffic between nodes is not encrypted (no `encrypted` option)".to_string()
                    },
                )
                .with_evidence(Evidence::plain(format!(
                    "Driver: overlay, Options: {:?}",
                    n.options.clone().unwrap_or_default().into_iter().collect::<std::collections::BTreeMap<_, _>>()
                )));
            if ingress {
                f = f.with_severity(Severity::Low).with_remediation(
                    "While no service publishes: `docker network rm ingress && docker network create -d overlay --ingress --opt encrypted ingress`.",
                );
            } else {
                f = f.with_remediation(format!(
                    "Re-create it: `docker network create -d overlay --opt encrypted {name}` (stack: `driver_opts: {{encrypted: \"\"}}`)."
                ));
            }
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::swarm::test_support::*;

    #[test]
    fn overlays() {
        let f = run(&OverlayUnencrypted, &fixture("swarm-bad.json"));
        assert_eq!(
            objects(&f),
            [
                "network ingress / Options.encrypted",
                "network backend / Options.encrypted"
            ]
        );
        assert_eq!(f[0].severity, Severity::Low);
        assert_eq!(f[1].severity, Severity::Medium);
        assert!(run(&OverlayUnencrypted, &fixture("swarm-good.json")).is_empty());
    }
}
