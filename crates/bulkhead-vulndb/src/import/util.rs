//! Helpers shared by the importers: the result of one file, YAML options, text clean-up, CVSS ratings.

use crate::advisory::Advisory;

/// Longest `details` kept (bytes, cut at a char boundary).
pub(crate) const MAX_DETAILS: usize = 2000;

/// What one file (or zip member) gave.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub advisories: Vec<Advisory>,
    /// One reason per record (or part of a record) left out on purpose.
    pub ignored: Vec<String>,
}

impl Parsed {
    pub fn ignore(&mut self, reason: impl Into<String>) {
        self.ignored.push(reason.into());
    }
    pub fn only_ignored(reason: impl Into<String>) -> Parsed {
        Parsed {
            advisories: Vec::new(),
            ignored: vec![reason.into()],
        }
    }
}

/// Options for every YAML document: short one-line errors, tolerant of repeated keys.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
        with_snippet: false,
    }
}

/// Deserialize a YAML document with [`yaml_options`], the error flattened to one line.
pub(crate) fn from_yaml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_saphyr::from_str_with_options(text, yaml_options()).map_err(|e| one_line(&e.to_string()))
}

/// Deserialize JSON, the error naming line and column.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    serde_json::from_slice(bytes).map_err(|e| one_line(&e.to_string()))
}

/// Collapse a (possibly multi-line) message into one line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Keep at most [`MAX_DETAILS`] bytes, cut at a char boundary, with `…` when cut.
pub(crate) fn truncate_details(s: &str) -> String {
    if s.len() <= MAX_DETAILS {
        return s.to_string();
    }
    let mut end = MAX_DETAILS;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = s.get(..end).unwrap_or("").trim_end().to_string();
    out.push('…');
    out
}

/// A trimmed, non-empty string.
pub(crate) fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A bare `YYYY-MM-DD` date as an RFC 3339 time (midnight UTC); other text is kept as written.
pub(crate) fn rfc3339_date(s: Option<&str>) -> Option<String> {
    let s = non_empty(s)?;
    let b = s.as_bytes();
    let bare_date = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    Some(if bare_date {
        format!("{s}T00:00:00Z")
    } else {
        s
    })
}

/// Push `v` unless already present.
pub(crate) fn push_unique(list: &mut Vec<String>, v: impl Into<String>) {
    let v = v.into();
    if !v.is_empty() && !list.contains(&v) {
        list.push(v);
    }
}

/// CVSS v3/v4 qualitative rating of a base score (`None` for 0, negative or out-of-range scores).
pub(crate) fn cvss3_rating(score: f64) -> Option<&'static str> {
    match score {
        s if s > 0.0 && s < 4.0 => Some("LOW"),
        s if (4.0..7.0).contains(&s) => Some("MEDIUM"),
        s if (7.0..9.0).contains(&s) => Some("HIGH"),
        s if (9.0..=10.0).contains(&s) => Some("CRITICAL"),
        _ => None,
    }
}

/// CVSS v2 rating of a base score (NVD's v2 scale: low < 4, medium < 7, high otherwise).
pub(crate) fn cvss2_rating(score: f64) -> Option<&'static str> {
    match score {
        s if (0.0..4.0).contains(&s) => Some("LOW"),
        s if (4.0..7.0).contains(&s) => Some("MEDIUM"),
        s if (7.0..=10.0).contains(&s) => Some("HIGH"),
        _ => None,
    }
}

/// A `CVSS_V2`/`CVSS_V3`/`CVSS_V4` kind for a vector string.
pub(crate) fn cvss_kind(vector: &str) -> &'static str {
    if vector.starts_with("CVSS:4") {
        "CVSS_V4"
    } else if vector.starts_with("CVSS:3") {
        "CVSS_V3"
    } else {
        "CVSS_V2"
    }
}

/// Merge advisories with the same id (first-seen order): affected entries appended, aliases and
/// references unioned, the first non-empty text fields kept.
pub(crate) fn merge_by_id(list: Vec<Advisory>) -> Vec<Advisory> {
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out: Vec<Advisory> = Vec::with_capacity(list.len());
    for adv in list {
        match index.get(&adv.id).and_then(|&i| out.get_mut(i)) {
            Some(prev) => merge_into(prev, adv),
            None => {
                index.insert(adv.id.clone(), out.len());
                out.push(adv);
            }
        }
    }
    out
}

fn merge_into(prev: &mut Advisory, adv: Advisory) {
    for a in adv.aliases {
        if a != prev.id {
            push_unique(&mut prev.aliases, a);
        }
    }
    for r in adv.related {
        push_unique(&mut prev.related, r);
    }
    for r in adv.references {
        push_unique(&mut prev.references, r);
    }
    for s in adv.severity {
        if !prev.severity.contains(&s) {
            prev.severity.push(s);
        }
    }
    prev.summary = prev.summary.take().or(adv.summary);
    prev.details = prev.details.take().or(adv.details);
    prev.source_severity = prev.source_severity.take().or(adv.source_severity);
    prev.published = min_opt(prev.published.take(), adv.published);
    prev.modified = max_opt(prev.modified.take(), adv.modified);
    prev.withdrawn = prev.withdrawn.take().or(adv.withdrawn);
    for a in adv.affected {
        if !prev.affected.contains(&a) {
            prev.affected.push(a);
        }
    }
}

fn min_opt(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b < a { b } else { a }),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b > a { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// A mapping kept as `(key, value)` pairs in document order (repeated keys kept).
#[derive(Debug)]
pub(crate) struct Pairs<V>(pub Vec<(String, V)>);

impl<V> Default for Pairs<V> {
    fn default() -> Self {
        Pairs(Vec::new())
    }
}

impl<'de, V: serde::Deserialize<'de>> serde::Deserialize<'de> for Pairs<V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<V>(std::marker::PhantomData<V>);
        impl<'de, V: serde::Deserialize<'de>> serde::de::Visitor<'de> for Visit<V> {
            type Value = Pairs<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Pairs<V>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, V>()? {
                    out.push((k, v));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_cut_at_char_boundary() {
        let s = "é".repeat(1500); // 3000 bytes
        let t = truncate_details(&s);
        assert!(t.ends_with('…'));
        assert!(t.len() <= MAX_DETAILS + '…'.len_utf8());
        assert_eq!(truncate_details("short"), "short");
    }

    #[test]
    fn ratings_follow_cvss_scales() {
        assert_eq!(cvss3_rating(9.8), Some("CRITICAL"));
        assert_eq!(cvss3_rating(7.0), Some("HIGH"));
        assert_eq!(cvss3_rating(6.9), Some("MEDIUM"));
        assert_eq!(cvss3_rating(0.1), Some("LOW"));
        assert_eq!(cvss3_rating(0.0), None);
        assert_eq!(cvss2_rating(6.8), Some("MEDIUM"));
        assert_eq!(cvss2_rating(7.5), Some("HIGH"));
        assert_eq!(cvss2_rating(3.9), Some("LOW"));
    }
}
