use super::{ImageCheckContext, ImageRule, ls_mode};
use crate::model::{FileKind, Node};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};
use std::collections::HashMap;

declare_rule! {
    /// ## What it does
    /// Finds entries of the final filesystem that every user may modify: regular files (and other
    /// entries) with the "others may write" bit, and directories with it but without the sticky bit.
    /// Not reported: symbolic links (their mode means nothing), sticky directories such as `/tmp` and
    /// `/var/tmp` (`drwxrwxrwt`: users cannot remove each other's files), and device nodes under `/dev`
    /// (`/dev/null` is meant to be writable).
    ///
    /// A world-writable directory is reported once, with the count of world-writable entries under it
    /// (`chmod -R 777 /app` gives one finding, not thousands). At most 20 entries are reported one by one
    /// (configurable), highest severity first; the rest are summarized in one more finding.
    /// Entries in system directories (`/bin`, `/sbin`, `/usr`, `/lib*`, `/etc`, `/opt`), anywhere on the
    /// default `PATH`, or executable are high severity; others medium.
    ///
    /// ## Why it matters
    /// Whatever user the container runs as (and any process an attacker gets to run inside it) can change
    /// a world-writable program, library or configuration that another user, often root, later runs or
    /// reads: a privilege escalation inside the container, and tampering with the application.
    ///
    /// ## Example
    /// ```text
    /// drwxrwxrwx 0:0 /usr/local/bin
    /// -rwxrwxrwx 0:0 /app/entrypoint.sh
    /// ```
    ///
    /// ## Fix
    /// Give write access to the one user that needs it instead of everyone:
    /// ```dockerfile
    /// COPY --chown=app:app --chmod=0755 entrypoint.sh /app/
    /// RUN install -d -o app -g app -m 0750 /app/data
    /// ```
    /// and add the sticky bit (`chmod 1777`) to shared scratch directories.
    pub struct WorldWritable {
        id: "IM007", name: "image-world-writable", title: "World-writable file or directory", severity: Medium,
        category: Security, aliases: [], compliance: ["CIS-Docker-4.8", "PCI-DSS-2.2.6"],
        remediation: "Remove write permission for others (`chmod o-w`); give ownership to the one user that writes, or set the sticky bit on shared directories.",
        min_profile: Dev, fixable: false,
    }
}

/// Directories where a writable entry lets one user change what another runs.
const SENSITIVE_TREES: &[&str] = &[
    "/bin/", "/sbin/", "/usr/", "/lib/", "/lib32/", "/lib64/", "/libx32/", "/etc/", "/opt/",
];

fn severity_of(path: &str, node: &Node) -> Severity {
    let sensitive = SENSITIVE_TREES
        .iter()
        .any(|t| path.starts_with(t) || format!("{path}/") == *t)
        || (node.meta.kind == FileKind::File && node.meta.is_executable());
    if sensitive {
        Severity::High
    } else {
        Severity::Medium
    }
}

fn is_reported(path: &str, node: &Node) -> bool {
    if !node.meta.is_world_writable() {
        return false;
    }
    match node.meta.kind {
        FileKind::Char | FileKind::Block => !path.starts_with("/dev/"),
        FileKind::Symlink | FileKind::Hardlink => false,
        _ => !path.starts_with("/proc/") && !path.starts_with("/sys/"),
    }
}

struct Item<'a> {
    path: &'a str,
    node: &'a Node,
    inside: usize,
    severity: Severity,
}

impl ImageRule for WorldWritable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ImageCheckContext, out: &mut Vec<Finding>) {
        let mut items: Vec<Item> = Vec::new();
        // World-writable directories already reported: path -> index in `items`.
        let mut dirs: HashMap<&str, usize> = HashMap::new();
        for (path, node) in &ctx.image.fs.entries {
            if !is_reported(path, node) {
                continue;
            }
            let ancestor = path
                .match_indices('/')
                .filter(|(i, _)| *i > 0)
                .find_map(|(i, _)| path.get(..i).and_then(|a| dirs.get(a).copied()));
            if let Some(at) = ancestor {
                if let Some(item) = items.get_mut(at) {
                    item.inside += 1;
                    item.severity = item.severity.max(severity_of(path, node));
                }
                continue;
            }
            if node.meta.kind == FileKind::Dir {
                dirs.insert(path.as_str(), items.len());
            }
            items.push(Item {
                path,
                node,
                inside: 0,
                severity: severity_of(path, node),
            });
        }
        items.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.path.cmp(b.path)));
        let cap = ctx.options.max_world_writable;
        let rest = items.len().saturating_sub(cap);
        for item in items.iter().take(cap) {
            let meta = &item.node.meta;
            let what = match meta.kind {
                FileKind::Dir => "a directory without the sticky bit",
                FileKind::File => "a file",
                _ => "an entry",
            };
            let mut message = format!(
                "`{}` is {what} that every user may modify (mode {:04o})",
                item.path,
                meta.mode & 0o7777
            );
            if item.inside > 0 {
                let entries = if item.inside == 1 { "entry" } else { "entries" };
                message.push_str(&format!(
                    "; {} more world-writable {entries} under it",
                    item.inside
                ));
            }
            out.push(
                ctx.file_finding(&Self::META, message, item.path, item.node.layer)
                    .with_severity(item.severity)
                    .with_evidence(Evidence::plain(format!(
                        "{} {}:{} {}",
                        ls_mode(meta),
                        meta.uid,
                        meta.gid,
                        item.path
                    ))),
            );
        }
        if rest > 0 {
            let skipped = items.get(cap..).unwrap_or(&[]);
            let severity = skipped
                .iter()
                .map(|i| i.severity)
                .max()
                .unwrap_or(Severity::Medium);
            let first: Vec<&str> = skipped.iter().take(5).map(|i| i.path).collect();
            out.push(
                ctx.finding(
                    &Self::META,
                    format!(
                        "{rest} more world-writable entries not listed one by one (first: {})",
                        first.join(", ")
                    ),
                    format!("filesystem ({rest} more entries)"),
                )
                .with_severity(severity),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ImageCheckOptions;
    use crate::rules::test_support::{objects, run, run_with};
    use crate::testkit::ImageBuilder;

    fn base() -> ImageBuilder {
        ImageBuilder::new("app:1")
            .layer("ADD rootfs.tar /")
            .dir("/tmp", 0o1777)
            .dir("/var/tmp", 0o1777)
            .dir("/run/lock", 0o1777)
            .special("/dev/null", FileKind::Char, 0o666)
            .symlink("/bin/sh", "busybox")
            .dir("/var/run/postgresql", 0o3777)
            .file("/etc/passwd", 0o644, b"root:x:0:0::/root:/bin/sh\n")
    }

    #[test]
    fn sticky_dirs_devices_and_links_pass() {
        assert!(run(&WorldWritable, base()).is_empty());
    }

    #[test]
    fn reports_with_severity_and_grouping() {
        let mut b = base()
            .layer("RUN chmod -R 777 /app && chmod 777 /usr/local/bin")
            .dir("/usr/local/bin", 0o777)
            .dir("/app", 0o777)
            .file("/app/data.txt", 0o666, b"x")
            .file("/app/run.sh", 0o777, b"#!/bin/sh")
            .dir("/app/cache", 0o777)
            .file("/srv/notes.txt", 0o646, b"x")
            .special("/srv/fifo", FileKind::Fifo, 0o666);
        b = b.file("/app-x/y", 0o666, b"y");
        let f = run(&WorldWritable, b);
        let o: Vec<String> = objects(&f)
            .iter()
            .map(|o| o.split(' ').next().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            o,
            [
                "/app",
                "/usr/local/bin",
                "/app-x/y",
                "/srv/fifo",
                "/srv/notes.txt"
            ]
        );
        assert_eq!(f[0].severity, Severity::High, "executable inside /app");
        assert!(
            f[0].message
                .contains("3 more world-writable entries under it"),
            "{}",
            f[0].message
        );
        assert_eq!(f[1].severity, Severity::High);
        assert_eq!(f[2].severity, Severity::Medium);
        assert_eq!(
            f[1].evidence.as_ref().map(|e| e.as_str()),
            Some("drwxrwxrwx 0:0 /usr/local/bin")
        );
    }

    #[test]
    fn many_entries_are_capped_with_a_summary() {
        let mut b = base().layer("RUN touch ...");
        for i in 0..30 {
            b = b.file(&format!("/data/f{i:02}"), 0o666, b"x");
        }
        let opts = ImageCheckOptions {
            max_world_writable: 5,
            ..ImageCheckOptions::default()
        };
        let f = run_with(&WorldWritable, b, &opts);
        assert_eq!(f.len(), 6);
        let last = &f[5];
        assert_eq!(
            last.location.object.as_deref(),
            Some("filesystem (25 more entries)")
        );
        assert!(
            last.message.contains("first: /data/f05"),
            "{}",
            last.message
        );
    }
}
