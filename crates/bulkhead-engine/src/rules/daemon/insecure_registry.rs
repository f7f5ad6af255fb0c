use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags insecure registries: `Info.RegistryConfig.InsecureRegistryCIDRs` beyond Docker's default
    /// loopback range (`127.0.0.0/8`, `::1/128`), and registries in `IndexConfigs` with `Secure: false`
    /// (other than loopback ones).
    ///
    /// ## Why it matters
    /// Images from an insecure registry are pulled over plain HTTP or unverified TLS: anyone on the path
    /// can serve their own image, which then runs in your containers (CIS Docker Benchmark 2.5).
    ///
    /// ## Example
    /// ```text
    /// $ docker info -f '{{json .RegistryConfig.InsecureRegistryCIDRs}}'
    /// ["10.0.0.0/8","127.0.0.0/8"]
    /// ```
    ///
    /// ## Fix
    /// Remove the entries from `"insecure-registries"` in `/etc/docker/daemon.json` (or the
    /// `--insecure-registry` flags) and give the registry a TLS certificate (its CA in
    /// `/etc/docker/certs.d/<registry>/ca.crt`).
    pub struct InsecureRegistry {
        id: "DM003", name: "daemon-insecure-registry", title: "Insecure registry configured",
        severity: High, category: Security, aliases: ["CIS-2.5", "check_2_5"],
        compliance: ["CIS-Docker-2.5", "PCI-DSS-4.2.1"],
        remediation: "Remove `\"insecure-registries\"` entries from daemon.json (`--insecure-registry`); serve the registry over TLS.",
        min_profile: Dev, fixable: false,
    }
}

fn loopback(s: &str) -> bool {
    let host = s.split('/').next().unwrap_or(s);
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.split(']').next())
        .unwrap_or_else(|| {
            host.rsplit_once(':').map_or(host, |(h, p)| {
                if p.chars().all(|c| c.is_ascii_digit()) {
                    h
                } else {
                    host
                }
            })
        });
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

impl EngineRule for InsecureRegistry {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        let Some(rc) = ctx
            .snapshot
            .info
            .as_ref()
            .and_then(|i| i.registry_config.as_ref())
        else {
            return;
        };
        let cidrs: Vec<&String> = rc
            .insecure_registry_cidrs
            .iter()
            .flatten()
            .filter(|c| *c != "127.0.0.0/8" && *c != "::1/128")
            .collect();
        if !cidrs.is_empty() {
            out.push(
                ctx.daemon_finding(
                    &Self::META,
                    "Info.RegistryConfig.InsecureRegistryCIDRs",
                    format!("registries in {cidrs:?} are trusted without TLS verification"),
                )
                .with_evidence(Evidence::plain(format!(
                    "InsecureRegistryCIDRs: {:?}",
                    rc.insecure_registry_cidrs.clone().unwrap_or_default()
                ))),
            );
        }
        let mut names: Vec<&String> = rc
            .index_configs
            .iter()
            .flatten()
            .filter(|(name, ic)| ic.secure == Some(false) && !loopback(name))
            .map(|(name, _)| name)
            .collect();
        names.sort();
        for name in names {
            out.push(
                ctx.daemon_finding(
                    &Self::META,
                    &format!("Info.RegistryConfig.IndexConfigs[{name}]"),
                    format!("registry {name} is insecure (Secure: false): images are pulled without TLS verification"),
                )
                .with_evidence(Evidence::plain(format!("IndexConfigs[{name}].Secure: false"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::daemon::test_support::*;

    #[test]
    fn default_cidr_alone_passes() {
        assert!(run(&InsecureRegistry, &fixture("rootful-default.json")).is_empty());
        let f = run(&InsecureRegistry, &fixture("insecure.json"));
        assert_eq!(
            objects(&f),
            [
                "daemon / Info.RegistryConfig.InsecureRegistryCIDRs",
                "daemon / Info.RegistryConfig.IndexConfigs[registry.corp:5000]"
            ]
        );
        assert!(f[0].message.contains("10.0.0.0/8"), "{}", f[0].message);
        assert!(!f[0].message.contains("127.0.0.0/8"), "{}", f[0].message);
        for l in ["localhost:5000", "127.0.0.1:5000", "[::1]:5000"] {
            assert!(loopback(l), "{l}");
        }
        assert!(!loopback("registry.corp:5000"));
    }
}
