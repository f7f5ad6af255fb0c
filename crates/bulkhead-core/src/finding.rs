//! The finding record: one type for every analyzer and every output format.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// One step up, saturating at `Critical`.
    pub fn raised(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            Severity::High | Severity::Critical => Severity::Critical,
        }
    }

    /// One step down, saturating at `Info`.
    pub fn lowered(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            Severity::Low | Severity::Info => Severity::Info,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "note" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" | "moderate" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity `{other}`: expected one of info, low, medium, high, critical"
            )),
        }
    }
}

/// A region of a text file. Lines and columns are 1-based; columns count Unicode scalar values.
/// `end_*` is exclusive (the column just after the last character). Byte offsets index the original file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Span {
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub byte_start: usize,
    pub byte_end: usize,
}

/// Where a finding is: a file (with an optional span) or an object path such as
/// `container web / HostConfig.CapDrop`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
}

impl Location {
    pub fn file(path: impl Into<String>) -> Self {
        Location {
            path: Some(path.into()),
            span: None,
            object: None,
        }
    }
    pub fn with_span(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }
}

/// Evidence shown to the user. Always redacted by the analyzer that makes it: it never holds a full secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Evidence(String);

impl Evidence {
    /// Evidence that is not sensitive (an instruction, a flag, a file name).
    pub fn plain(text: impl Into<String>) -> Self {
        let mut t: String = text.into();
        if t.chars().count() > 200 {
            t = t.chars().take(197).collect::<String>() + "...";
        }
        Evidence(t)
    }
    /// Evidence built around a secret value: only its first four characters (fewer for short values) and its
    /// length survive, e.g. `ghp_****…(40 chars)`.
    pub fn redacted(prefix: &str, secret: &str) -> Self {
        Evidence(format!("{prefix}{}", crate::text::redact(secret)))
    }
    /// Evidence from a value that an analyzer already redacted with [`crate::text::redact`]
    /// (e.g. a secret engine match, which never holds the full secret).
    pub fn from_redacted(prefix: &str, redacted: &str) -> Self {
        Evidence(format!("{prefix}{redacted}"))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One byte-range replacement in one file. `start..end` index the file as it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextEdit {
    pub path: String,
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

/// A fix the user can apply: a description and the edits (possibly over several files, e.g. the Dockerfile
/// and its `.dockerignore`). `safe` fixes are applied by `--fix`; the others are shown only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub description: String,
    pub safe: bool,
    pub edits: Vec<TextEdit>,
}

/// The one finding record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub aliases: Vec<String>,
    pub severity: Severity,
    pub title: String,
    pub message: String,
    pub location: Location,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    pub remediation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub compliance: Vec<String>,
}

impl Finding {
    /// A finding prefilled from a rule's metadata.
    pub fn new(meta: &crate::RuleMeta, message: impl Into<String>, location: Location) -> Self {
        Finding {
            rule_id: meta.id.to_string(),
            aliases: meta.aliases.iter().map(|s| s.to_string()).collect(),
            severity: meta.severity,
            title: meta.title.to_string(),
            message: message.into(),
            location,
            evidence: None,
            remediation: meta.remediation.to_string(),
            fix: None,
            compliance: meta.compliance.iter().map(|s| s.to_string()).collect(),
        }
    }
    pub fn with_evidence(mut self, e: Evidence) -> Self {
        self.evidence = Some(e);
        self
    }
    pub fn with_fix(mut self, f: Fix) -> Self {
        self.fix = Some(f);
        self
    }
    pub fn with_remediation(mut self, r: impl Into<String>) -> Self {
        self.remediation = r.into();
        self
    }
    pub fn with_severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }
    /// Sort key: file, line, column, rule.
    pub fn sort_key(&self) -> (String, usize, usize, String) {
        let (l, c) = self
            .location
            .span
            .map(|s| (s.start_line, s.start_column))
            .unwrap_or((0, 0));
        (
            self.location.path.clone().unwrap_or_default(),
            l,
            c,
            self.rule_id.clone(),
        )
    }
}
