//! Test support shared by the engine tests: a builder for rules of a test's own (independent of the real
//! rule set), the GitHub-token rule most of them use, and a token it matches.

use bulkhead_core::Severity;
use bulkhead_secrets::{Scope, SecretRule};

/// A rule with the given id (also its name and title) and everything else empty: no entropy floor, no
/// validator, no allowlist.
pub const fn rule(
    id: &'static str,
    severity: Severity,
    keywords: &'static [&'static str],
    pattern: &'static str,
    scope: Scope,
) -> SecretRule {
    SecretRule {
        id,
        name: id,
        title: id,
        severity,
        keywords,
        pattern,
        scope,
        entropy: None,
        validate: None,
        allow: &[],
        aliases: &[],
        examples: &[],
        near_misses: &[],
        doc: "",
    }
}

/// `T001`: GitHub classic tokens, with an entropy floor.
pub const GITHUB: SecretRule = SecretRule {
    entropy: Some(3.0),
    ..rule(
        "T001",
        Severity::Critical,
        &["ghp_"],
        r"ghp_[A-Za-z0-9]{36}",
        Scope::Line,
    )
};

/// A token [`GITHUB`] matches.
pub const TOKEN: &str = "ghp_R2d9Kx7LmQ4vT8wZp1Ns6Yb3Hc5Jf0GeUaXo";
