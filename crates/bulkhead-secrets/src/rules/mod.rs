//! The secret detectors, grouped by provider family. Each group is a `pub const RULES: &[SecretRule]`.

use crate::rule::SecretRule;
use std::sync::LazyLock;

mod ai;
mod aws;
mod azure;
mod chat;
mod cloud_other;
mod config_files;
mod databases;
mod gcp;
mod generic;
mod keys;
mod payment;
mod registries;
mod saas;
mod vcs;

static ALL: LazyLock<Vec<SecretRule>> = LazyLock::new(|| {
    let mut v: Vec<SecretRule> = [
        keys::RULES,
        aws::RULES,
        gcp::RULES,
        azure::RULES,
        vcs::RULES,
        registries::RULES,
        cloud_other::RULES,
        chat::RULES,
        saas::RULES,
        payment::RULES,
        ai::RULES,
        generic::RULES,
        config_files::RULES,
        databases::RULES,
    ]
    .concat();
    v.sort_by_key(|r| r.id);
    v
});

/// Every secret rule, in id order.
pub fn all() -> &'static [SecretRule] {
    &ALL
}

/// Generic detectors (credential-like assignments, headers, command-line flags, credentials in URLs,
/// bare JWTs): when one overlaps a provider-specific rule, the specific rule reports the secret.
pub fn is_generic(rule: &SecretRule) -> bool {
    matches!(
        rule.name,
        "jwt"
            | "generic-password"
            | "generic-secret"
            | "xml-credential"
            | "cli-password-flag"
            | "authorization-header"
            | "url-credentials"
    )
}
