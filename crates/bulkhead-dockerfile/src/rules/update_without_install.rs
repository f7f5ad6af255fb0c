use super::{CheckContext, DockerfileRule};
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a `RUN` that refreshes the package index (`apt-get update`, `apk update`, `yum makecache`,
    /// `dnf makecache`, `zypper refresh`) without installing or upgrading anything in the same `RUN`.
    ///
    /// ## Why it matters
    /// The index is cached in its own layer. A later `RUN apt-get install` reuses that stale cached index,
    /// so builds install old package versions (missing security fixes) or fail when the mirror has moved on
    /// (CIS Docker Benchmark 4.7).
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update
    /// RUN apt-get install -y curl
    /// ```
    ///
    /// ## Fix
    /// Update and install in one `RUN`, and clean up:
    /// `RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*`
    pub struct UpdateWithoutInstall {
        id: "DF019", name: "update-without-install", title: "Package index update without install", severity: Medium,
        category: Security, aliases: ["DS-0017", "CIS-4.7"], compliance: ["CIS-Docker-4.7"],
        remediation: "Combine the update with the install in the same RUN instruction.",
        min_profile: Dev, fixable: false,
    }
}

fn is_update(p: &str, args: &[&str]) -> bool {
    match p {
        "apt-get" | "apt" | "apk" => args.first() == Some(&"update") || args.contains(&"update"),
        "yum" | "dnf" | "microdnf" => args.contains(&"makecache"),
        "zypper" => args.contains(&"refresh") || args.contains(&"ref"),
        _ => false,
    }
}

fn is_install(p: &str, args: &[&str]) -> bool {
    match p {
        "apt-get" | "apt" | "aptitude" => args.iter().any(|a| {
            matches!(
                *a,
                "install" | "upgrade" | "dist-upgrade" | "full-upgrade" | "build-dep" | "source"
            )
        }),
        "apk" => {
            args.iter().any(|a| matches!(*a, "add" | "upgrade"))
                || args.contains(&"--update")
                || args.contains(&"-U")
        }
        "yum" | "dnf" | "microdnf" | "zypper" => args.iter().any(|a| {
            matches!(
                *a,
                "install" | "update" | "upgrade" | "in" | "up" | "groupinstall"
            )
        }),
        _ => false,
    }
}

impl DockerfileRule for UpdateWithoutInstall {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for scripts in &ctx.scripts {
            let mut update: Option<(&super::RunScript, std::ops::Range<usize>)> = None;
            let mut install = false;
            for rs in scripts {
                for c in &rs.script.commands {
                    let u = c.unwrapped();
                    let Some(p) = u.program() else { continue };
                    let args: Vec<&str> = u.args().iter().map(|w| w.text.as_str()).collect();
                    if is_install(p, &args) {
                        install = true;
                    } else if is_update(p, &args) && update.is_none() {
                        update = Some((rs, c.range.clone()));
                    }
                }
                // Any other command (a script, a package manager we do not model) could install.
                if rs.script.commands.iter().any(|c| {
                    c.unwrapped()
                        .program()
                        .is_some_and(|p| p.ends_with(".sh") || p == "xargs")
                }) {
                    install = true;
                }
            }
            if let (Some((rs, r)), false) = (update, install) {
                out.push(ctx.script_finding(
                    &Self::META,
                    "the package index is updated in a RUN that installs nothing",
                    rs,
                    r,
                ));
            }
        }
    }
}
