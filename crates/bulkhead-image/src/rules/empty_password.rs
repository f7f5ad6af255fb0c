use super::accounts::{self, PasswdEntry, PasswordField, classify_password, is_login_shell};
use super::{ImageCheckContext, ImageRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reads the image's `/etc/shadow` and `/etc/passwd` and reports accounts one can become without
    /// knowing a secret:
    /// - an **empty** password field (`root::19000:0:99999:7:::`): login and `su` without a password.
    ///   High severity for root and accounts with a login shell, medium for accounts whose shell is
    ///   `nologin`/`false`;
    /// - a **weak** hash, cracked in minutes offline: traditional DES (13 characters), BSDi extended DES
    ///   (`_…`), MD5-crypt (`$1$…`). Medium;
    /// - a hash left in `/etc/passwd` instead of `x` (world-readable, so anyone in the container can try
    ///   to crack it). Medium.
    ///
    /// Locked and disabled accounts are fine: `*`, `!`, `!!`, `!*`, `*LK*`, `!<hash>` (the distribution
    /// defaults: Alpine's `root:*::0:::::`, Debian's `root:*:19000:0:99999:7:::`, BusyBox's
    /// `root:*:::::::`). A strong modern hash (`$6$`, `$y$`, `$2b$`) is not reported.
    ///
    /// ## Why it matters
    /// An account without a password lets any process in the container become that user with `su`; with
    /// root, that is a privilege escalation (the Alpine images of 2015–2019 shipped `root::0:::::`,
    /// CVE-2019-5021). A weak hash is as good as the password itself to whoever pulls the image.
    ///
    /// ## Example
    /// ```text
    /// /etc/shadow:  root::19000:0:99999:7:::
    /// /etc/shadow:  app:$1$Qd8H9j2k$kDwF4e2qGQJb7v9V1VXbI/:19000:0:99999:7:::
    /// ```
    ///
    /// ## Fix
    /// Lock the accounts in the Dockerfile: `RUN passwd -l root` (Debian/RHEL) or
    /// `RUN sed -i 's/^root::/root:*:/' /etc/shadow` (Alpine/BusyBox); create service users without a
    /// password (`adduser -D`, `useradd` without `-p`).
    pub struct EmptyPassword {
        id: "IM008", name: "empty-password", title: "Account with an empty or weak password", severity: High,
        category: Security, aliases: ["DKL-LI-0001"], compliance: ["PCI-DSS-8.3.1", "SOC2-CC6.1"],
        remediation: "Lock the account (`passwd -l <user>`, or `*` in /etc/shadow); never ship password hashes in an image.",
        min_profile: Dev, fixable: false,
    }
}

fn empty_severity(name: &str, passwd: Option<&PasswdEntry>) -> Severity {
    match passwd {
        Some(p) if p.uid == Some(0) || is_login_shell(&p.shell) => Severity::High,
        Some(_) => Severity::Medium,
        None if name == "root" => Severity::High,
        None => Severity::Medium,
    }
}

impl ImageRule for EmptyPassword {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ImageCheckContext, out: &mut Vec<Finding>) {
        let fs = &ctx.image.fs;
        let passwd = accounts::passwd(fs).unwrap_or_default();
        let by_name = |n: &str| passwd.iter().find(|p| p.name == n);
        let layer_of = |path: &str| fs.get(path).map(|n| n.layer).unwrap_or(0);

        if let Some(shadow) = fs.content(accounts::SHADOW) {
            for e in accounts::parse_shadow(shadow) {
                let (message, severity) = match classify_password(&e.password, false) {
                    PasswordField::Empty => (
                        format!(
                            "account `{}` has an empty password in /etc/shadow (line {}): anyone in the container can log in or `su` to it without a password",
                            e.name, e.line
                        ),
                        empty_severity(&e.name, by_name(&e.name)),
                    ),
                    PasswordField::WeakDes => (
                        format!(
                            "account `{}` has a DES password hash in /etc/shadow (line {}), cracked in minutes",
                            e.name, e.line
                        ),
                        Severity::Medium,
                    ),
                    PasswordField::WeakMd5 => (
                        format!(
                            "account `{}` has an MD5-crypt password hash in /etc/shadow (line {}), fast to brute-force",
                            e.name, e.line
                        ),
                        Severity::Medium,
                    ),
                    _ => continue,
                };
                out.push(
                    ctx.file_finding(
                        &Self::META,
                        message,
                        accounts::SHADOW,
                        layer_of(accounts::SHADOW),
                    )
                    .with_severity(severity)
                    .with_evidence(shadow_evidence(&e.name, &e.password)),
                );
            }
        }
        for p in &passwd {
            let (message, severity) = match classify_password(&p.password, true) {
                PasswordField::Empty => (
                    format!(
                        "account `{}` has an empty password field in /etc/passwd (line {}): it needs no password",
                        p.name, p.line
                    ),
                    empty_severity(&p.name, Some(p)),
                ),
                PasswordField::WeakDes | PasswordField::WeakMd5 | PasswordField::Strong => (
                    format!(
                        "account `{}` has its password hash in the world-readable /etc/passwd (line {}) instead of /etc/shadow",
                        p.name, p.line
                    ),
                    Severity::Medium,
                ),
                _ => continue,
            };
            out.push(
                ctx.file_finding(
                    &Self::META,
                    message,
                    accounts::PASSWD,
                    layer_of(accounts::PASSWD),
                )
                .with_severity(severity)
                .with_evidence(shadow_evidence(&p.name, &p.password)),
            );
        }
    }
}

/// `name:<redacted hash>` (an empty field stays visibly empty: `root::`).
fn shadow_evidence(name: &str, password: &str) -> Evidence {
    if password.is_empty() {
        Evidence::plain(format!("{name}::"))
    } else {
        // Keep the scheme (`$1$`), redact the rest.
        let scheme_len = password
            .strip_prefix('$')
            .and_then(|rest| rest.find('$'))
            .map_or(0, |i| i + 2);
        let (scheme, rest) = password.split_at(scheme_len.min(password.len()));
        Evidence::plain(format!(
            "{name}:{scheme}{}",
            bulkhead_core::text::redact(rest)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{objects, run};
    use crate::testkit::ImageBuilder;

    const ALPINE_SHADOW: &[u8] =
        b"root:*::0:::::\nbin:!::0:::::\ndaemon:!::0:::::\nnobody:!::0:::::\n";
    const DEBIAN_SHADOW: &[u8] = b"root:*:19709:0:99999:7:::\ndaemon:*:19709:0:99999:7:::\n_apt:*:19709:0:99999:7:::\nnobody:*:19709:0:99999:7:::\n";
    const BUSYBOX_SHADOW: &[u8] = b"root:*:::::::\ndaemon:*:::::::\nnobody:*:::::::\n";
    const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\napp:x:1000:1000::/home/app:/bin/bash\nsvc:x:1001:1001::/srv:/usr/sbin/nologin\n";

    fn image(shadow: &[u8], passwd: &[u8]) -> ImageBuilder {
        ImageBuilder::new("app:1")
            .file("/etc/passwd", 0o644, passwd)
            .file("/etc/shadow", 0o640, shadow)
    }

    #[test]
    fn distribution_defaults_pass() {
        for shadow in [ALPINE_SHADOW, DEBIAN_SHADOW, BUSYBOX_SHADOW] {
            assert!(run(&EmptyPassword, image(shadow, PASSWD)).is_empty());
        }
        let locked = b"root:!$6$salt$hash:19000::::::\napp:!!:19000::::::\nsvc:$6$rounds=5000$abc$def:19000::::::\n";
        assert!(run(&EmptyPassword, image(locked, PASSWD)).is_empty());
        assert!(run(&EmptyPassword, ImageBuilder::new("scratch")).is_empty());
    }

    #[test]
    fn empty_and_weak_passwords() {
        let shadow = b"root::19000:0:99999:7:::\napp:$1$Qd8H9j2k$kDwF4e2qGQJb7v9V1VXbI/:19000::::::\nsvc::19000::::::\nold:abJnggxhB/yWI:19000::::::\n";
        let passwd = [
            PASSWD,
            b"legacy:$6$abc$defghijk:1002:1002::/:/bin/sh\nopen::1003:1003::/:/bin/sh\n",
        ]
        .concat();
        let f = run(&EmptyPassword, image(shadow, &passwd));
        let sev: Vec<(Severity, &str)> = f
            .iter()
            .map(|x| (x.severity, x.message.split('`').nth(1).unwrap_or("")))
            .collect();
        assert_eq!(
            sev,
            [
                (Severity::High, "root"),
                (Severity::Medium, "app"),
                (Severity::Medium, "svc"),
                (Severity::Medium, "old"),
                (Severity::Medium, "legacy"),
                (Severity::High, "open"),
            ]
        );
        assert!(objects(&f)[0].starts_with("/etc/shadow (layer 1 "));
        assert!(objects(&f)[4].starts_with("/etc/passwd (layer 1 "));
        assert_eq!(f[0].evidence.as_ref().map(|e| e.as_str()), Some("root::"));
        let e = f[1].evidence.as_ref().map(|e| e.as_str()).unwrap_or("");
        assert!(e.starts_with("app:$1$") && !e.contains("kDwF4e2q"), "{e}");
    }
}
