//! Recognising files and directories that hold secrets or private history, by path and, for key-like
//! files, by their first bytes.
//!
//! Used by the rules that flag a secret copied into an image and a secret leaked through the build
//! context. Classification is deliberately conservative about false positives:
//! * certificates and public keys (`*.pub`, `*.crt`, `*.pem` in `certs/`, CA bundles) are not keys;
//! * a `.pem`/`.key` is only *critical* once its content shows a `PRIVATE KEY` block
//!   ([`classify_with_content`]); a certificate-only PEM is dropped;
//! * template env files (`.env.example`, `.env.sample`, `.env.template`, `.env.dist`, …) are ignored;
//! * anything under dependency or test-fixture directories (`node_modules/`, `vendor/`, `test/`,
//!   `tests/`, `testdata/`, `fixtures/`, `__tests__/`, `spec/`, …) is still reported but with
//!   [`SensitiveKind::in_test_path`] set and the severity lowered one step.
//!
//! Matching is on the `/`-separated path relative to the context root and is case-insensitive.

use bulkhead_core::Severity;

/// How many leading bytes of a file [`classify_with_content`] needs (and the context reader reads).
pub const CONTENT_SNIFF_LEN: usize = 4096;

/// What kind of sensitive material a path holds. [`SensitiveCategory::id`] is stable and safe to use
/// in rule output and configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SensitiveCategory {
    /// A PEM/DER private key (`*.key`, a `.pem` holding a private key, a confirmed key of any name).
    PrivateKey,
    /// A `.pem` file that may hold a private key; content not checked.
    PemFile,
    /// An OpenSSH private key (`id_rsa`, `id_ed25519`, any non-`.pub` `id_*` in `.ssh/`).
    SshPrivateKey,
    /// Another file in a `.ssh/` directory (`config`, `known_hosts`, `authorized_keys`).
    SshDirectoryFile,
    /// A PuTTY private key (`*.ppk`).
    PuttyPrivateKey,
    /// A dotenv file (`.env`, `.env.production`, `prod.env`, `.envrc`).
    DotEnv,
    /// npm configuration, often holding registry auth tokens.
    NpmRc,
    /// PyPI upload credentials.
    PypiRc,
    /// `.netrc`/`_netrc` machine passwords.
    Netrc,
    /// Git's plaintext credential store.
    GitCredentials,
    /// Docker registry credentials (`.docker/config.json`, `.dockercfg`).
    DockerConfig,
    /// Registry credentials of other package managers (Cargo, RubyGems, Terraform Cloud).
    RegistryCredentials,
    /// Google/OAuth credentials (`credentials.json`, `client_secret*.json`).
    OAuthCredentials,
    /// A cloud service-account key (`service-account*.json`).
    ServiceAccountKey,
    /// AWS access keys (`.aws/credentials`).
    AwsCredentials,
    /// AWS CLI configuration (`.aws/config`): profiles and role ARNs, rarely secrets.
    AwsConfig,
    /// Other cloud CLI credentials (`.s3cfg`, `.boto`).
    CloudCredentials,
    /// Kubernetes client configuration with cluster credentials.
    Kubeconfig,
    /// A PKCS#12 bundle (`*.p12`, `*.pfx`), normally holding a private key.
    Pkcs12,
    /// A Java/Android keystore (`*.jks`, `*.keystore`, `*.bks`).
    JavaKeystore,
    /// A KeePass password database.
    KeePass,
    /// An OpenVPN profile, often with inline keys.
    OpenVpn,
    /// An Apache `htpasswd` password-hash file.
    Htpasswd,
    /// Terraform state, which stores resource secrets in plain text.
    TerraformState,
    /// Terraform variable values (`*.tfvars`).
    TerraformVars,
    /// A generic secrets file (`secrets.yml`, `secret.json`, …).
    SecretsFile,
    /// Rails `master.key` / `credentials/*.key`.
    RailsMasterKey,
    /// WordPress `wp-config.php` with database credentials and salts.
    WordPressConfig,
    /// A GnuPG secret keyring (`secring.*`).
    GpgSecretKeyring,
    /// A `*.gpg` file: encrypted data or a keyring.
    GpgFile,
    /// A HashiCorp Vault token.
    VaultToken,
    /// PostgreSQL password file.
    PgPass,
    /// MySQL client configuration, usually with a password.
    MysqlConfig,
    /// A `.git` directory: the full history, remotes and possibly credentials.
    GitDirectory,
    /// Another VCS metadata directory (`.hg`, `.svn`).
    VcsDirectory,
    /// A `.ssh` directory.
    SshDirectory,
    /// An `.aws` directory.
    AwsDirectory,
    /// A `.kube` directory.
    KubeDirectory,
    /// A `.gnupg` directory (keyrings).
    GnupgDirectory,
}

// `ALL[i]` is the variant with discriminant `i`: none left out before the last listed, none twice.
const _: () = {
    let mut i = 0;
    while i < SensitiveCategory::ALL.len() {
        assert!(SensitiveCategory::ALL[i] as usize == i);
        i += 1;
    }
};

impl SensitiveCategory {
    /// Every category, in declaration order (a compile-time check below rejects a gap, a repeat or a wrong
    /// order; a variant added at the end of the enum must be appended here by hand).
    pub const ALL: [SensitiveCategory; 39] = {
        use SensitiveCategory::*;
        [
            PrivateKey,
            PemFile,
            SshPrivateKey,
            SshDirectoryFile,
            PuttyPrivateKey,
            DotEnv,
            NpmRc,
            PypiRc,
            Netrc,
            GitCredentials,
            DockerConfig,
            RegistryCredentials,
            OAuthCredentials,
            ServiceAccountKey,
            AwsCredentials,
            AwsConfig,
            CloudCredentials,
            Kubeconfig,
            Pkcs12,
            JavaKeystore,
            KeePass,
            OpenVpn,
            Htpasswd,
            TerraformState,
            TerraformVars,
            SecretsFile,
            RailsMasterKey,
            WordPressConfig,
            GpgSecretKeyring,
            GpgFile,
            VaultToken,
            PgPass,
            MysqlConfig,
            GitDirectory,
            VcsDirectory,
            SshDirectory,
            AwsDirectory,
            KubeDirectory,
            GnupgDirectory,
        ]
    };

    /// Stable identifier, kebab-case.
    pub fn id(self) -> &'static str {
        use SensitiveCategory::*;
        match self {
            PrivateKey => "private-key",
            PemFile => "pem-file",
            SshPrivateKey => "ssh-private-key",
            SshDirectoryFile => "ssh-directory-file",
            PuttyPrivateKey => "putty-private-key",
            DotEnv => "dotenv",
            NpmRc => "npmrc",
            PypiRc => "pypirc",
            Netrc => "netrc",
            GitCredentials => "git-credentials",
            DockerConfig => "docker-config",
            RegistryCredentials => "registry-credentials",
            OAuthCredentials => "oauth-credentials",
            ServiceAccountKey => "service-account-key",
            AwsCredentials => "aws-credentials",
            AwsConfig => "aws-config",
            CloudCredentials => "cloud-credentials",
            Kubeconfig => "kubeconfig",
            Pkcs12 => "pkcs12",
            JavaKeystore => "java-keystore",
            KeePass => "keepass-database",
            OpenVpn => "openvpn-profile",
            Htpasswd => "htpasswd",
            TerraformState => "terraform-state",
            TerraformVars => "terraform-vars",
            SecretsFile => "secrets-file",
            RailsMasterKey => "rails-master-key",
            WordPressConfig => "wordpress-config",
            GpgSecretKeyring => "gpg-secret-keyring",
            GpgFile => "gpg-file",
            VaultToken => "vault-token",
            PgPass => "pgpass",
            MysqlConfig => "mysql-config",
            GitDirectory => "git-directory",
            VcsDirectory => "vcs-directory",
            SshDirectory => "ssh-directory",
            AwsDirectory => "aws-directory",
            KubeDirectory => "kube-directory",
            GnupgDirectory => "gnupg-directory",
        }
    }

    /// One-line human description.
    pub fn description(self) -> &'static str {
        use SensitiveCategory::*;
        match self {
            PrivateKey => "private key",
            PemFile => "PEM file that may contain a private key",
            SshPrivateKey => "SSH private key",
            SshDirectoryFile => "file from an SSH configuration directory",
            PuttyPrivateKey => "PuTTY private key",
            DotEnv => "environment file with application secrets",
            NpmRc => "npm configuration that may hold registry auth tokens",
            PypiRc => "PyPI configuration with upload credentials",
            Netrc => "netrc file with machine passwords",
            GitCredentials => "Git credential store with plaintext tokens",
            DockerConfig => "Docker client configuration with registry credentials",
            RegistryCredentials => "package registry credentials",
            OAuthCredentials => "OAuth client credentials",
            ServiceAccountKey => "cloud service-account key",
            AwsCredentials => "AWS access keys",
            AwsConfig => "AWS CLI configuration",
            CloudCredentials => "cloud CLI credentials",
            Kubeconfig => "Kubernetes kubeconfig with cluster credentials",
            Pkcs12 => "PKCS#12 bundle with a private key",
            JavaKeystore => "Java keystore",
            KeePass => "KeePass password database",
            OpenVpn => "OpenVPN profile that may embed keys",
            Htpasswd => "htpasswd password hashes",
            TerraformState => "Terraform state with plaintext resource secrets",
            TerraformVars => "Terraform variable values",
            SecretsFile => "secrets file",
            RailsMasterKey => "Rails master key",
            WordPressConfig => "WordPress configuration with database credentials",
            GpgSecretKeyring => "GnuPG secret keyring",
            GpgFile => "GnuPG encrypted file or keyring",
            VaultToken => "HashiCorp Vault token",
            PgPass => "PostgreSQL password file",
            MysqlConfig => "MySQL client configuration with credentials",
            GitDirectory => "Git metadata directory with full history",
            VcsDirectory => "version-control metadata directory with history",
            SshDirectory => "SSH configuration directory",
            AwsDirectory => "AWS CLI directory",
            KubeDirectory => "Kubernetes client directory",
            GnupgDirectory => "GnuPG home directory with keyrings",
        }
    }

    /// The severity before path-based adjustments.
    pub fn base_severity(self) -> Severity {
        use SensitiveCategory::*;
        match self {
            SshPrivateKey | PuttyPrivateKey | GitCredentials | AwsCredentials | RailsMasterKey => {
                Severity::Critical
            }
            PrivateKey | DotEnv | NpmRc | PypiRc | Netrc | DockerConfig | RegistryCredentials
            | OAuthCredentials | CloudCredentials | Kubeconfig | Pkcs12 | JavaKeystore
            | KeePass | OpenVpn | TerraformState | GpgSecretKeyring | VaultToken | PgPass
            | GitDirectory | SshDirectory | AwsDirectory | KubeDirectory | GnupgDirectory => {
                Severity::High
            }
            PemFile | SshDirectoryFile | ServiceAccountKey | Htpasswd | TerraformVars
            | SecretsFile | WordPressConfig | GpgFile | MysqlConfig | VcsDirectory => {
                Severity::Medium
            }
            AwsConfig => Severity::Low,
        }
    }

    /// Directory kinds whose files are reported once, as the directory, rather than one by one.
    pub fn reported_as_directory(self) -> bool {
        matches!(
            self,
            SensitiveCategory::GitDirectory
                | SensitiveCategory::VcsDirectory
                | SensitiveCategory::GnupgDirectory
        )
    }
}

/// The verdict for one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SensitiveKind {
    pub category: SensitiveCategory,
    /// Suggested severity: the category's base, adjusted for content and path.
    pub severity: Severity,
    /// The path is under a dependency or test-fixture directory; severity was lowered one step.
    pub in_test_path: bool,
    /// The file content was checked and shows key material.
    pub content_confirmed: bool,
}

impl SensitiveKind {
    fn new(category: SensitiveCategory, rel_path: &str) -> Self {
        SensitiveKind {
            category,
            severity: category.base_severity(),
            in_test_path: false,
            content_confirmed: false,
        }
        .with_path(rel_path)
    }

    fn with_path(mut self, rel_path: &str) -> Self {
        self.in_test_path = is_test_path(rel_path);
        self
    }

    fn finish(mut self) -> Self {
        if self.in_test_path {
            self.severity = self.severity.lowered();
        }
        self
    }

    /// Stable identifier of the category.
    pub fn id(&self) -> &'static str {
        self.category.id()
    }

    /// Human description of the category.
    pub fn description(&self) -> &'static str {
        self.category.description()
    }
}

/// Directory names whose contents are third-party code (installed dependencies).
const DEPENDENCY_DIRS: &[&str] = &[
    "node_modules",
    "vendor",
    "bower_components",
    "site-packages",
    "dist-packages",
];

/// Directory names whose contents are tests or test data.
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "testdata",
    "test-data",
    "test_data",
    "fixtures",
    "__fixtures__",
    "__tests__",
    "__mocks__",
    "spec",
    "specs",
];

/// Whether a directory of this name (any case) holds installed third-party code (`node_modules`,
/// `site-packages`, `dist-packages`, `vendor`, ...).
pub fn is_dependency_dir(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    DEPENDENCY_DIRS.contains(&lower.as_str())
}

/// Whether a directory of this name (any case) holds tests or test data (`tests`, `fixtures`, ...).
pub fn is_test_dir(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    TEST_DIRS.contains(&lower.as_str())
}

/// Whether any directory of `rel_path` (not the file name) is a dependency or test-fixture directory.
pub fn is_test_path(rel_path: &str) -> bool {
    let parts = components(rel_path);
    let dirs = parts.len().saturating_sub(1);
    parts[..dirs]
        .iter()
        .any(|d| is_dependency_dir(d) || is_test_dir(d))
}

/// Lower-cased, non-empty components, with `.` dropped.
fn components(rel_path: &str) -> Vec<&str> {
    rel_path
        .split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

/// Segments of an env-file name that mark a committed template rather than real values.
const TEMPLATE_MARKERS: &[&str] = &[
    "example", "examples", "sample", "samples", "template", "tmpl", "tpl", "dist", "defaults",
    "default", "schema", "skel", "stub",
];

const SSH_KEY_NAMES: &[&str] = &[
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "id_ecdsa_sk",
    "id_ed25519_sk",
];

/// Classifies a file by its path alone.
pub fn classify(rel_path: &str) -> Option<SensitiveKind> {
    by_name(rel_path).map(|c| SensitiveKind::new(c, rel_path).finish())
}

fn by_name(rel_path: &str) -> Option<SensitiveCategory> {
    use SensitiveCategory::*;
    let parts = components(rel_path);
    let name = parts.last()?.to_ascii_lowercase();
    let dirs: Vec<String> = parts[..parts.len() - 1]
        .iter()
        .map(|d| d.to_ascii_lowercase())
        .collect();
    let parent = dirs.last().map(String::as_str).unwrap_or("");
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let in_ssh_dir = dirs.iter().any(|d| d == ".ssh");

    // Public halves and certificates are never secrets by name.
    if matches!(
        ext,
        "pub" | "crt" | "cer" | "cert" | "csr" | "der" | "p7b" | "p7c"
    ) {
        return None;
    }

    if in_ssh_dir {
        if name.starts_with("id_") || name == "identity" {
            return Some(SshPrivateKey);
        }
        return Some(SshDirectoryFile);
    }
    if SSH_KEY_NAMES.iter().any(|k| {
        name == *k
            || name
                .strip_prefix(k)
                .is_some_and(|rest| rest.starts_with(['.', '_', '-']))
    }) {
        return Some(SshPrivateKey);
    }

    if let Some(category) = env_file(&name) {
        return Some(category);
    }

    let exact = match name.as_str() {
        ".npmrc" => Some(NpmRc),
        ".pypirc" => Some(PypiRc),
        ".netrc" | "_netrc" => Some(Netrc),
        ".git-credentials" => Some(GitCredentials),
        ".dockercfg" => Some(DockerConfig),
        "config.json" if parent == ".docker" => Some(DockerConfig),
        "credentials" | "credentials.toml" if parent == ".cargo" => Some(RegistryCredentials),
        "credentials" if parent == ".gem" => Some(RegistryCredentials),
        "credentials.tfrc.json" => Some(RegistryCredentials),
        "credentials.json" => Some(OAuthCredentials),
        "credentials" if parent == ".aws" => Some(AwsCredentials),
        "config" if parent == ".aws" => Some(AwsConfig),
        ".s3cfg" | ".boto" => Some(CloudCredentials),
        "config" if parent == ".kube" => Some(Kubeconfig),
        "kubeconfig" => Some(Kubeconfig),
        ".htpasswd" | "htpasswd" => Some(Htpasswd),
        "terraform.tfstate" | "terraform.tfstate.backup" => Some(TerraformState),
        "secrets.yml" | "secrets.yaml" | "secrets.json" | "secrets.toml" | "secret.yml"
        | "secret.yaml" | "secret.json" => Some(SecretsFile),
        "master.key" => Some(RailsMasterKey),
        "wp-config.php" => Some(WordPressConfig),
        ".vault-token" => Some(VaultToken),
        ".pgpass" => Some(PgPass),
        ".my.cnf" | ".mylogin.cnf" => Some(MysqlConfig),
        _ => None,
    };
    if exact.is_some() {
        return exact;
    }

    if name.ends_with(".json")
        && (name.starts_with("client_secret") || name.starts_with("client-secret"))
    {
        return Some(OAuthCredentials);
    }
    if name.ends_with(".json")
        && ["service-account", "service_account", "serviceaccount"]
            .iter()
            .any(|p| name.starts_with(p))
    {
        return Some(ServiceAccountKey);
    }
    if name.starts_with("kubeconfig") || ext == "kubeconfig" {
        return Some(Kubeconfig);
    }
    if name.starts_with("secring.") {
        return Some(GpgSecretKeyring);
    }
    if name.ends_with(".tfstate") || name.ends_with(".tfstate.backup") {
        return Some(TerraformState);
    }
    if name.ends_with(".tfvars") || name.ends_with(".tfvars.json") {
        return Some(TerraformVars);
    }

    match ext {
        "p12" | "pfx" => Some(Pkcs12),
        "jks" | "keystore" | "bks" => Some(JavaKeystore),
        "kdbx" | "kdb" => Some(KeePass),
        "ovpn" => Some(OpenVpn),
        "ppk" => Some(PuttyPrivateKey),
        "gpg" if !name.starts_with("pubring") && !name.starts_with("trustdb") => Some(GpgFile),
        "key" if parent == "credentials" => Some(RailsMasterKey),
        "key" => Some(PrivateKey),
        "pem" if looks_like_certificate(&name, &dirs) => None,
        "pem" => Some(PemFile),
        _ => None,
    }
}

fn env_file(name: &str) -> Option<SensitiveCategory> {
    if name == ".envrc" {
        return Some(SensitiveCategory::DotEnv);
    }
    let dotted = name == ".env" || name.starts_with(".env.");
    let suffixed = name.ends_with(".env") && name.len() > ".env".len();
    if !dotted && !suffixed {
        return None;
    }
    let template = name
        .split(['.', '-', '_'])
        .any(|segment| TEMPLATE_MARKERS.contains(&segment));
    (!template).then_some(SensitiveCategory::DotEnv)
}

/// Names and directories that mark a `.pem` as a certificate or CA bundle rather than a key.
fn looks_like_certificate(name: &str, dirs: &[String]) -> bool {
    if name.contains("key") || name.contains("priv") {
        return false;
    }
    const CERT_DIRS: &[&str] = &[
        "certs",
        "cert",
        "certificates",
        "ca-certificates",
        "cacerts",
        "ca-trust",
        "trust-anchors",
        "ca",
    ];
    if dirs.iter().any(|d| CERT_DIRS.contains(&d.as_str())) {
        return true;
    }
    let stem = name.trim_end_matches(".pem");
    stem.contains("cert")
        || stem.contains("chain")
        || stem.contains("bundle")
        || stem == "ca"
        || stem.starts_with("ca-")
        || stem.starts_with("ca_")
        || stem.ends_with("-ca")
        || stem.ends_with("_ca")
        || stem.contains("root-ca")
        || stem.contains("rootca")
}

/// Whether content inspection can confirm or dismiss the name-based verdict for this path (keys,
/// PEM files, certificates and SSH key names). The context reader only reads these files.
pub fn wants_content(rel_path: &str) -> bool {
    let parts = components(rel_path);
    let Some(name) = parts.last().map(|n| n.to_ascii_lowercase()) else {
        return false;
    };
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    matches!(ext, "pem" | "key" | "crt" | "cer" | "cert" | "asc")
        || by_name(rel_path) == Some(SensitiveCategory::SshPrivateKey)
}

/// What the first bytes of a file show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sniffed {
    PrivateKey {
        encrypted: bool,
    },
    /// Only certificates, public keys, requests or parameters.
    PublicOnly,
    /// A ZIP container (e.g. an Apple Keynote `.key` document).
    Archive,
    Empty,
    Unknown,
}

fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Sniffed::Empty;
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Sniffed::Archive;
    }
    let text = String::from_utf8_lossy(bytes);
    if text.trim_start().starts_with("PuTTY-User-Key-File-") {
        let encrypted = !text.contains("Encryption: none");
        return Sniffed::PrivateKey { encrypted };
    }
    let mut saw_block = false;
    let mut private = None;
    let mut rest: &str = &text;
    while let Some(at) = rest.find("-----BEGIN ") {
        let after = &rest[at + "-----BEGIN ".len()..];
        let Some(end) = after.find("-----") else {
            break;
        };
        let label = &after[..end];
        saw_block = true;
        if label.ends_with("PRIVATE KEY") || label == "PGP PRIVATE KEY BLOCK" {
            let encrypted = label.contains("ENCRYPTED") || after.contains("Proc-Type: 4,ENCRYPTED");
            private = Some(private.unwrap_or(true) && encrypted);
        }
        rest = &after[end..];
    }
    match (private, saw_block) {
        (Some(encrypted), _) => Sniffed::PrivateKey { encrypted },
        (None, true) => Sniffed::PublicOnly,
        (None, false) => Sniffed::Unknown,
    }
}

/// Classifies a file by its path and its first bytes (up to [`CONTENT_SNIFF_LEN`] are used).
///
/// A private-key block makes any file a confirmed key (critical, or high when the key is encrypted),
/// whatever its name. A key-like file (`*.key`, `*.pem`, `id_*`) whose content is only certificates or
/// public keys, is empty, or is a ZIP document (Keynote `.key`) is not sensitive. A `.pem` without any
/// PEM block is not sensitive either. Other verdicts are the same as [`classify`].
pub fn classify_with_content(rel_path: &str, first_bytes: &[u8]) -> Option<SensitiveKind> {
    use SensitiveCategory::*;
    let head = first_bytes.get(..CONTENT_SNIFF_LEN).unwrap_or(first_bytes);
    let named = by_name(rel_path);
    let key_like = matches!(
        named,
        Some(PrivateKey | PemFile | SshPrivateKey | PuttyPrivateKey)
    );
    match sniff(head) {
        Sniffed::PrivateKey { encrypted } => {
            let category = match named {
                Some(c @ (SshPrivateKey | PuttyPrivateKey | RailsMasterKey | SshDirectoryFile)) => {
                    if c == SshDirectoryFile {
                        SshPrivateKey
                    } else {
                        c
                    }
                }
                _ => PrivateKey,
            };
            let kind = SensitiveKind {
                category,
                severity: if encrypted {
                    Severity::High
                } else {
                    Severity::Critical
                },
                in_test_path: false,
                content_confirmed: true,
            };
            Some(kind.with_path(rel_path).finish())
        }
        Sniffed::PublicOnly | Sniffed::Empty | Sniffed::Archive if key_like => None,
        Sniffed::Unknown if named == Some(PemFile) => None,
        _ => classify(rel_path),
    }
}

/// Classifies a directory (by its last component): `.git`, `.hg`, `.svn`, `.ssh`, `.aws`, `.kube`,
/// `.gnupg`.
pub fn classify_dir(rel_dir: &str) -> Option<SensitiveKind> {
    use SensitiveCategory::*;
    let parts = components(rel_dir);
    let category = match parts.last()?.to_ascii_lowercase().as_str() {
        ".git" => GitDirectory,
        ".hg" | ".svn" => VcsDirectory,
        ".ssh" => SshDirectory,
        ".aws" => AwsDirectory,
        ".kube" => KubeDirectory,
        ".gnupg" => GnupgDirectory,
        _ => return None,
    };
    // The directory itself is the last component, so its own name never counts as a test dir.
    let probe = format!("{}/x", parts.join("/"));
    Some(SensitiveKind::new(category, &probe).finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_and_test_directories() {
        for p in [
            "app/node_modules/pkg/key.pem",
            "usr/local/lib/python3.11/dist-packages/botocore/data/x.json",
            "lib/python3.12/site-packages/x/y.py",
            "src/Tests/fixtures/id_rsa",
            "web/__mocks__/api.js",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in [
            "app/.env",
            "deploy/keys/id_rsa",
            "tests",
            "src/latest/config.json",
        ] {
            assert!(!is_test_path(p), "{p}");
        }
    }
}
