//! PHP Composer: `vendor/composer/installed.json`, an array of packages (Composer 1) or
//! `{"packages": [...]}` (Composer 2).

use serde_json::Value;

use super::{failed, found, package};
use crate::{FileResult, PackageKind};

/// The packages Composer installed.
pub(super) fn catalog(data: &[u8]) -> Option<FileResult> {
    let value: Value = match serde_json::from_slice(data) {
        Ok(v) => v,
        Err(e) => {
            return Some(failed(format!(
                "expected JSON in composer installed.json: {e}"
            )));
        }
    };
    let entries = match &value {
        Value::Array(items) => items,
        Value::Object(o) => match o.get("packages").and_then(Value::as_array) {
            Some(items) => items,
            None => {
                return Some(failed(
                    "expected a `packages` array in composer installed.json".to_string(),
                ));
            }
        },
        _ => {
            return Some(failed(
                "expected a JSON array or object in composer installed.json".to_string(),
            ));
        }
    };
    let mut packages = Vec::new();
    for entry in entries {
        let text = |key: &str| {
            entry
                .get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let (Some(full_name), Some(version)) = (text("name"), text("version")) else {
            continue;
        };
        let mut p = match full_name.split_once('/') {
            Some((vendor, name)) if !vendor.is_empty() && !name.is_empty() => {
                let mut p = package(PackageKind::Composer, name, version);
                p.namespace = Some(vendor.to_string());
                p
            }
            _ => package(PackageKind::Composer, full_name, version),
        };
        p.licenses = match entry.get("license") {
            Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        };
        packages.push(p);
    }
    Some(found(packages))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composer_1_and_2_layouts() {
        let v2 = br#"{"packages": [{"name": "monolog/monolog", "version": "3.5.0", "version_normalized": "3.5.0.0", "license": ["MIT"]}, {"name": "broken"}], "dev": true}"#;
        let r = catalog(v2).unwrap_or_default();
        assert_eq!(r.packages.len(), 1);
        let p = &r.packages[0];
        assert_eq!(
            (p.namespace.as_deref(), p.name.as_str(), p.version.as_str()),
            (Some("monolog"), "monolog", "3.5.0")
        );
        assert_eq!(p.licenses, vec!["MIT"]);
        let v1 = br#"[{"name": "psr/log", "version": "1.1.4", "license": "MIT"}]"#;
        let r = catalog(v1).unwrap_or_default();
        assert_eq!(r.packages[0].namespace.as_deref(), Some("psr"));
        assert_eq!(r.packages[0].licenses, vec!["MIT"]);
        let r = catalog(b"{\"dev\": true}").unwrap_or_default();
        assert!(r.error.unwrap_or_default().contains("`packages` array"));
    }
}
