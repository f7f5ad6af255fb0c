//! npm packages: installed `package.json` files and `package-lock.json` (lockfile v1, v2, v3).

use serde_json::{Map, Value};

use super::{failed, found, package};
use crate::{FileResult, Package, PackageKind};

/// Deepest `dependencies` nesting followed in a v1 lockfile.
const MAX_V1_DEPTH: usize = 64;

/// The package a `package.json` describes; None when it has no name or no version (Syft ignores those
/// too: workspace roots, test fixtures).
pub(super) fn catalog_package_json(data: &[u8]) -> Option<FileResult> {
    let value: Value = match serde_json::from_slice(data) {
        Ok(v) => v,
        Err(e) => return Some(failed(format!("expected JSON in package.json: {e}"))),
    };
    let Some(object) = value.as_object() else {
        return Some(failed("expected a JSON object in package.json".to_string()));
    };
    let name = non_empty_str(object.get("name"))?;
    let version = non_empty_str(object.get("version"))?;
    let mut p = npm_package(name, version);
    p.licenses = package_json_licenses(object);
    Some(found(vec![p]))
}

/// The packages a `package-lock.json` pins, dev-only entries and workspace links left out.
pub(super) fn catalog_package_lock(data: &[u8]) -> Option<FileResult> {
    let value: Value = match serde_json::from_slice(data) {
        Ok(v) => v,
        Err(e) => return Some(failed(format!("expected JSON in package-lock.json: {e}"))),
    };
    let Some(lock) = value.as_object() else {
        return Some(failed(
            "expected a JSON object in package-lock.json".to_string(),
        ));
    };
    let mut packages = Vec::new();
    match lock.get("packages").and_then(Value::as_object) {
        Some(entries) => lock_v2_packages(entries, &mut packages),
        None => match lock.get("dependencies").and_then(Value::as_object) {
            Some(deps) => lock_v1_packages(deps, 0, &mut packages),
            None => {
                return Some(failed(
                    "expected a `packages` or `dependencies` object in package-lock.json"
                        .to_string(),
                ));
            }
        },
    }
    Some(found(packages))
}

/// Lockfile v2/v3 `packages`: keys are install paths (`node_modules/a/node_modules/@s/b`); `""` is the
/// root project; other keys without `node_modules/` are workspace folders.
fn lock_v2_packages(entries: &Map<String, Value>, out: &mut Vec<Package>) {
    for (key, entry) in entries {
        let Some(entry) = entry.as_object() else {
            continue;
        };
        if is_true(entry.get("dev")) || is_true(entry.get("link")) {
            continue;
        }
        // `name` is only written for the root, workspace folders and aliases (`"b": "npm:a@1"`).
        let name = match non_empty_str(entry.get("name")) {
            Some(name) => name,
            None => match key.rfind("node_modules/") {
                Some(i) => key.get(i + "node_modules/".len()..).unwrap_or(""),
                None => continue,
            },
        };
        let Some(version) = non_empty_str(entry.get("version")) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        let mut p = npm_package(name, version);
        p.licenses = string_or_strings(entry.get("license"));
        out.push(p);
    }
}

/// Lockfile v1 `dependencies`, nested `dependencies` (version conflicts) followed.
fn lock_v1_packages(deps: &Map<String, Value>, depth: usize, out: &mut Vec<Package>) {
    if depth > MAX_V1_DEPTH {
        return;
    }
    for (name, entry) in deps {
        let Some(entry) = entry.as_object() else {
            continue;
        };
        if is_true(entry.get("dev")) {
            continue;
        }
        if let Some(version) = non_empty_str(entry.get("version")) {
            // An alias records `npm:<real-name>@<version>`.
            let (name, version) = match version.strip_prefix("npm:").and_then(split_spec) {
                Some((real, v)) => (real, v),
                None => (name.as_str(), version),
            };
            out.push(npm_package(name, version));
        }
        if let Some(nested) = entry.get("dependencies").and_then(Value::as_object) {
            lock_v1_packages(nested, depth + 1, out);
        }
    }
}

/// `name@version` with an optional leading `@scope/`.
fn split_spec(spec: &str) -> Option<(&str, &str)> {
    let at = spec.get(1..)?.find('@')? + 1;
    let (name, version) = (spec.get(..at)?, spec.get(at + 1..)?);
    (!name.is_empty() && !version.is_empty()).then_some((name, version))
}

/// An npm package; a scoped name `@scope/name` becomes namespace `scope` and name `name`.
pub(super) fn npm_package(name: &str, version: &str) -> Package {
    match name
        .strip_prefix('@')
        .and_then(|scoped| scoped.split_once('/'))
    {
        Some((scope, bare)) if !scope.is_empty() && !bare.is_empty() => {
            let mut p = package(PackageKind::Npm, bare, version);
            p.namespace = Some(scope.to_string());
            p
        }
        _ => package(PackageKind::Npm, name, version),
    }
}

/// `license` as a string or `{"type": ..}` (or a list of those), else the deprecated `licenses` list.
fn package_json_licenses(object: &Map<String, Value>) -> Vec<String> {
    let from_license = license_values(object.get("license"));
    if !from_license.is_empty() {
        return from_license;
    }
    license_values(object.get("licenses"))
}

fn license_values(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) if !s.trim().is_empty() => vec![s.trim().to_string()],
        Some(Value::Object(o)) => non_empty_str(o.get("type"))
            .map(|t| vec![t.to_string()])
            .unwrap_or_default(),
        Some(Value::Array(items)) => items
            .iter()
            .flat_map(|item| license_values(Some(item)))
            .collect(),
        _ => Vec::new(),
    }
}

fn string_or_strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| non_empty_str(Some(i)).map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn non_empty_str(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn is_true(value: Option<&Value>) -> bool {
    value.and_then(Value::as_bool).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(r: &FileResult) -> Vec<String> {
        let mut v: Vec<String> = r
            .packages
            .iter()
            .map(|p| match &p.namespace {
                Some(ns) => format!("@{ns}/{}@{}", p.name, p.version),
                None => format!("{}@{}", p.name, p.version),
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn package_json_scope_and_license_forms() {
        let r =
            catalog_package_json(br#"{"name":"@babel/core","version":"7.24.0","license":"MIT"}"#)
                .unwrap_or_default();
        assert_eq!(names(&r), vec!["@babel/core@7.24.0"]);
        assert_eq!(r.packages[0].licenses, vec!["MIT"]);
        let r = catalog_package_json(
            br#"{"name":"a","version":"1.0.0","license":{"type":"ISC","url":"x"}}"#,
        )
        .unwrap_or_default();
        assert_eq!(r.packages[0].licenses, vec!["ISC"]);
        let r = catalog_package_json(
            br#"{"name":"a","version":"1.0.0","licenses":[{"type":"MIT"},{"type":"Apache-2.0"}]}"#,
        )
        .unwrap_or_default();
        assert_eq!(r.packages[0].licenses, vec!["MIT", "Apache-2.0"]);
    }

    #[test]
    fn package_json_without_version_is_not_a_package() {
        assert_eq!(
            catalog_package_json(br#"{"name":"app","private":true}"#),
            None
        );
        assert_eq!(
            catalog_package_json(br#"{"name":"app","version":""}"#),
            None
        );
        let r = catalog_package_json(b"[1,2]").unwrap_or_default();
        assert_eq!(
            r.error.as_deref(),
            Some("expected a JSON object in package.json")
        );
        let r = catalog_package_json(b"{\"name\":").unwrap_or_default();
        assert!(
            r.error
                .unwrap_or_default()
                .starts_with("expected JSON in package.json")
        );
    }

    #[test]
    fn lock_v3_paths_aliases_dev_and_links() {
        let lock = br#"{
          "name": "app", "version": "1.0.0", "lockfileVersion": 3,
          "packages": {
            "": {"name": "app", "version": "1.0.0"},
            "node_modules/@types/node": {"version": "20.1.0", "license": "MIT"},
            "node_modules/a/node_modules/b": {"version": "2.0.0"},
            "node_modules/alias": {"name": "real", "version": "3.0.0"},
            "node_modules/devonly": {"version": "9.9.9", "dev": true},
            "node_modules/linked": {"resolved": "packages/linked", "link": true},
            "packages/linked": {"name": "linked", "version": "0.1.0"}
          }
        }"#;
        let r = catalog_package_lock(lock).unwrap_or_default();
        assert_eq!(
            names(&r),
            vec![
                "@types/node@20.1.0",
                "app@1.0.0",
                "b@2.0.0",
                "linked@0.1.0",
                "real@3.0.0"
            ]
        );
    }

    #[test]
    fn lock_v1_nested_and_alias() {
        let lock = br#"{"lockfileVersion": 1, "dependencies": {
            "a": {"version": "1.0.0", "dependencies": {"b": {"version": "1.0.0"}}},
            "b": {"version": "2.0.0"},
            "c": {"version": "npm:@scope/real@4.0.0"},
            "d": {"version": "1.0.0", "dev": true}
        }}"#;
        let r = catalog_package_lock(lock).unwrap_or_default();
        assert_eq!(
            names(&r),
            vec!["@scope/real@4.0.0", "a@1.0.0", "b@1.0.0", "b@2.0.0"]
        );
        let r = catalog_package_lock(br#"{"lockfileVersion": 2}"#).unwrap_or_default();
        assert!(
            r.error
                .unwrap_or_default()
                .contains("`packages` or `dependencies`")
        );
    }
}
