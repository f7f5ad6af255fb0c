use super::{service_name, services};
use crate::rules::{EngineCheckContext, EngineRule};
use bollard::models::EndpointPortConfigPublishModeEnum;
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags Swarm service ports published through the routing mesh: an entry of `Spec.EndpointSpec.Ports`
    /// with a published port and `PublishMode` `ingress` (the default).
    ///
    /// ## Why it matters
    /// An ingress port listens on every interface of every node in the swarm, public ones included, and
    /// cannot be bound to one address: the service is reachable wherever any node is
    /// (CIS Docker Benchmark 7.2).
    ///
    /// ## Example
    /// ```text
    /// $ docker service inspect web -f '{{json .Spec.EndpointSpec.Ports}}'
    /// [{"Protocol":"tcp","TargetPort":80,"PublishedPort":8080,"PublishMode":"ingress"}]
    /// ```
    ///
    /// ## Fix
    /// Publish in host mode on the nodes that should serve it and filter the address there
    /// (`docker service update --publish-rm 8080 --publish-add mode=host,published=8080,target=80 web`;
    /// stack file: `ports: [{target: 80, published: 8080, mode: host}]`), or publish nothing and put the
    /// service on an internal overlay network behind a reverse proxy.
    pub struct IngressPublishedPort {
        id: "SW002", name: "swarm-ingress-published-port", title: "Service port published on every node's interfaces",
        severity: Medium, category: Security, aliases: ["CIS-7.2", "check_7_2"],
        compliance: ["CIS-Docker-7.2", "PCI-DSS-1.3"],
        remediation: "Publish with `mode=host` on chosen nodes (`--publish mode=host,published=P,target=T`), or use an internal network + reverse proxy.",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for IngressPublishedPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for s in services(ctx.snapshot) {
            let ports = s
                .spec
                .as_ref()
                .and_then(|sp| sp.endpoint_spec.as_ref())
                .and_then(|e| e.ports.as_ref());
            let name = service_name(s);
            for (i, p) in ports.into_iter().flatten().enumerate() {
                if matches!(
                    p.publish_mode,
                    Some(EndpointPortConfigPublishModeEnum::HOST)
                ) {
                    continue;
                }
                let proto = p
                    .protocol
                    .map(|x| x.to_string())
                    .unwrap_or_else(|| "tcp".into());
                let target = p.target_port.unwrap_or(0);
                // Without a published port in the spec, the swarm assigns one (30000+): read it from
                // the service's Endpoint.
                let published = match p.published_port.filter(|&n| n > 0) {
                    Some(n) => n,
                    None => {
                        let assigned = s
                            .endpoint
                            .as_ref()
                            .and_then(|e| e.ports.as_ref())
                            .into_iter()
                            .flatten()
                            .find(|e| {
                                e.target_port == p.target_port
                                    && e.protocol == p.protocol
                                    && !matches!(
                                        e.publish_mode,
                                        Some(EndpointPortConfigPublishModeEnum::HOST)
                                    )
                            })
                            .and_then(|e| e.published_port)
                            .filter(|&n| n > 0);
                        match assigned {
                            Some(n) => n,
                            None => continue,
                        }
                    }
                };
                out.push(
                    ctx.service_finding(
                        &Self::META,
                        &name,
                        &format!("Spec.EndpointSpec.Ports[{i}]"),
                        format!("port {published}/{proto} (target {target}) is published in ingress mode on all interfaces of every node"),
                    )
                    .with_evidence(Evidence::plain(format!(
                        "PublishedPort: {published}, TargetPort: {target}, Protocol: {proto}, PublishMode: ingress"
                    )))
                    .with_remediation(format!(
                        "`docker service update --publish-rm {published} --publish-add mode=host,published={published},target={target} {name}` and filter the address on the host, or drop the port and use an internal network + reverse proxy"
                    )),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::swarm::test_support::*;

    #[test]
    fn ingress_vs_host() {
        let f = run(&IngressPublishedPort, &fixture("swarm-bad.json"));
        // 8080 published in ingress mode; 8443 in host mode; 9000 with a port the swarm assigned (30000).
        assert_eq!(
            objects(&f),
            [
                "service web / Spec.EndpointSpec.Ports[0]",
                "service web / Spec.EndpointSpec.Ports[2]"
            ]
        );
        assert!(
            f[1].message.contains("port 30000/tcp (target 9000)"),
            "{}",
            f[1].message
        );
        assert!(f[0].message.contains("8080/tcp"), "{}", f[0].message);
        assert!(
            f[0].remediation
                .contains("mode=host,published=8080,target=80 web")
        );
        assert!(run(&IngressPublishedPort, &fixture("swarm-good.json")).is_empty());
    }
}
