use super::accounts;
use super::{ImageCheckContext, ImageRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Checks that the image's accounts are unambiguous: no two `/etc/passwd` entries share a UID or a
    /// name, and no two `/etc/group` entries share a GID or a name. One finding per shared id or name,
    /// naming every line involved. A second account with UID 0 (a root under another name, the classic
    /// `toor` backdoor) is high severity; other duplicates medium.
    ///
    /// ## Why it matters
    /// File ownership and permissions are by number: two accounts with one UID are the same user to the
    /// kernel, so a service account can read and change the other's files, and audit trails name the wrong
    /// account. A duplicate name makes lookups pick whichever line comes first. Duplicates are usually left
    /// by a `useradd`/`echo >> /etc/passwd` in a Dockerfile that did not check what the base image had.
    ///
    /// ## Example
    /// ```text
    /// /etc/passwd:  root:x:0:0:root:/root:/bin/sh
    /// /etc/passwd:  admin:x:0:0::/home/admin:/bin/sh
    /// ```
    ///
    /// ## Fix
    /// Create users and groups with ids that are free in the base image (`useradd -u 10001`, `addgroup -g
    /// 10001`), and remove the duplicate lines.
    pub struct DuplicateIds {
        id: "IM009", name: "duplicate-ids", title: "Duplicate user or group ids", severity: Medium,
        category: Security, aliases: ["DKL-LI-0002"], compliance: ["PCI-DSS-8.2.1", "SOC2-CC6.1"],
        remediation: "Give every user and group its own id and name; remove duplicate lines from /etc/passwd and /etc/group.",
        min_profile: Dev, fixable: false,
    }
}

/// `(key, [(line, name)])` groups with more than one member, in key order.
fn duplicates<K: Ord + Clone>(
    items: impl Iterator<Item = (K, usize, String)>,
) -> Vec<(K, Vec<(usize, String)>)> {
    let mut map: BTreeMap<K, Vec<(usize, String)>> = BTreeMap::new();
    for (k, line, name) in items {
        map.entry(k).or_default().push((line, name));
    }
    map.into_iter().filter(|(_, v)| v.len() > 1).collect()
}

fn list(members: &[(usize, String)]) -> String {
    members
        .iter()
        .map(|(line, name)| format!("`{name}` (line {line})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One finding per name defined more than once in `file` (`kind` is `user` or `group`), naming its lines.
fn same_names<'a>(
    ctx: &ImageCheckContext,
    kind: &str,
    names: impl Iterator<Item = (&'a str, usize)>,
    file: &str,
    layer: usize,
    out: &mut Vec<Finding>,
) {
    for (name, members) in duplicates(names.map(|(n, line)| (n.to_string(), line, n.to_string()))) {
        let lines: Vec<String> = members.iter().map(|(l, _)| l.to_string()).collect();
        out.push(
            ctx.file_finding(
                &DuplicateIds::META,
                format!(
                    "{kind} `{name}` is defined {} times (lines {})",
                    members.len(),
                    lines.join(", ")
                ),
                file,
                layer,
            )
            .with_evidence(Evidence::plain(format!("{kind} {name}"))),
        );
    }
}

impl ImageRule for DuplicateIds {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ImageCheckContext, out: &mut Vec<Finding>) {
        let fs = &ctx.image.fs;
        let layer_of = |path: &str| fs.get(path).map(|n| n.layer).unwrap_or(0);
        if let Some(passwd) = accounts::passwd(fs) {
            let layer = layer_of(accounts::PASSWD);
            let by_uid = duplicates(
                passwd
                    .iter()
                    .filter_map(|p| p.uid.map(|u| (u, p.line, p.name.clone()))),
            );
            for (uid, members) in by_uid {
                let severity = if uid == 0 {
                    Severity::High
                } else {
                    Severity::Medium
                };
                let message = if uid == 0 {
                    format!(
                        "UID 0 is shared by {}: every one of them is root",
                        list(&members)
                    )
                } else {
                    format!("UID {uid} is shared by {}", list(&members))
                };
                out.push(
                    ctx.file_finding(&Self::META, message, accounts::PASSWD, layer)
                        .with_severity(severity)
                        .with_evidence(Evidence::plain(format!("uid {uid}"))),
                );
            }
            let names = passwd.iter().map(|p| (p.name.as_str(), p.line));
            same_names(ctx, "user", names, accounts::PASSWD, layer, out);
        }
        if let Some(group) = fs.content(accounts::GROUP) {
            let layer = layer_of(accounts::GROUP);
            let groups = accounts::parse_group(group);
            let by_gid = duplicates(
                groups
                    .iter()
                    .filter_map(|g| g.gid.map(|id| (id, g.line, g.name.clone()))),
            );
            for (gid, members) in by_gid {
                out.push(
                    ctx.file_finding(
                        &Self::META,
                        format!("GID {gid} is shared by the groups {}", list(&members)),
                        accounts::GROUP,
                        layer,
                    )
                    .with_evidence(Evidence::plain(format!("gid {gid}"))),
                );
            }
            let names = groups.iter().map(|g| (g.name.as_str(), g.line));
            same_names(ctx, "group", names, accounts::GROUP, layer, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::run;
    use crate::testkit::ImageBuilder;

    const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/sh\nbin:x:1:1:bin:/bin:/sbin/nologin\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n";
    const GROUP: &[u8] = b"root:x:0:root\nbin:x:1:root,bin\nnogroup:x:65533:\nnobody:x:65534:\n";

    #[test]
    fn unique_accounts_pass() {
        let b = ImageBuilder::new("a")
            .file("/etc/passwd", 0o644, PASSWD)
            .file("/etc/group", 0o644, GROUP);
        assert!(run(&DuplicateIds, b).is_empty());
        assert!(run(&DuplicateIds, ImageBuilder::new("scratch")).is_empty());
    }

    #[test]
    fn duplicates_of_ids_and_names() {
        let passwd = [PASSWD, b"toor:x:0:0::/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\nworker:x:1000:1000::/app:/bin/sh\nbin:x:2:2::/:/bin/sh\n"].concat();
        let group = [GROUP, b"app:x:1000:\nworkers:x:1000:\napp:x:1001:\n"].concat();
        let b = ImageBuilder::new("a")
            .file("/etc/passwd", 0o644, &passwd)
            .layer("RUN useradd ...")
            .file("/etc/group", 0o644, &group);
        let f = run(&DuplicateIds, b);
        let msgs: Vec<&str> = f.iter().map(|x| x.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "UID 0 is shared by `root` (line 1), `toor` (line 4): every one of them is root",
                "UID 1000 is shared by `app` (line 5), `worker` (line 6)",
                "user `bin` is defined 2 times (lines 2, 7)",
                "GID 1000 is shared by the groups `app` (line 5), `workers` (line 6)",
                "group `app` is defined 2 times (lines 5, 7)",
            ]
        );
        assert_eq!(f[0].severity, Severity::High);
        assert_eq!(f[1].severity, Severity::Medium);
        assert!(
            f[3].location
                .object
                .as_deref()
                .is_some_and(|o| o.starts_with("/etc/group (layer 2 "))
        );
    }
}
