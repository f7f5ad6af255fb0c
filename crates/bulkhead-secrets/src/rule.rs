//! A secret detector, declared as data.

use bulkhead_core::{Category, Profile, RuleMeta, Severity};
use std::sync::LazyLock;

/// Where the engine runs a rule's pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// On each line that contains one of the rule's keywords (the default: cheap and precise).
    Line,
    /// On the whole text, for patterns that span lines (PEM blocks, JSON documents).
    Text,
}

/// One secret detector.
#[derive(Debug, Clone, Copy)]
pub struct SecretRule {
    /// Stable id: `SC001`...
    pub id: &'static str,
    /// Kebab-case name (`github-pat`).
    pub name: &'static str,
    /// What it finds (`GitHub personal access token`).
    pub title: &'static str,
    pub severity: Severity,
    /// Lower-case ASCII keywords; the rule runs only where one occurs (case-insensitive). Never empty.
    pub keywords: &'static [&'static str],
    /// Rust regex. The secret is the capture group named `secret` when there is one, else the whole match.
    pub pattern: &'static str,
    pub scope: Scope,
    /// Minimum Shannon entropy (bits per character) of the secret, if any.
    pub entropy: Option<f64>,
    /// A check no regex can make, run on the secret after the entropy minimum: `false` means "not a
    /// secret" (a Docker `auth` that does not base64-decode to `user:password`, a JWT whose header is
    /// not JSON with `"alg"`). `None` for most rules. See [`crate::validate`] for the shared checks.
    pub validate: Option<fn(&str) -> bool>,
    /// Regexes matched against the secret; a hit means "not a secret" (documented example values, ...).
    pub allow: &'static [&'static str],
    /// Ids other tools use for the same detector (gitleaks rule ids, ...), usable in ignore lists.
    pub aliases: &'static [&'static str],
    /// Text the rule must report (fake but well-formed secrets, in realistic context).
    pub examples: &'static [&'static str],
    /// Near misses the rule must not report (placeholders, example keys, look-alikes).
    pub near_misses: &'static [&'static str],
    /// Markdown: what it finds, why it matters, how to fix (rotate, then remove).
    pub doc: &'static str,
}

/// Remediation shown with every secret finding.
pub const REMEDIATION: &str = "Revoke or rotate the credential at its provider first (it may already be copied), then remove it \
from the file and pass it at run time from a secret store or a mounted secret file.";

static METAS: LazyLock<Vec<RuleMeta>> = LazyLock::new(|| {
    crate::rules::all()
        .iter()
        .map(|r| RuleMeta {
            id: r.id,
            name: r.name,
            title: r.title,
            severity: r.severity,
            category: Category::Security,
            aliases: r.aliases,
            compliance: &[
                "CIS-Docker-4.10",
                "PCI-DSS-3.5",
                "PCI-DSS-8.3.2",
                "SOC2-CC6.1",
                "HIPAA-164.312(a)(1)",
            ],
            remediation: REMEDIATION,
            doc: r.doc,
            min_profile: Profile::Dev,
            fixable: false,
        })
        .collect()
});

impl SecretRule {
    /// The rule's metadata in bulkhead's registry form. Only rules of [`crate::rules::all`] have one: a
    /// rule made elsewhere (a test's own rule set) gets `None` rather than another rule's metadata.
    pub fn meta(&self) -> Option<&'static RuleMeta> {
        // `rules::all()` is sorted by id, and so is METAS, built from it.
        METAS
            .binary_search_by(|m| m.id.cmp(self.id))
            .ok()
            .and_then(|i| METAS.get(i))
    }
}

/// Sensitive file names (`id_rsa`, `.env`, `*.p12`, `.git/`, ...) are findings of their own.
pub static SENSITIVE_FILE: RuleMeta = RuleMeta {
    id: "SC200",
    name: "sensitive-file",
    title: "Sensitive file",
    severity: Severity::High,
    category: Category::Security,
    aliases: &["CIS-DI-0010"],
    compliance: &["CIS-Docker-4.10", "PCI-DSS-3.5", "SOC2-CC6.1"],
    remediation: "Keep the file out of the tree that is scanned, built or shipped (.dockerignore, .gitignore), and rotate what it holds if it was ever shared.",
    doc: "## What it finds\nFiles whose name or content marks them as credentials: private keys (`id_rsa`, `*.key`, PEM \
private keys), `.env` files, `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`, cloud credentials \
(`credentials.json`, `.aws/credentials`, kubeconfig), keystores (`*.p12`, `*.pfx`, `*.jks`, `*.kdbx`), \
Terraform state, and VCS or key directories (`.git/`, `.ssh/`, `.gnupg/`).\n\n## Why it matters\nWhatever the \
file holds today, it is meant to stay on one machine: in a build context or an image layer it is shipped to \
everyone who can pull the image, even if a later layer deletes it.\n\n## Fix\nExclude it (`.dockerignore`), \
mount it at run time instead, and rotate the credentials it holds if it was ever shipped.\n",
    min_profile: Profile::Dev,
    fixable: false,
};

/// Metadata of every secret rule (for `bulkhead rules`, SARIF, policy), the sensitive-file rule last.
pub fn all_meta() -> Vec<&'static RuleMeta> {
    METAS
        .iter()
        .chain(std::iter::once(&SENSITIVE_FILE))
        .collect()
}
