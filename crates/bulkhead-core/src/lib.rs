//! Shared vocabulary of bulkhead: the one [`Finding`] type every analyzer emits, rule metadata and the
//! registry helpers, the [`policy`] layer (profiles, select/ignore, severity overrides, `--fail-on`) and
//! configuration discovery ([`config`]).

pub mod config;
pub mod finding;
pub mod fs;
pub mod hardening;
pub mod policy;
pub mod rule;
pub mod text;
pub mod tiers;
pub mod time;

pub use finding::{Evidence, Finding, Fix, Location, Severity, Span, TextEdit};
pub use policy::{Policy, Profile};
pub use rule::{Category, RuleMeta};
