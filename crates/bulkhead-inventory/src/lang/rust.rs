//! Rust crates: `Cargo.lock` files and the dependency list `cargo auditable` embeds in binaries
//! (section `.dep-v0`: zlib-compressed JSON `{"packages": [{"name", "version", "source", "kind",
//! "dependencies", "root"}]}`).

use std::io::Read;

use serde::Deserialize;

use super::{failed, found, package};
use crate::{FileResult, Package, PackageKind};

/// Largest inflated `.dep-v0` payload accepted (real ones are a few KiB per hundred crates).
const MAX_AUDIT_JSON: u64 = 16 << 20;

#[derive(Deserialize)]
struct CargoLock {
    #[serde(default)]
    package: Vec<LockPackage>,
}

#[derive(Deserialize)]
struct LockPackage {
    name: String,
    version: String,
}

/// Every `[[package]]` of a `Cargo.lock`, path and workspace members included (as Syft does).
pub(super) fn catalog_cargo_lock(data: &[u8]) -> Option<FileResult> {
    let Ok(text) = std::str::from_utf8(data) else {
        return Some(failed("expected UTF-8 text in Cargo.lock".to_string()));
    };
    let lock: CargoLock = match toml::from_str(text) {
        Ok(lock) => lock,
        Err(e) => {
            let message = e.message().to_string();
            return Some(failed(format!(
                "expected TOML with [[package]] name and version in Cargo.lock: {message}"
            )));
        }
    };
    let packages = lock
        .package
        .iter()
        .filter(|p| !p.name.is_empty() && !p.version.is_empty())
        .map(|p| package(PackageKind::Cargo, &p.name, &p.version))
        .collect();
    Some(found(packages))
}

#[derive(Deserialize)]
struct AuditData {
    packages: Vec<AuditPackage>,
}

#[derive(Deserialize)]
struct AuditPackage {
    name: String,
    version: String,
    #[serde(default)]
    kind: Option<String>,
}

/// The runtime crates of a `cargo auditable` `.dep-v0` section (build-only crates skipped, as Syft does).
pub(super) fn catalog_audit_section(compressed: &[u8]) -> FileResult {
    let mut json = Vec::new();
    let decoder = flate2::read::ZlibDecoder::new(compressed);
    if let Err(e) = decoder.take(MAX_AUDIT_JSON + 1).read_to_end(&mut json) {
        return failed(format!("expected zlib data in the .dep-v0 section: {e}"));
    }
    if json.len() as u64 > MAX_AUDIT_JSON {
        return failed(format!(
            "expected at most {MAX_AUDIT_JSON} bytes of dependency JSON in the .dep-v0 section"
        ));
    }
    let audit: AuditData = match serde_json::from_slice(&json) {
        Ok(audit) => audit,
        Err(e) => {
            return failed(format!(
                "expected cargo-auditable JSON in the .dep-v0 section: {e}"
            ));
        }
    };
    let packages: Vec<Package> = audit
        .packages
        .iter()
        .filter(|p| p.kind.as_deref().is_none_or(|k| k == "runtime"))
        .filter(|p| !p.name.is_empty() && !p.version.is_empty())
        .map(|p| package(PackageKind::Cargo, &p.name, &p.version))
        .collect();
    found(packages)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn cargo_lock_keeps_path_packages() {
        let lock = b"version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"serde\"]\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.200\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"abc\"\n";
        let r = catalog_cargo_lock(lock).unwrap_or_default();
        let got: Vec<_> = r
            .packages
            .iter()
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect();
        assert_eq!(got, vec!["app@0.1.0", "serde@1.0.200"]);
        let r = catalog_cargo_lock(b"[[package]]\nname = 1\n").unwrap_or_default();
        assert!(r.error.unwrap_or_default().starts_with("expected TOML"));
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = e.write_all(data);
        e.finish().unwrap_or_default()
    }

    #[test]
    fn audit_section_skips_build_dependencies() {
        let json = br#"{"packages":[{"name":"app","version":"0.1.0","source":"local","dependencies":[1,2],"root":true},{"name":"itoa","version":"1.0.11","source":"crates.io"},{"name":"cc","version":"1.0.90","source":"crates.io","kind":"build"}]}"#;
        let r = catalog_audit_section(&zlib(json));
        let got: Vec<_> = r
            .packages
            .iter()
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect();
        assert_eq!(got, vec!["app@0.1.0", "itoa@1.0.11"]);
    }

    #[test]
    fn audit_section_bomb_and_garbage() {
        let bomb = zlib(&vec![b' '; (MAX_AUDIT_JSON + 10) as usize]);
        assert!(bomb.len() < 100_000);
        let r = catalog_audit_section(&bomb);
        assert!(r.error.unwrap_or_default().contains("at most"));
        let r = catalog_audit_section(b"not zlib");
        assert!(r.error.unwrap_or_default().starts_with("expected zlib"));
        let r = catalog_audit_section(&zlib(b"{\"x\":1}"));
        assert!(
            r.error
                .unwrap_or_default()
                .starts_with("expected cargo-auditable JSON")
        );
    }

    #[test]
    fn deeply_nested_toml_does_not_overflow() {
        let text = format!("a = {}", "[".repeat(200_000));
        let r = catalog_cargo_lock(text.as_bytes()).unwrap_or_default();
        assert!(r.error.is_some());
        let text = format!("a = {}1{}", "[".repeat(200_000), "]".repeat(200_000));
        let r = catalog_cargo_lock(text.as_bytes()).unwrap_or_default();
        assert!(r.error.is_some());
        let text = format!("a = {}1{}", "{b = ".repeat(200_000), "}".repeat(200_000));
        let r = catalog_cargo_lock(text.as_bytes()).unwrap_or_default();
        assert!(r.error.is_some());
    }
}
