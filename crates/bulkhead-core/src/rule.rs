//! Rule metadata and the `declare_rule!` macro that turns a rule's doc comment into its documentation.

use crate::{Profile, Severity};
use serde::Serialize;

/// What a rule is about, for grouping in `bulkhead rules` and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// One of the nine hardening steps (user, capabilities, secrets, supply chain, ...).
    Security,
    /// The file does not do what its author thinks (multiple CMD, unknown stage, ...).
    Correctness,
    /// Build hygiene with an indirect security effect (cache left behind, recommends installed, ...).
    BestPractice,
}

/// Everything bulkhead knows about one rule. Built by [`declare_rule!`](crate::declare_rule).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleMeta {
    /// Stable id, by family: `DF` Dockerfile, `CP` compose, `IM` image, `CT` container, `SC` secrets, ...
    pub id: &'static str,
    /// Kebab-case name, usable wherever an id is (`root-user`).
    pub name: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub category: Category,
    /// Ids users already know from other tools (`DL3002`, `DS-0002`, `CIS-4.1`, `CIS-DI-0001`).
    pub aliases: &'static [&'static str],
    /// Compliance references (`CIS-Docker-4.1`, `PCI-DSS-2.2`, ...).
    pub compliance: &'static [&'static str],
    /// One-line remediation shown with every finding.
    pub remediation: &'static str,
    /// The rule's full documentation (Markdown): what it does, why it matters, example, fix.
    pub doc: &'static str,
    /// The least strict profile in which the rule runs.
    pub min_profile: Profile,
    /// Whether the rule offers an automatic fix.
    pub fixable: bool,
}

impl RuleMeta {
    /// Whether `selector` names this rule: its id, its name, one of its aliases (case-insensitive), or a
    /// prefix of its id such as `DF` or `DF01`.
    pub fn matches(&self, selector: &str) -> bool {
        let s = selector.trim();
        if s.is_empty() {
            return false;
        }
        if s.eq_ignore_ascii_case("ALL") {
            return true;
        }
        if self.id.eq_ignore_ascii_case(s) || self.name.eq_ignore_ascii_case(s) {
            return true;
        }
        if self.aliases.iter().any(|a| a.eq_ignore_ascii_case(s)) {
            return true;
        }
        // prefix of the id: letters then optional digits, e.g. DF, DF0
        s.len() < self.id.len()
            && self.id.len() >= s.len()
            && self.id[..s.len()].eq_ignore_ascii_case(s)
            && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
    }
}

/// Declares a rule: a unit struct, its [`RuleMeta`] as `META`, with the doc comment as the rule's doc.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub struct RootUser {
///         id: "DF001", name: "root-user", title: "...", severity: High, category: Security,
///         aliases: ["DL3002"], compliance: ["CIS-Docker-4.1"], remediation: "...",
///         min_profile: Dev, fixable: true,
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:expr])*
        pub struct $name:ident {
            id: $id:literal,
            name: $rname:literal,
            title: $title:literal,
            severity: $sev:ident,
            category: $cat:ident,
            aliases: [$($alias:literal),* $(,)?],
            compliance: [$($comp:literal),* $(,)?],
            remediation: $rem:literal,
            min_profile: $prof:ident,
            fixable: $fixable:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl $name {
            pub const META: $crate::RuleMeta = $crate::RuleMeta {
                id: $id,
                name: $rname,
                title: $title,
                severity: $crate::Severity::$sev,
                category: $crate::Category::$cat,
                aliases: &[$($alias),*],
                compliance: &[$($comp),*],
                remediation: $rem,
                doc: concat!($($doc, "\n"),*),
                min_profile: $crate::Profile::$prof,
                fixable: $fixable,
            };
        }
    };
}

#[cfg(test)]
mod tests {
    declare_rule! {
        /// ## What it does
        /// Checks a thing.
        pub struct Demo {
            id: "DF999", name: "demo-rule", title: "Demo", severity: High, category: Security,
            aliases: ["DL9999", "CIS-4.9"], compliance: [], remediation: "Do it.",
            min_profile: Dev, fixable: false,
        }
    }

    #[test]
    fn macro_carries_doc_and_selectors_match() {
        let m = Demo::META;
        assert!(m.doc.contains("## What it does"));
        assert!(m.doc.contains("Checks a thing."));
        assert!(m.matches("DF999"));
        assert!(m.matches("df9"));
        assert!(m.matches("DF"));
        assert!(m.matches("dl9999"));
        assert!(m.matches("demo-rule"));
        assert!(!m.matches("DL"));
        assert!(!m.matches("DF998"));
        assert!(!m.matches("9"));
    }
}
