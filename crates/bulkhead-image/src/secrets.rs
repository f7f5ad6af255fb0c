//! Secrets in layer contents: [`SecretVisitor`] runs the secret engine over the files of every layer as
//! the reader streams them (deleted and overwritten files included: their bytes still ship), and
//! [`sensitive_file`] recognises credential files by name (for entries whose content was never seen).
//!
//! What the visitor reads: regular files up to a size limit (10 MiB by default), except files that are
//! binary by name (`.so`, `.png`, `.jar`, `.pyc`, ...) and distribution data trees with no room for a
//! secret (`/usr/share/doc`, `/usr/share/man`, `/usr/share/locale`, `/usr/share/zoneinfo`,
//! `/var/lib/apt/lists`, package databases, ...). Files whose name marks them sensitive (`id_rsa`,
//! `.npmrc`, `*.pem`, `*.key`, ...) are read wherever they are, so their content decides.
//!
//! Hits in test fixtures and third-party code (`test/`, `node_modules/`, `site-packages/`, `vendor/`,
//! `*_test.go`, documentation examples, the Go toolchain's own sources) are kept with their severity
//! lowered one step (never below low), as the Dockerfile build-context scanner does.
//!
//! A [`SecretHit`] never holds the secret: only the engine's redacted form (`ghp_****…(40 chars)`).

use crate::model::{FileKind, FileMeta};
use crate::visit::LayerVisitor;
use bulkhead_core::Severity;
use bulkhead_secrets::files::{self, SensitiveCategory, SensitiveKind};
use bulkhead_secrets::{Engine, ScanConfig};
use serde::Serialize;

/// Default largest file the visitor reads (the engine's own default).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// One secret the engine found in one file of one layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretHit {
    /// The detector's id (`SC029`).
    pub rule_id: &'static str,
    /// The detector's title (`GitHub personal access token (classic)`).
    pub title: &'static str,
    /// The detector's severity, lowered one step (never below low) when [`SecretHit::low_confidence`].
    pub severity: Severity,
    /// 1-based line and column (chars) of the secret in the file.
    pub line: usize,
    /// See [`SecretHit::line`].
    pub column: usize,
    /// The secret, redacted.
    pub redacted: String,
    /// The file is a test fixture, third-party code or documentation example.
    pub low_confidence: bool,
}

/// Runs the secret engine over layer files. Output: the hits of one file. For a file whose name marks it
/// sensitive ([`sensitive_file`] or a key-like name), an empty list is returned too when its content was
/// scanned and holds no secret, so the rules can tell "checked and clean" from "never read" (a binary
/// keystore, a file over the size limit).
#[derive(Debug)]
pub struct SecretVisitor {
    max_file_bytes: u64,
    /// An engine of our own when the size limit differs from the global engine's.
    own: Option<Engine>,
}

impl Default for SecretVisitor {
    fn default() -> Self {
        SecretVisitor::new()
    }
}

impl SecretVisitor {
    /// A visitor reading files up to [`DEFAULT_MAX_FILE_BYTES`], with the global engine.
    pub fn new() -> Self {
        SecretVisitor {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            own: None,
        }
    }

    /// A visitor reading files up to `max` bytes.
    pub fn with_max_file_bytes(max: u64) -> Self {
        let own = (max != Engine::global().config.max_file_size).then(|| {
            Engine::new(ScanConfig {
                max_file_size: max,
                ..ScanConfig::default()
            })
        });
        SecretVisitor {
            max_file_bytes: max,
            own,
        }
    }

    fn engine(&self) -> &Engine {
        self.own.as_ref().unwrap_or_else(|| Engine::global())
    }
}

impl LayerVisitor for SecretVisitor {
    type Output = Vec<SecretHit>;

    fn wants(&self, path: &str, meta: &FileMeta) -> bool {
        if meta.kind != FileKind::File || meta.size == 0 || meta.size > self.max_file_bytes {
            return false;
        }
        if is_sensitive_name(path) {
            return true;
        }
        !in_skipped_tree(path) && !has_binary_extension(path)
    }

    fn visit(
        &self,
        _layer: usize,
        path: &str,
        _meta: &FileMeta,
        data: &[u8],
    ) -> Option<Vec<SecretHit>> {
        let outcome = self.engine().scan_bytes(path, data);
        if outcome.skipped.is_some() {
            return None;
        }
        let low = is_low_confidence_path(path);
        let hits: Vec<SecretHit> = outcome
            .matches
            .iter()
            .map(|m| {
                let low_confidence = low || m.in_test_path;
                let severity = if low_confidence {
                    m.rule.severity.lowered().max(Severity::Low)
                } else {
                    m.rule.severity
                };
                SecretHit {
                    rule_id: m.rule.id,
                    title: m.rule.title,
                    severity,
                    line: m.line,
                    column: m.column,
                    redacted: m.redacted.clone(),
                    low_confidence,
                }
            })
            .collect();
        if hits.is_empty() && !is_sensitive_name(path) {
            None
        } else {
            Some(hits)
        }
    }
}

/// Whether the name marks the file as sensitive or key-like (its content is always read).
fn is_sensitive_name(path: &str) -> bool {
    sensitive_file(path).is_some() || files::wants_content(path)
}

/// Classifies a file of an image by its path alone: [`files::classify`], without what is routine in
/// images and holds no secret:
/// - programs (anything in `/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`, `/usr/local/bin`, `/usr/local/sbin`:
///   `/usr/bin/htpasswd` is the tool, not a password file);
/// - source code, bytecode and documentation (`kubeconfig.py`, `credentials.md`);
/// - public keyrings (`*.gpg` under `/usr/share`, `/etc/apt/trusted.gpg.d`, `/etc/apt/keyrings`,
///   `/etc/pki`, or named `*keyring*`, `trusted.gpg`) and repository signatures (`Release.gpg`, anything
///   under `/var/lib/apt/lists`);
/// - `known_hosts` and `config` of an `.ssh` directory (public host keys, client settings).
pub fn sensitive_file(path: &str) -> Option<SensitiveKind> {
    let kind = files::classify(path)?;
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    const PROGRAM_DIRS: &[&str] = &[
        "/bin/",
        "/sbin/",
        "/usr/bin/",
        "/usr/sbin/",
        "/usr/local/bin/",
        "/usr/local/sbin/",
    ];
    if PROGRAM_DIRS.iter().any(|d| lower.starts_with(d)) {
        return None;
    }
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    if CODE_EXTENSIONS.contains(&ext) {
        return None;
    }
    match kind.category {
        SensitiveCategory::GpgFile => {
            const KEYRING_DIRS: &[&str] = &[
                "/usr/share/keyrings/",
                "/etc/apt/trusted.gpg.d/",
                "/etc/apt/keyrings/",
                "/etc/pki/rpm-gpg/",
                "/usr/share/pacman/keyrings/",
                "/usr/share/",
                "/etc/pki/",
                // apt's downloaded index signatures (`..._Release.gpg`).
                "/var/lib/apt/lists/",
            ];
            let public = KEYRING_DIRS.iter().any(|d| lower.starts_with(d))
                || name.contains("keyring")
                || name == "trusted.gpg"
                || name.ends_with("release.gpg");
            (!public).then_some(kind)
        }
        SensitiveCategory::SshDirectoryFile => {
            let benign = matches!(name, "known_hosts" | "known_hosts.old" | "config");
            (!benign).then_some(kind)
        }
        _ => Some(kind),
    }
}

/// Extensions of source code, bytecode and documentation: `kubeconfig.py` is code about kubeconfigs.
const CODE_EXTENSIONS: &[&str] = &[
    "py", "pyc", "pyo", "pyi", "go", "js", "mjs", "cjs", "ts", "rb", "java", "class", "kt", "rs",
    "c", "h", "cc", "cpp", "hpp", "cs", "pl", "pm", "sh", "md", "rst", "html", "htm", "txt",
];

/// Whether the content of a file of this kind tells whether it holds a secret: configuration files the
/// secret engine has detectors for (`.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, Docker
/// `config.json`, kubeconfig, `.env`, `wp-config.php`, `htpasswd`) and key-like names (`*.pem`, `*.key`,
/// `id_rsa`, `*.ppk`), whose private-key blocks the engine recognises. A file of such a kind that was
/// scanned and holds nothing is not reported by name.
pub fn content_decides(kind: &SensitiveKind) -> bool {
    use SensitiveCategory::*;
    matches!(
        kind.category,
        PrivateKey
            | PemFile
            | SshPrivateKey
            | PuttyPrivateKey
            | NpmRc
            | PypiRc
            | Netrc
            | GitCredentials
            | DockerConfig
            | Kubeconfig
            | DotEnv
            | WordPressConfig
            | Htpasswd
    )
}

/// Trees of distribution data where no secret lives; skipped unless the file name is sensitive.
const SKIPPED_TREES: &[&str] = &[
    "/usr/share/doc/",
    "/usr/share/man/",
    "/usr/share/info/",
    "/usr/share/locale/",
    "/usr/share/i18n/",
    "/usr/share/zoneinfo/",
    "/usr/share/terminfo/",
    "/usr/share/mime/",
    "/usr/share/fonts/",
    "/usr/share/icons/",
    "/usr/share/ca-certificates/",
    "/usr/lib/locale/",
    "/usr/include/",
    "/etc/ssl/certs/",
    "/var/lib/apt/lists/",
    "/var/lib/dpkg/",
    "/var/cache/apt/",
    "/var/cache/apk/",
    "/lib/apk/db/",
    "/var/lib/rpm/",
    "/var/cache/dnf/",
    "/var/cache/yum/",
    "/proc/",
    "/sys/",
];

fn in_skipped_tree(path: &str) -> bool {
    SKIPPED_TREES.iter().any(|t| path.starts_with(t))
}

/// Extensions of files that are binary (or archives the engine cannot look into).
const BINARY_EXTENSIONS: &[&str] = &[
    "so", "a", "o", "ko", "dll", "exe", "node", "wasm", "pyc", "pyo", "class", "jar", "war", "ear",
    "whl", "egg", "deb", "rpm", "gz", "tgz", "bz2", "xz", "zst", "lz4", "zip", "7z", "tar", "png",
    "jpg", "jpeg", "gif", "ico", "icns", "webp", "bmp", "tif", "tiff", "svgz", "ttf", "otf",
    "woff", "woff2", "eot", "pdf", "mp3", "mp4", "ogg", "wav", "mo", "gmo", "db", "sqlite",
    "sqlite3", "pak", "iso", "img", "qcow2", "bin",
];

fn has_binary_extension(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    // Shared objects with versions: libfoo.so.1.2.3
    if name.contains(".so.") {
        return true;
    }
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| BINARY_EXTENSIONS.contains(&ext))
}

/// Trees of code the image did not write itself: what the operating system's packages install
/// ([`PACKAGE_TREES`]), language toolchains' own sources, module caches, documentation. On top of the
/// engine's test-path rules (`test/`, `tests/`, `fixtures/`, `node_modules/`, `site-packages/`,
/// `vendor/`, `*_test.go`, ...).
const TOOLCHAIN_TREES: &[&str] = &[
    "/go/pkg/mod/",
    "/root/go/pkg/mod/",
    "/usr/local/cargo/registry/",
    "/root/.cargo/registry/",
    "/root/.rustup/",
    "/usr/local/rustup/",
];

/// Whether hits in this file deserve less confidence: test fixtures, third-party code, files installed
/// by the distribution's packages, documentation examples. The application's own trees (`/app`, `/srv`,
/// `/opt`, `/home`, `/root`, `/etc`, `/usr/local/bin`, `/var/www`, ...) are not.
pub fn is_low_confidence_path(path: &str) -> bool {
    PACKAGE_TREES
        .iter()
        .chain(TOOLCHAIN_TREES)
        .any(|t| path.starts_with(t))
        || path.contains("/examples/")
        || path.contains("/example/")
        || bulkhead_secrets::engine::is_test_path(path)
}

/// Trees the distribution's packages (or a language toolchain) install: hits there are grouped by
/// their first three path components (`/usr/lib/google-cloud-sdk`, `/usr/share/go-1.19`).
const PACKAGE_TREES: &[&str] = &[
    "/usr/lib/",
    "/usr/lib32/",
    "/usr/lib64/",
    "/usr/libexec/",
    "/usr/share/",
    "/usr/bin/",
    "/usr/sbin/",
    "/bin/",
    "/sbin/",
    "/lib/",
    "/lib64/",
    "/usr/local/go/",
];

/// Where a low-confidence path's third-party tree starts, to summarize its hits in one place: the first
/// three path components in the distribution's trees (`/usr/lib/google-cloud-sdk`), the package
/// directory under `node_modules/`, `site-packages/`, `dist-packages/` or `vendor/`, the directory above
/// a test/fixture/example directory, else the first three directories.
pub fn low_confidence_root(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let dirs = parts.len().saturating_sub(1);
    let join = |n: usize| format!("/{}", parts.get(..n.min(dirs)).unwrap_or(&[]).join("/"));
    if PACKAGE_TREES.iter().any(|t| path.starts_with(t)) {
        return join(3);
    }
    let lower: Vec<String> = parts.iter().map(|p| p.to_ascii_lowercase()).collect();
    if let Some(i) = lower
        .iter()
        .take(dirs)
        .position(|p| files::is_dependency_dir(p))
    {
        // Scoped npm packages: node_modules/@scope/name.
        let scoped = parts.get(i + 1).is_some_and(|p| p.starts_with('@'));
        return join(i + if scoped { 3 } else { 2 });
    }
    if let Some(i) = lower
        .iter()
        .take(dirs)
        // Example trees group like test trees (one summary per tree).
        .position(|p| files::is_test_dir(p) || matches!(p.as_str(), "example" | "examples"))
    {
        return join(i.max(1));
    }
    join(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(size: usize) -> FileMeta {
        FileMeta {
            kind: FileKind::File,
            mode: 0o644,
            uid: 0,
            gid: 0,
            size: size as u64,
            link_target: None,
        }
    }

    // Fake, well-formed token (the engine's GitHub classic PAT format).
    const PAT: &str = "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5";

    #[test]
    fn finds_redacted_secrets_and_lowers_test_fixtures() {
        let v = SecretVisitor::new();
        let data = format!("# deploy\nGITHUB_TOKEN={PAT}\n");
        assert!(v.wants("/app/deploy.sh", &meta(data.len())));
        let hits = v
            .visit(0, "/app/deploy.sh", &meta(data.len()), data.as_bytes())
            .unwrap_or_default();
        assert_eq!(hits.len(), 1, "{hits:?}");
        let h = &hits[0];
        assert_eq!((h.rule_id, h.line), ("SC029", 2));
        assert!(!h.redacted.contains("aB3dE5fG7h"), "{}", h.redacted);
        assert!(!h.low_confidence);

        let fixture = "/usr/lib/node_modules/pkg/test/fixture.txt";
        let low = v
            .visit(0, fixture, &meta(data.len()), data.as_bytes())
            .unwrap_or_default();
        assert_eq!(low.len(), 1);
        assert!(low[0].low_confidence);
        assert!(low[0].severity < h.severity, "{low:?} vs {h:?}");
    }

    #[test]
    fn clean_files_give_nothing_but_clean_sensitive_files_say_so() {
        let v = SecretVisitor::new();
        let text = b"registry=https://registry.npmjs.org/\n";
        assert_eq!(v.visit(0, "/app/config.txt", &meta(text.len()), text), None);
        assert_eq!(
            v.visit(0, "/root/.npmrc", &meta(text.len()), text),
            Some(Vec::new())
        );
        // Binary content is never "checked and clean".
        let bin = b"\x7fELF\0\0\0id_rsa";
        assert_eq!(v.visit(0, "/root/.ssh/id_rsa", &meta(bin.len()), bin), None);
    }

    #[test]
    fn wants_text_not_binaries_or_distro_data() {
        let v = SecretVisitor::new();
        assert!(v.wants("/app/.env", &meta(10)));
        assert!(v.wants("/etc/app/config.yaml", &meta(10)));
        assert!(!v.wants("/usr/lib/x86_64-linux-gnu/libssl.so.3", &meta(10)));
        assert!(!v.wants("/usr/share/doc/curl/changelog", &meta(10)));
        assert!(!v.wants("/var/lib/apt/lists/deb.debian.org_dists_main", &meta(10)));
        assert!(!v.wants("/app/big.log", &meta(11 << 20)));
        assert!(!v.wants("/app/empty", &meta(0)));
        // Sensitive names are read wherever they are.
        assert!(v.wants("/usr/share/doc/pkg/examples/server.key", &meta(10)));
        let dir = FileMeta {
            kind: FileKind::Dir,
            ..meta(0)
        };
        assert!(!v.wants("/app", &dir));
        let small = SecretVisitor::with_max_file_bytes(100);
        assert!(!small.wants("/app/x.txt", &meta(101)));
        assert!(small.wants("/app/x.txt", &meta(100)));
    }

    #[test]
    fn sensitive_names_without_routine_image_files() {
        for p in [
            "/root/.ssh/id_ed25519",
            "/root/.npmrc",
            "/app/.env",
            "/home/app/.aws/credentials",
            "/root/.ssh/authorized_keys",
            "/app/private.gpg",
        ] {
            assert!(sensitive_file(p).is_some(), "{p}");
        }
        for p in [
            "/usr/share/keyrings/debian-archive-keyring.gpg",
            "/etc/apt/trusted.gpg.d/debian-archive-bookworm-automatic.gpg",
            "/etc/apt/keyrings/docker.gpg",
            "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_Release.gpg",
            "/srv/mirror/dists/stable/Release.gpg",
            "/root/.ssh/known_hosts",
            "/root/.ssh/config",
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/ssl/cert.pem",
            "/usr/lib/python3/dist-packages/certifi/cacert.pem",
            "/app/.env.example",
            "/usr/bin/htpasswd",
            "/usr/lib/google-cloud-sdk/lib/googlecloudsdk/api_lib/container/__pycache__/kubeconfig.cpython-312.pyc",
            "/usr/share/gnupg/distsigkey.gpg",
            "/usr/share/postgresql-common/pgdg/apt.postgresql.org.gpg",
        ] {
            assert!(sensitive_file(p).is_none(), "{p}");
        }
        assert!(sensitive_file("/var/www/html/wp-config.php").is_some());
    }

    #[test]
    fn low_confidence_trees_and_their_roots() {
        for p in [
            "/usr/lib/google-cloud-sdk/platform/gsutil/third_party/urllib3/dummyserver/certs/server.key",
            "/usr/share/go-1.19/src/crypto/tls/example_test.go",
            "/app/node_modules/pkg/index.js",
            "/usr/local/lib/python3.12/site-packages/botocore/data/x.json",
            "/usr/local/lib/python3.11/dist-packages/botocore/data/x.json",
            "/app/tests/fixtures/key.pem",
            "/usr/local/go/src/net/http/internal/testcert/testcert.go",
        ] {
            assert!(is_low_confidence_path(p), "{p}");
        }
        for p in [
            "/app/config/prod.yaml",
            "/root/.npmrc",
            "/etc/app.conf",
            "/usr/local/bin/run.sh",
            "/srv/.env",
        ] {
            assert!(!is_low_confidence_path(p), "{p}");
        }
        for (p, root) in [
            (
                "/usr/lib/google-cloud-sdk/platform/gsutil/x.py",
                "/usr/lib/google-cloud-sdk",
            ),
            (
                "/usr/share/go-1.19/src/crypto/tls/example_test.go",
                "/usr/share/go-1.19",
            ),
            (
                "/app/node_modules/@scope/pkg/test/key.pem",
                "/app/node_modules/@scope/pkg",
            ),
            (
                "/app/node_modules/pkg/test/key.pem",
                "/app/node_modules/pkg",
            ),
            (
                "/usr/local/lib/python3.12/site-packages/botocore/data/x.json",
                "/usr/local/lib/python3.12/site-packages/botocore",
            ),
            ("/app/tests/fixtures/key.pem", "/app"),
            ("/srv/key.pem", "/srv"),
            ("/usr/share/doc/pkg/examples/server.key", "/usr/share/doc"),
            (
                "/usr/lib/google-cloud-sdk/platform/gsutil/gslib/tests/test_data/test.p12",
                "/usr/lib/google-cloud-sdk",
            ),
            ("/usr/sbin/debootstrap", "/usr/sbin"),
            (
                "/opt/app/vendor/acme/lib/tests/key.pem",
                "/opt/app/vendor/acme",
            ),
            ("/key.pem", "/"),
        ] {
            assert_eq!(low_confidence_root(p), root, "{p}");
        }
    }
}
