//! The `daemon` rules.

use super::EngineRule;

/// Every rule of this family.
pub fn rules() -> Vec<&'static dyn EngineRule> {
    vec![]
}
