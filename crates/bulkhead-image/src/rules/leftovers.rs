use super::secret_file_in_layer::files_by_path;
use super::{ImageCheckContext, ImageRule, Visibility};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Finds build leftovers that matter for security, in any layer (files a later layer deleted still
    /// ship):
    /// - **version-control directories** (`.git/`, `.hg/`, `.svn/`): the project's full history, its
    ///   remotes, sometimes credentials in `.git/config`. Medium; low under dependency directories
    ///   (`node_modules/`, `vendor/`, `site-packages/`);
    /// - **SSH host keys** (`/etc/ssh/ssh_host_*_key`), generated when `openssh-server` was installed:
    ///   every container of the image shares them. High;
    /// - **GnuPG private keys** (`.gnupg/private-keys-v1.d/*`, `secring.gpg`) left by a `gpg --import` or
    ///   key generation during the build. High;
    /// - **shell and REPL histories** (`.bash_history`, `.ash_history`, `.python_history`,
    ///   `.mysql_history`, `.psql_history`, ...) from an image made with `docker commit`: commands typed
    ///   interactively, passwords included. Low.
    ///
    /// Not reported: package-manager caches (`/var/cache/apt/archives/*.deb`, `/var/cache/apk`,
    /// `/root/.cache/pip`, `~/.npm/_cacache`): they make images bigger, not less safe. Credentials of
    /// package managers (`.npmrc`, `.pypirc`, `pip.conf` with a password in the index URL) are IM010's and
    /// IM011's.
    ///
    /// ## Why it matters
    /// A shared SSH host key lets anyone who pulls the image impersonate every container started from it.
    /// A repository's history keeps every secret ever committed, even those deleted from the working tree.
    /// A private key or a history file gives away what the build meant to keep.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY . /app                                   # ships /app/.git
    /// RUN apt-get install -y openssh-server         # generates /etc/ssh/ssh_host_*_key
    /// ```
    ///
    /// ## Fix
    /// Add `.git` to `.dockerignore`; generate SSH host keys when the container starts (`ssh-keygen -A` in
    /// the entrypoint) and delete them in the same `RUN` that installs the server; import GnuPG keys into a
    /// temporary `GNUPGHOME` removed in the same `RUN`; build images from Dockerfiles, not `docker commit`.
    pub struct Leftovers {
        id: "IM012", name: "leftovers", title: "Security-relevant build leftover", severity: Medium,
        category: Security, aliases: ["DKL-LI-0003"], compliance: ["CIS-Docker-4.10", "SOC2-CC6.1"],
        remediation: "Keep repositories, keys and histories out of the image: .dockerignore, temporary directories removed in the same RUN, keys generated at container start.",
        min_profile: Dev, fixable: false,
    }
}

/// An SSH host private key (`/etc/ssh/ssh_host_ed25519_key`), not its `.pub`.
fn is_ssh_host_key(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("ssh_host_") && name.ends_with("_key")
}

/// A GnuPG private key of a GnuPG home.
fn is_gnupg_private(path: &str) -> bool {
    path.contains("/.gnupg/private-keys-v1.d/")
        || (path.contains("/.gnupg/") && path.ends_with("/secring.gpg"))
}

const HISTORIES: &[&str] = &[
    ".bash_history",
    ".ash_history",
    ".sh_history",
    ".zsh_history",
    ".history",
    ".python_history",
    ".mysql_history",
    ".psql_history",
    ".node_repl_history",
    ".rediscli_history",
    ".sqlite_history",
    ".irb_history",
];

fn is_history(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    HISTORIES.contains(&name)
}

/// Paths this rule reports, which IM010 and IM011 leave alone.
pub(crate) fn owns(path: &str) -> bool {
    is_ssh_host_key(path) || is_gnupg_private(path)
}

/// The version-control directory a path is in or is: `/app/.git/config` -> `/app/.git`.
fn vcs_root(path: &str) -> Option<&str> {
    for marker in ["/.git", "/.hg", "/.svn"] {
        let mut from = 0;
        while let Some(at) = path
            .get(from..)
            .and_then(|p| p.find(marker))
            .map(|i| i + from)
        {
            let end = at + marker.len();
            if end == path.len() || path.as_bytes().get(end) == Some(&b'/') {
                return path.get(..end);
            }
            from = end;
        }
    }
    None
}

impl ImageRule for Leftovers {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ImageCheckContext, out: &mut Vec<Finding>) {
        self.vcs_dirs(ctx, out);
        let candidates = files_by_path(ctx, |p| {
            is_ssh_host_key(p) || is_gnupg_private(p) || is_history(p)
        });
        for (path, copies) in candidates {
            let (what, severity) = if is_ssh_host_key(path) {
                (
                    "an SSH host private key: every container of the image shares it, so anyone who pulls the image can impersonate them",
                    Severity::High,
                )
            } else if is_gnupg_private(path) {
                ("a GnuPG private key left by the build", Severity::High)
            } else if is_history(path) {
                (
                    "a shell history: commands typed while the image was made, passwords included",
                    Severity::Low,
                )
            } else {
                continue;
            };
            let copies: Vec<usize> = copies
                .iter()
                .filter(|(_, m)| m.size > 0 || !is_history(path))
                .map(|(l, _)| *l)
                .collect();
            let Some(&first) = copies.first() else {
                continue;
            };
            let state = state_text(ctx, &copies, path);
            out.push(
                ctx.file_finding(
                    &Self::META,
                    format!("`{path}` is {what}; {state}"),
                    path,
                    first,
                )
                .with_severity(severity)
                .with_evidence(Evidence::plain(path)),
            );
        }
    }
}

/// Visibility words for a path written by several layers: visible if any copy is.
fn state_text(ctx: &ImageCheckContext, layers: &[usize], path: &str) -> String {
    if layers
        .iter()
        .any(|l| ctx.visibility(*l, path) == Visibility::Visible)
    {
        ctx.visibility_text(Visibility::Visible)
    } else {
        let first = layers.first().copied().unwrap_or(0);
        ctx.visibility_text(ctx.visibility(first, path))
    }
}

impl Leftovers {
    fn vcs_dirs(&self, ctx: &ImageCheckContext, out: &mut Vec<Finding>) {
        let fs = &ctx.image.fs;
        // root -> (layers holding entries of it, number of files)
        let mut roots: BTreeMap<&str, (Vec<usize>, usize)> = BTreeMap::new();
        for (path, layer, meta) in fs.written() {
            let Some(root) = vcs_root(path) else {
                continue;
            };
            // A `.git` *file* is a worktree/submodule pointer, not a repository.
            if root == path && meta.kind != crate::model::FileKind::Dir {
                continue;
            }
            let entry = roots.entry(root).or_default();
            if !entry.0.contains(&layer) {
                entry.0.push(layer);
            }
            if meta.kind == crate::model::FileKind::File {
                entry.1 += 1;
            }
        }
        for (root, (mut layers, files)) in roots {
            layers.sort_unstable();
            let Some(&first) = layers.first() else {
                continue;
            };
            let kind = bulkhead_secrets::files::classify_dir(root);
            let low = kind.is_some_and(|k| k.in_test_path);
            let name = root.rsplit('/').next().unwrap_or(root);
            let what = if name == ".git" {
                "a Git repository"
            } else {
                "a version-control directory"
            };
            let state = if layers
                .iter()
                .any(|l| fs.is_visible(*l, root) || fs.under(root).any(|(_, n)| n.layer == *l))
            {
                ctx.visibility_text(Visibility::Visible)
            } else {
                ctx.visibility_text(ctx.visibility(first, root))
            };
            out.push(
                ctx.file_finding(
                    &Self::META,
                    format!("`{root}` is {what} ({files} files): its history and remotes ship with the image; {state}"),
                    root,
                    first,
                )
                .with_severity(if low { Severity::Low } else { Severity::Medium })
                .with_evidence(Evidence::plain(format!("{root}/"))),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{objects, run};
    use crate::testkit::ImageBuilder;

    #[test]
    fn repositories_host_keys_gpg_keys_histories() {
        let b = ImageBuilder::new("app:1")
            .layer("COPY . /app # buildkit")
            .dir("/app/.git", 0o755)
            .file(
                "/app/.git/config",
                0o644,
                b"[remote \"origin\"]\n\turl = https://github.com/acme/app\n",
            )
            .file("/app/.git/HEAD", 0o644, b"ref: refs/heads/main\n")
            .file(
                "/app/node_modules/left-pad/.git/HEAD",
                0o644,
                b"ref: refs/heads/main\n",
            )
            .layer("RUN apt-get install -y openssh-server && gpg --import key.asc # buildkit")
            .file(
                "/etc/ssh/ssh_host_ed25519_key",
                0o600,
                b"-----BEGIN OPENSSH PRIVATE KEY-----\n",
            )
            .file(
                "/etc/ssh/ssh_host_ed25519_key.pub",
                0o644,
                b"ssh-ed25519 AAAA\n",
            )
            .file(
                "/root/.gnupg/private-keys-v1.d/0123ABCD.key",
                0o600,
                b"Key: (private-key ...)\n",
            )
            .file("/root/.gnupg/pubring.kbx", 0o644, b"\x00binary")
            .file(
                "/root/.bash_history",
                0o600,
                b"mysql -u root -pXk9mQ2vL8pR4tW7\n",
            )
            .file("/home/app/.bash_history", 0o600, b"")
            .layer("RUN rm -rf /app/.git # buildkit")
            .delete("/app/.git");
        let f = run(&Leftovers, b);
        let o: Vec<String> = objects(&f)
            .iter()
            .map(|o| o.split(' ').next().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            o,
            [
                "/app/.git",
                "/app/node_modules/left-pad/.git",
                "/etc/ssh/ssh_host_ed25519_key",
                "/root/.bash_history",
                "/root/.gnupg/private-keys-v1.d/0123ABCD.key",
            ],
            "{f:#?}"
        );
        assert!(f[0].message.contains("(2 files)"), "{}", f[0].message);
        assert!(
            f[0].message.contains("deleted by layer 3"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[1].severity, Severity::Low);
        assert!(
            f[1].message.contains("still in the final filesystem"),
            "{}",
            f[1].message
        );
        assert_eq!(f[2].severity, Severity::High);
        assert_eq!(f[3].severity, Severity::Low);
        assert_eq!(f[4].severity, Severity::High);
    }

    #[test]
    fn ordinary_files_pass() {
        let b = ImageBuilder::new("app:1")
            .file("/etc/ssh/ssh_config", 0o644, b"Host *\n")
            .file("/etc/ssh/ssh_host_rsa_key.pub", 0o644, b"ssh-rsa AAAA\n")
            .file("/app/.gitignore", 0o644, b"node_modules\n")
            .file("/app/.github/workflows/ci.yml", 0o644, b"on: push\n")
            .file("/app/sub/.git", 0o644, b"gitdir: ../.git/modules/sub\n")
            .file(
                "/var/cache/apt/archives/curl_8.5.0-2_amd64.deb",
                0o644,
                b"!<arch>\n",
            )
            .file("/root/.cache/pip/http/x", 0o644, b"cache");
        assert!(
            run(&Leftovers, b).is_empty(),
            "{:#?}",
            run(&Leftovers, ImageBuilder::new("x"))
        );
        assert_eq!(vcs_root("/a/.git/objects/x"), Some("/a/.git"));
        assert_eq!(vcs_root("/a/.github/x"), None);
        assert_eq!(vcs_root("/a/.gitx/.git"), Some("/a/.gitx/.git"));
    }
}
