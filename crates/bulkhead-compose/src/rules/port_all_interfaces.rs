use super::support::{finding, port_spec, services};
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags each published port without a host address: short syntax `"8080:80"`, `"80"` (a random host
    /// port) or `"0.0.0.0:8080:80"`, long syntax without `host_ip` (or with `0.0.0.0` / `::`). A port bound
    /// to an address (`"127.0.0.1:8080:80"`, `host_ip: 10.0.0.5`) is not reported.
    ///
    /// ## Why it matters
    /// Without an address Docker listens on every interface of the host, public ones included, and its
    /// iptables rules bypass host firewalls such as `ufw` (CIS Docker Benchmark 5.14; KICS "Container
    /// Traffic Not Bound To Host Interface").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:17
    ///     ports: ["5432:5432"]
    /// ```
    ///
    /// ## Fix
    /// Give the address in `ports` (`"127.0.0.1:5432:5432"`, long syntax `host_ip: 127.0.0.1`), or do not
    /// publish ports only other services use (they reach it over the network by name).
    pub struct PortAllInterfaces {
        id: "CP016", name: "compose-port-all-interfaces", title: "Port published on all host interfaces",
        severity: Medium, category: Security, aliases: ["CIS-5.14", "Container Traffic Not Bound To Host Interface"],
        compliance: ["CIS-Docker-5.14", "PCI-DSS-1.3.1", "SOC2-CC6.6"],
        remediation: "Bind the port to an address in `ports`: `\"127.0.0.1:HOST:CONTAINER\"` (long syntax `host_ip`).",
        min_profile: Staging, fixable: true,
    }
}

impl ComposeRule for PortAllInterfaces {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        for svc in services(ctx) {
            let Some(ports) = svc.get("ports").and_then(|p| p.as_seq()) else {
                continue;
            };
            for p in ports {
                let Some(spec) = port_spec(p) else { continue };
                if !spec.all_interfaces() {
                    continue;
                }
                let shown = p.scalar_text().unwrap_or_else(|| {
                    format!("published {} target {}", spec.published, spec.target)
                });
                let host = if spec.published.is_empty() {
                    "a random host port".to_string()
                } else {
                    format!("host port {}", spec.published)
                };
                out.push(
                    finding(
                        ctx,
                        &Self::META,
                        &svc,
                        p,
                        format!(
                            "service `{}` publishes `{shown}` on every host interface ({host}, no host IP)",
                            svc.name
                        ),
                    )
                    .with_evidence(Evidence::plain(format!("ports: {shown}"))),
                );
            }
        }
    }
}
