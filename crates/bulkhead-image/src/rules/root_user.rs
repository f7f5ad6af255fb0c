use super::accounts;
use super::{ImageCheckContext, ImageRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks the user a container of the image runs as (`Config.User`): empty (the default, root), `root`,
    /// `0`, `0:0`, `root:root`, or a name that the image's own `/etc/passwd` maps to UID 0. A rootfs
    /// directory has no configuration and is not checked.
    ///
    /// A name the image's `/etc/passwd` does not list is not reported (the engine refuses to start such a
    /// container); a numeric UID other than 0 is fine even without a passwd entry (distroless `65532`).
    ///
    /// ## Why it matters
    /// A process running as root inside a container is root on the host's kernel: any escape (a kernel bug,
    /// a mounted socket, a writable host path) starts with full privileges (CIS Docker Benchmark 4.1).
    /// Images built without `USER` inherit their base image's user, root for almost every base image.
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{.Config.User}}' app:1
    ///
    /// $ docker inspect -f '{{.Config.User}}' app:2
    /// toor            # /etc/passwd: toor:x:0:0::/root:/bin/sh
    /// ```
    ///
    /// ## Fix
    /// Rebuild with an unprivileged user as the last `USER` of the final stage:
    /// ```dockerfile
    /// RUN addgroup -S -g 10001 app && adduser -S -D -H -u 10001 -G app app
    /// USER 10001:10001
    /// ```
    /// or run the image with `--user 10001:10001` (`runAsUser` / `runAsNonRoot` in Kubernetes).
    pub struct RootUser {
        id: "IM001", name: "image-root-user", title: "Image runs as root", severity: High,
        category: Security, aliases: ["DS-0002", "CIS-4.1", "CIS-DI-0001"],
        compliance: ["CIS-Docker-4.1", "PCI-DSS-2.2.6", "SOC2-CC6.1"],
        remediation: "Rebuild with a non-root `USER` in the final stage (or run with `--user <uid>:<gid>`).",
        min_profile: Dev, fixable: false,
    }
}

impl ImageRule for RootUser {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ImageCheckContext, out: &mut Vec<Finding>) {
        let Some(config) = ctx.config() else {
            return;
        };
        let raw = config.user.as_deref().unwrap_or("").trim();
        let user = raw.split(':').next().unwrap_or("").trim();
        let message = if user.is_empty() {
            "the image sets no user, so its containers run as root (UID 0)".to_string()
        } else if user == "0" {
            format!("the image runs as UID 0 (`User: {raw}`)")
        } else if user == "root" {
            format!("the image runs as root (`User: {raw}`)")
        } else if user.chars().all(|c| c.is_ascii_digit()) {
            return;
        } else {
            let Some(entries) = accounts::passwd(&ctx.image.fs) else {
                return;
            };
            match entries.iter().find(|e| e.name == user) {
                Some(e) if e.uid == Some(0) => format!(
                    "the image runs as `{user}`, which /etc/passwd (line {}) maps to UID 0: it is root under another name",
                    e.line
                ),
                _ => return,
            }
        };
        out.push(
            ctx.config_finding(&Self::META, message, "User")
                .with_evidence(Evidence::plain(format!("User: \"{raw}\""))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::run;
    use crate::testkit::ImageBuilder;

    const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\napp:x:10001:10001::/home/app:/sbin/nologin\n";

    fn image(user: Option<&str>) -> ImageBuilder {
        let b = ImageBuilder::new("app:1").file("/etc/passwd", 0o644, PASSWD);
        match user {
            Some(u) => b.user(u),
            None => b,
        }
    }

    #[test]
    fn root_in_all_its_spellings() {
        for u in [
            None,
            Some(""),
            Some("root"),
            Some("0"),
            Some("0:0"),
            Some("root:root"),
            Some("0:10001"),
            Some("toor"),
        ] {
            let f = run(&RootUser, image(u));
            assert_eq!(f.len(), 1, "{u:?}");
            assert_eq!(f[0].location.object.as_deref(), Some("config User"));
            assert_eq!(f[0].location.path.as_deref(), Some("app:1"));
        }
        let f = run(&RootUser, image(Some("toor")));
        assert!(f[0].message.contains("maps to UID 0"), "{}", f[0].message);
    }

    #[test]
    fn unprivileged_users_pass() {
        for u in [
            "app",
            "app:app",
            "10001",
            "10001:10001",
            "65532",
            "nobody-unknown",
        ] {
            assert!(run(&RootUser, image(Some(u))).is_empty(), "{u}");
        }
        // A rootfs has no configuration.
        let rootfs =
            ImageBuilder::new("dir:./rootfs")
                .no_config()
                .file("/etc/passwd", 0o644, PASSWD);
        assert!(run(&RootUser, rootfs).is_empty());
        // A name without /etc/passwd cannot be resolved: not reported.
        assert!(run(&RootUser, ImageBuilder::new("x").user("toor")).is_empty());
    }
}
