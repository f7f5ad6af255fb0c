use super::support::{entries, finding, security_opt, services};
use super::{ComposeCheckContext, ComposeRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a service whose `security_opt` does not turn on `no-new-privileges` (accepted forms:
    /// `no-new-privileges:true`, `no-new-privileges=true`, `no-new-privileges`). An explicit
    /// `no-new-privileges:false` is reported at that entry.
    ///
    /// ## Why it matters
    /// Without it a process can gain privileges through setuid/setgid binaries (`su`, `sudo`, a planted
    /// setuid shell) or file capabilities (CIS Docker Benchmark 5.26; KICS "No New Privileges Not Set").
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: web:1
    ///     security_opt: ["seccomp:./profile.json"]
    /// ```
    ///
    /// ## Fix
    /// `security_opt: ["no-new-privileges:true"]`.
    pub struct NoNewPrivileges {
        id: "CP005", name: "compose-no-new-privileges-missing", title: "Service can gain new privileges",
        severity: Medium, category: Security, aliases: ["CIS-5.26", "No New Privileges Not Set"],
        compliance: ["CIS-Docker-5.26", "PCI-DSS-2.2.1", "SOC2-CC6.1"],
        remediation: "Add `security_opt: [\"no-new-privileges:true\"]`.",
        min_profile: Staging, fixable: true,
    }
}

impl ComposeRule for NoNewPrivileges {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>) {
        for svc in services(ctx) {
            let opts = svc.get("security_opt").map(entries).unwrap_or_default();
            let mut setting = None;
            for (raw, node) in &opts {
                let (name, value) = security_opt(raw);
                if name == "no-new-privileges" {
                    let on = value.as_deref().is_none_or(|v| {
                        matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes")
                    });
                    setting = Some((on, raw.clone(), *node));
                }
            }
            let (node, msg, ev) = match setting {
                Some((true, ..)) => continue,
                Some((false, raw, node)) => (
                    node,
                    format!("service `{}` sets `{raw}` in security_opt", svc.name),
                    format!("security_opt: {raw}"),
                ),
                None => (
                    svc.get("security_opt").unwrap_or(&svc.key),
                    format!(
                        "service `{}` has no `no-new-privileges:true` in security_opt",
                        svc.name
                    ),
                    if svc.get("security_opt").is_some() {
                        format!(
                            "security_opt: [{}]",
                            opts.iter()
                                .map(|(t, _)| t.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    } else {
                        "security_opt: (unset)".to_string()
                    },
                ),
            };
            out.push(finding(ctx, &Self::META, &svc, node, msg).with_evidence(Evidence::plain(ev)));
        }
    }
}
