//! Vulnerability severity: scored from CVSS vectors (v2, v3.0/3.1, v4.0) with the `cvss` crate, or taken from
//! the source's own rating; `UNKNOWN` when neither exists. Nothing is guessed.

use crate::advisory::{Advisory, Affected, SeverityScore};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Severity of a vulnerability (the scale scanners share: Trivy, Grype, OSV).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum VulnSeverity {
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl VulnSeverity {
    pub const ALL: [VulnSeverity; 5] = [
        VulnSeverity::Unknown,
        VulnSeverity::Low,
        VulnSeverity::Medium,
        VulnSeverity::High,
        VulnSeverity::Critical,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            VulnSeverity::Unknown => "UNKNOWN",
            VulnSeverity::Low => "LOW",
            VulnSeverity::Medium => "MEDIUM",
            VulnSeverity::High => "HIGH",
            VulnSeverity::Critical => "CRITICAL",
        }
    }

    /// A source's own rating word: `critical`; `high`/`important`; `medium`/`moderate`;
    /// `low`/`negligible`/`unimportant`; case-insensitive, anything else is `None`.
    pub fn from_rating(word: &str) -> Option<VulnSeverity> {
        match word.trim().to_ascii_lowercase().as_str() {
            "critical" => Some(VulnSeverity::Critical),
            "high" | "important" => Some(VulnSeverity::High),
            "medium" | "moderate" => Some(VulnSeverity::Medium),
            "low" | "negligible" | "unimportant" | "minor" => Some(VulnSeverity::Low),
            _ => None,
        }
    }

    /// The CVSS v3/v4 qualitative scale (0.0 none is `Low` here: a scored advisory is never `Unknown`).
    pub fn from_score(score: f64) -> VulnSeverity {
        if score >= 9.0 {
            VulnSeverity::Critical
        } else if score >= 7.0 {
            VulnSeverity::High
        } else if score >= 4.0 {
            VulnSeverity::Medium
        } else {
            VulnSeverity::Low
        }
    }
}

impl FromStr for VulnSeverity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        VulnSeverity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "`{s}` is not a severity (expected one of UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL)"
                )
            })
    }
}

impl std::fmt::Display for VulnSeverity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rated {
    pub severity: VulnSeverity,
    /// Base score when it was scored from a vector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The vector that was scored, or `source rating: <word>`; empty when unknown.
    pub basis: String,
}

impl Rated {
    pub fn unknown() -> Rated {
        Rated {
            severity: VulnSeverity::Unknown,
            score: None,
            basis: String::new(),
        }
    }
}

/// Score one CVSS vector: `(severity, base score)`, or `None` when it does not parse.
pub fn score_vector(vector: &str) -> Option<(VulnSeverity, f64)> {
    let cvss = cvss::Cvss::from_str(vector.trim()).ok()?;
    let score = cvss.score();
    let severity = if matches!(cvss, cvss::Cvss::CvssV20(_)) {
        // CVSS v2 has no Critical: Low < 4.0 <= Medium < 7.0 <= High.
        if score >= 7.0 {
            VulnSeverity::High
        } else if score >= 4.0 {
            VulnSeverity::Medium
        } else {
            VulnSeverity::Low
        }
    } else {
        VulnSeverity::from_score(score)
    };
    Some((severity, score))
}

/// Preference among vector types: CVSS v3.x first (what most sources and gates are calibrated on), then v4.0,
/// then v2.
fn rank(kind: &str) -> Option<u8> {
    match kind.to_ascii_uppercase().as_str() {
        "CVSS_V3" => Some(0),
        "CVSS_V4" => Some(1),
        "CVSS_V2" => Some(2),
        _ => None,
    }
}

fn from_scores(scores: &[SeverityScore]) -> Option<Rated> {
    let mut ranked: Vec<(u8, &SeverityScore)> = scores
        .iter()
        .filter_map(|s| rank(&s.kind).map(|r| (r, s)))
        .collect();
    ranked.sort_by_key(|(r, _)| *r);
    ranked.into_iter().find_map(|(_, s)| {
        score_vector(&s.score).map(|(severity, score)| Rated {
            severity,
            score: Some(score),
            basis: s.score.clone(),
        })
    })
}

fn from_word(word: Option<&str>) -> Option<Rated> {
    let word = word?;
    // A rating may come with a number (`CVSS_V3 9.8`) or be a bare word.
    let severity = VulnSeverity::from_rating(word)
        .or_else(|| word.split_whitespace().find_map(VulnSeverity::from_rating))?;
    Some(Rated {
        severity,
        score: None,
        basis: format!("source rating: {word}"),
    })
}

/// The severity of `advisory` for one of its affected packages: the package's own vectors, then the
/// advisory's vectors, then the package's source rating, then the advisory's; `UNKNOWN` otherwise.
pub fn rate(advisory: &Advisory, affected: Option<&Affected>) -> Rated {
    affected
        .and_then(|a| from_scores(&a.severity))
        .or_else(|| from_scores(&advisory.severity))
        .or_else(|| affected.and_then(|a| from_word(a.source_severity.as_deref())))
        .or_else(|| from_word(advisory.source_severity.as_deref()))
        .unwrap_or_else(Rated::unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_scored_not_guessed() {
        // Reference scores: NVD calculator values.
        let (sev, score) = score_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap();
        assert_eq!((sev, score), (VulnSeverity::Critical, 9.8));
        let (sev, score) = score_vector("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N").unwrap();
        assert_eq!((sev, score), (VulnSeverity::Medium, 6.5));
        let (sev, score) =
            score_vector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H")
                .unwrap();
        assert_eq!((sev, score), (VulnSeverity::Critical, 10.0));
        let (sev, score) = score_vector("AV:N/AC:L/Au:N/C:C/I:C/A:C").unwrap();
        assert_eq!(
            (sev, score),
            (VulnSeverity::High, 10.0),
            "v2 tops out at High"
        );
        let (sev, score) = score_vector("AV:N/AC:M/Au:N/C:N/I:P/A:N").unwrap();
        assert_eq!((sev, score), (VulnSeverity::Medium, 4.3));
        assert_eq!(score_vector("CVSS:3.1/AV:X"), None);
        assert_eq!(score_vector("not a vector"), None);
    }

    #[test]
    fn preference_order_and_fallbacks() {
        let mut adv = Advisory {
            id: "X".into(),
            severity: vec![
                SeverityScore {
                    kind: "CVSS_V2".into(),
                    score: "AV:N/AC:L/Au:N/C:C/I:C/A:C".into(),
                },
                SeverityScore {
                    kind: "CVSS_V3".into(),
                    score: "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N".into(),
                },
            ],
            ..Advisory::default()
        };
        let r = rate(&adv, None);
        assert_eq!(r.severity, VulnSeverity::Low, "v3 preferred over v2: {r:?}");
        adv.severity.clear();
        adv.source_severity = Some("Important".into());
        assert_eq!(rate(&adv, None).severity, VulnSeverity::High);
        let aff = Affected {
            source_severity: Some("moderate".into()),
            ..Affected::default()
        };
        assert_eq!(
            rate(&adv, Some(&aff)).severity,
            VulnSeverity::Medium,
            "package rating first"
        );
        adv.source_severity = Some("whatever".into());
        assert_eq!(rate(&adv, None), Rated::unknown());
        adv.source_severity = Some("CVSS_V3 HIGH".into());
        assert_eq!(rate(&adv, None).severity, VulnSeverity::High);
    }
}
