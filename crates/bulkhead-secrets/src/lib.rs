//! The secret engine every bulkhead surface calls: Dockerfile ENV/ARG values and RUN lines, build-context
//! files, and (later) image layers, history, container and compose environments.
//!
//! - [`rules`]: the detectors, as data ([`SecretRule`]): id, severity, keywords, pattern, entropy, allowlist,
//!   true-positive and near-miss examples, doc.
//! - [`engine`]: keyword prefilter (Aho-Corasick) so only candidate rules run, regex pass, entropy and allowlist
//!   checks, binary/minified skipping, size caps.
//! - [`validate`]: post-match checks no regex can make (base64 `user:password`, JWT headers).
//! - [`files`]: sensitive file names (`id_rsa`, `.env`, `*.p12`, ...), findings of their own.
//! - Redaction: every match carries only a redacted form of the secret (`ghp_****…(40 chars)`).

pub mod engine;
pub mod files;
pub mod rule;
pub mod rules;
pub mod validate;

pub use engine::{Engine, ScanConfig, ScanOutcome, SecretMatch, SkipReason};
pub use rule::{Scope, SecretRule};
