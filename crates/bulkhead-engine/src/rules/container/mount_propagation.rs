use super::support::mounts;
use crate::rules::{EngineCheckContext, EngineRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a mount whose propagation is `shared` or `rshared` (`Mounts[].Propagation`, from
    /// `-v SRC:DST:rshared` or `--mount ...,bind-propagation=rshared`). Read from the inspect data, so
    /// stopped containers are audited too.
    ///
    /// ## Why it matters
    /// With shared propagation, mounts made inside the container appear on the host (and the reverse): a
    /// container with mount rights can graft filesystems into the host's tree (CIS Docker Benchmark 5.20).
    ///
    /// ## Example
    /// ```text
    /// $ docker run -d --mount type=bind,source=/srv/x,target=/x,bind-propagation=rshared app:1
    /// ```
    ///
    /// ## Fix
    /// Use the default `rprivate` propagation (drop the `shared`/`rshared` option; compose
    /// `volumes[].bind.propagation`), or `rslave` when the container must see host mounts.
    pub struct MountPropagation {
        id: "CT018", name: "container-mount-propagation-shared", title: "Mount propagation set to shared",
        severity: Medium, category: Security, aliases: ["CIS-5.20"],
        compliance: ["CIS-Docker-5.20", "PCI-DSS-2.2.1"],
        remediation: "Drop `shared`/`rshared` from the mount (default `rprivate`; compose `bind.propagation`).",
        min_profile: Staging, fixable: false,
    }
}

impl EngineRule for MountPropagation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &EngineCheckContext, out: &mut Vec<Finding>) {
        for c in ctx.containers() {
            for m in mounts(c) {
                let p = m.propagation.to_ascii_lowercase();
                if p != "shared" && p != "rshared" {
                    continue;
                }
                out.push(
                    ctx.container_finding(
                        &Self::META,
                        c,
                        "Mounts",
                        format!(
                            "the mount of {} at {} has {p} propagation",
                            m.source, m.destination
                        ),
                    )
                    .with_evidence(Evidence::plain(format!(
                        "Mounts: {}:{} Propagation {p}",
                        m.source, m.destination
                    ))),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::container::testkit::*;

    #[test]
    fn shared_propagation_on_a_stopped_container() {
        assert_eq!(reported(&MountPropagation), ["ct-propagation"]);
        // Without the resolved `Mounts`, `HostConfig.Binds` is read.
        let binds = variant("ct-defaults", "binds", |v| {
            v["inspect"].as_object_mut().map(|o| o.remove("Mounts"));
            v["inspect"]["HostConfig"]["Binds"] =
                serde_json::json!(["/srv/a:/a:ro,shared", "/srv/b:/b:rslave"]);
        });
        let f = run_on(&MountPropagation, binds);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "the mount of /srv/a at /a has shared propagation"
        );
    }
}
