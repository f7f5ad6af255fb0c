//! Secret rules: gcp.

#[allow(unused_imports)]
use crate::rule::{Scope, SecretRule};
#[allow(unused_imports)]
use bulkhead_core::Severity;

pub const RULES: &[SecretRule] = &[];
