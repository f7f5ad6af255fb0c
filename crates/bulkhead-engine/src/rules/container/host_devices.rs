use super::support::host_config;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a container given host devices: `HostConfig.Devices` is not empty (`--device`).
    ///
    /// ## Why it matters
    /// A host device node inside the container gives raw access to the hardware or kernel interface
    /// behind it: a disk (`/dev/sda`) can be mounted or read block by block, `/dev/mem` or `/dev/kmsg`
    /// expose the kernel (CIS Docker Benchmark 5.18).
    ///
    /// ## Example
    /// ```text
    /// $ docker run -d --device /dev/sda:/dev/xvda app:1
    /// ```
    ///
    /// ## Fix
    /// Remove the `--device` (compose `devices`), or limit it to the one device needed with the least
    /// permissions (`--device /dev/ttyUSB0:/dev/ttyUSB0:r`).
    pub struct HostDevices {
        id: "CT017", name: "container-host-devices", title: "Host devices exposed to the container",
        severity: Medium, category: Security, aliases: ["CIS-5.18"],
        compliance: ["CIS-Docker-5.18", "PCI-DSS-2.2.1"],
        remediation: "Remove `--device` (compose `devices`) or keep only the needed device, read-only (`:r`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for HostDevices {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            let devs: Vec<String> = host_config(c)
                .and_then(|h| h.devices.as_deref())
                .unwrap_or_default()
                .iter()
                .map(|d| {
                    format!(
                        "{}:{}:{}",
                        d.path_on_host.as_deref().unwrap_or("?"),
                        d.path_in_container.as_deref().unwrap_or("?"),
                        d.cgroup_permissions.as_deref().unwrap_or("")
                    )
                })
                .collect();
            if devs.is_empty() {
                continue;
            }
            out.push(
                ctx.container_finding(
                    &Self::META,
                    c,
                    "HostConfig.Devices",
                    format!("host devices are exposed: {}", devs.join(", ")),
                )
                .with_evidence(Evidence::plain(format!(
                    "HostConfig.Devices: {}",
                    devs.join(", ")
                ))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn devices_listed() {
        // ct-privileged gets every device implicitly: that is CT005's finding, not this one.
        assert_eq!(reported(&HostDevices), ["ct-device"]);
        let f = run_named(&HostDevices, "ct-device");
        assert_eq!(
            f[0].message,
            "host devices are exposed: /dev/null:/dev/xnull:rwm"
        );
    }
}
