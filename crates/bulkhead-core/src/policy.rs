//! The policy layer: what the user asked for. Profiles, select/ignore, severity overrides and the
//! `--fail-on` threshold, applied to analyzer output in one place.

use crate::{Finding, RuleMeta, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Deployment profiles, from lenient to strict. Ordered: `Dev < Staging < Production < Regulated`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Local development: only what is dangerous on a laptop; severities one step lower; fails on critical.
    Dev,
    /// The default. Every rule except the strict supply-chain ones; fails on high.
    #[default]
    Staging,
    /// Adds digest pinning of base images and other strict rules; fails on high.
    Production,
    /// For PCI-DSS/HIPAA/SOC2 scopes: every rule, security severities one step higher; fails on medium.
    Regulated,
}

impl Profile {
    pub const ALL: [Profile; 4] = [
        Profile::Dev,
        Profile::Staging,
        Profile::Production,
        Profile::Regulated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Staging => "staging",
            Profile::Production => "production",
            Profile::Regulated => "regulated",
        }
    }

    /// The default `--fail-on` threshold of the profile.
    pub fn default_fail_on(self) -> Severity {
        match self {
            Profile::Dev => Severity::Critical,
            Profile::Staging | Profile::Production => Severity::High,
            Profile::Regulated => Severity::Medium,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "dev" | "development" => Ok(Profile::Dev),
            "staging" => Ok(Profile::Staging),
            "production" | "prod" => Ok(Profile::Production),
            "regulated" => Ok(Profile::Regulated),
            other => Err(format!(
                "unknown profile `{other}`: expected one of dev, staging, production, regulated"
            )),
        }
    }
}

/// When to exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Findings at or above this severity fail the run.
    Severity(Severity),
    /// Never fail on findings (exit 0 unless there is an input error).
    Never,
}

impl std::str::FromStr for FailOn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "never" | "none" | "off" => Ok(FailOn::Never),
            other => other
                .parse::<Severity>()
                .map(FailOn::Severity)
                .map_err(|e| format!("{e}, or never")),
        }
    }
}

/// The resolved policy for one run.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub profile: Profile,
    /// If non-empty, only rules matching one of these selectors run (ids, names, aliases, id prefixes, `ALL`).
    pub select: Vec<String>,
    /// Rules matching one of these selectors never run.
    pub ignore: Vec<String>,
    /// Per-rule severity overrides, keyed by any selector.
    pub severity: BTreeMap<String, Severity>,
    /// Explicit `--fail-on`; `None` means the profile's default.
    pub fail_on: Option<FailOn>,
}

impl Policy {
    pub fn new(profile: Profile) -> Self {
        Policy {
            profile,
            ..Policy::default()
        }
    }

    /// Whether the rule runs under this policy.
    pub fn rule_enabled(&self, meta: &RuleMeta) -> bool {
        if self.ignore.iter().any(|s| meta.matches(s)) {
            return false;
        }
        let explicitly_selected = self.select.iter().any(|s| {
            !s.eq_ignore_ascii_case("ALL")
                && (meta.id.eq_ignore_ascii_case(s)
                    || meta.name.eq_ignore_ascii_case(s)
                    || meta.aliases.iter().any(|a| a.eq_ignore_ascii_case(s)))
        });
        if !self.select.is_empty() && !self.select.iter().any(|s| meta.matches(s)) {
            return false;
        }
        // A rule named explicitly runs even below its profile; prefixes do not lift the profile gate.
        explicitly_selected || meta.min_profile <= self.profile
    }

    /// The severity of a finding of `meta` under this policy.
    pub fn severity_for(&self, meta: &RuleMeta, base: Severity) -> Severity {
        // Most specific override wins: id/name/alias, then the longest prefix.
        let mut best: Option<(usize, Severity)> = None;
        for (sel, sev) in &self.severity {
            if meta.matches(sel) {
                let exact = meta.id.eq_ignore_ascii_case(sel)
                    || meta.name.eq_ignore_ascii_case(sel)
                    || meta.aliases.iter().any(|a| a.eq_ignore_ascii_case(sel));
                let weight = if exact { usize::MAX } else { sel.len() };
                if best.is_none_or(|(w, _)| weight > w) {
                    best = Some((weight, *sev));
                }
            }
        }
        if let Some((_, s)) = best {
            return s;
        }
        match self.profile {
            Profile::Dev if base != Severity::Critical => base.lowered(),
            Profile::Regulated
                if meta.category == crate::Category::Security && base >= Severity::Medium =>
            {
                base.raised()
            }
            _ => base,
        }
    }

    /// Filters and re-grades findings. `lookup` maps a rule id to its metadata; findings of unknown rules
    /// (e.g. parse diagnostics) are kept as they are.
    pub fn apply<'a>(
        &self,
        findings: Vec<Finding>,
        lookup: impl Fn(&str) -> Option<&'a RuleMeta>,
    ) -> Vec<Finding> {
        findings
            .into_iter()
            .filter_map(|mut f| match lookup(&f.rule_id) {
                Some(meta) => {
                    if !self.rule_enabled(meta) {
                        return None;
                    }
                    f.severity = self.severity_for(meta, f.severity);
                    Some(f)
                }
                None => Some(f),
            })
            .collect()
    }

    pub fn fail_on(&self) -> FailOn {
        self.fail_on
            .unwrap_or(FailOn::Severity(self.profile.default_fail_on()))
    }

    /// Whether these findings fail the run (exit code 1).
    pub fn fails(&self, findings: &[Finding]) -> bool {
        match self.fail_on() {
            FailOn::Never => false,
            FailOn::Severity(t) => findings.iter().any(|f| f.severity >= t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Category, Location};

    const META: RuleMeta = RuleMeta {
        id: "DF010",
        name: "secret-in-env",
        title: "t",
        severity: Severity::High,
        category: Category::Security,
        aliases: &["DS-0031"],
        compliance: &[],
        remediation: "",
        doc: "",
        min_profile: Profile::Dev,
        fixable: false,
    };
    const STRICT: RuleMeta = RuleMeta {
        id: "DF030",
        name: "strict-rule",
        aliases: &[],
        min_profile: Profile::Production,
        ..META
    };

    #[test]
    fn profiles_gate_rules() {
        assert!(!Policy::new(Profile::Staging).rule_enabled(&STRICT));
        assert!(Policy::new(Profile::Production).rule_enabled(&STRICT));
        let mut p = Policy::new(Profile::Dev);
        p.select = vec!["DF030".into()];
        assert!(
            p.rule_enabled(&STRICT),
            "explicit selection lifts the profile gate"
        );
        assert!(!p.rule_enabled(&META), "select restricts");
    }

    #[test]
    fn ignore_by_alias_and_severity_override() {
        let mut p = Policy::new(Profile::Staging);
        p.ignore = vec!["ds-0031".into()];
        assert!(!p.rule_enabled(&META));
        let mut p = Policy::new(Profile::Staging);
        p.severity.insert("DF".into(), Severity::Low);
        p.severity
            .insert("secret-in-env".into(), Severity::Critical);
        assert_eq!(p.severity_for(&META, Severity::High), Severity::Critical);
        assert_eq!(p.severity_for(&STRICT, Severity::High), Severity::Low);
    }

    #[test]
    fn profile_shifts_and_fail_on() {
        assert_eq!(
            Policy::new(Profile::Dev).severity_for(&META, Severity::High),
            Severity::Medium
        );
        assert_eq!(
            Policy::new(Profile::Regulated).severity_for(&META, Severity::High),
            Severity::Critical
        );
        let f = Finding::new(&META, "m", Location::file("Dockerfile"));
        let p = Policy::new(Profile::Staging);
        assert!(p.fails(std::slice::from_ref(&f)));
        let mut p = Policy::new(Profile::Staging);
        p.fail_on = Some("critical".parse().unwrap());
        assert!(!p.fails(&[f]));
    }
}
