use super::support::{finding, services};
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags each host device a service is given through `devices` (short `"/dev/sda:/dev/xvda:rwm"` or
    /// long syntax with `source`).
    ///
    /// ## Why it matters
    /// A device node gives direct access to host hardware: a disk can be read or written around every file
    /// permission, `/dev/mem` or `/dev/kmsg` expose the kernel (CIS Docker Benchmark 5.18).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   backup:
    ///     image: backup:1
    ///     devices: ["/dev/sda:/dev/sda"]
    /// ```
    ///
    /// ## Fix
    /// Remove the entry from `devices`; when a device is needed, give only it, with the least permissions
    /// (`"/dev/ttyUSB0:/dev/ttyUSB0:r"`).
    pub struct HostDevices {
        id: "CP021", name: "compose-host-devices", title: "Host devices exposed to the service",
        severity: Medium, category: Security, aliases: ["CIS-5.18"],
        compliance: ["CIS-Docker-5.18", "PCI-DSS-2.2.1"],
        remediation: "Remove the entry from `devices`, or give only the device needed with the least permissions.",
        min_profile: Staging, fixable: false,
    }
}

impl ComposeRule for HostDevices {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        for svc in services(ctx) {
            let Some(devs) = svc.get("devices").and_then(|d| d.as_seq()) else {
                continue;
            };
            for d in devs {
                let shown = d
                    .scalar_text()
                    .or_else(|| d.get("source").and_then(|s| s.scalar_text()))
                    .unwrap_or_default();
                if shown.is_empty() {
                    continue;
                }
                out.push(
                    finding(
                        ctx,
                        &Self::META,
                        &svc,
                        d,
                        format!("service `{}` is given the host device `{shown}`", svc.name),
                    )
                    .with_evidence(Evidence::plain(format!("devices: {shown}"))),
                );
            }
        }
    }
}
