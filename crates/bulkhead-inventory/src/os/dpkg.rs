//! dpkg status (`/var/lib/dpkg/status`), distroless records (`/var/lib/dpkg/status.d/<pkg>`) and opkg
//! status, which share the control-file format.
//!
//! A stanza is a package when it has `Package` and `Version` and is installed: its `Status` (`want flag
//! state`) has the state `installed` (or `triggers-pending`/`triggers-awaited`, which are installed and
//! configured with triggers to run), whatever the selection (`install`, `hold`, `deinstall`: a held or
//! deselected package is still on disk). Stanzas without `Status` are taken as installed: distroless
//! `status.d` records and some opkg entries have none.

use crate::model::{FileResult, Package, PackageKind};
use crate::os::deb822;

/// Whether a `Status:` value means the package's files are installed and configured.
pub fn is_installed(status: &str) -> bool {
    matches!(
        status.split_whitespace().nth(2),
        Some("installed" | "triggers-pending" | "triggers-awaited")
    )
}

/// Split `Source: name (version)` into its name and optional version.
pub fn parse_source(source: &str) -> (String, Option<String>) {
    match source.split_once('(') {
        Some((name, rest)) => {
            let version = rest.trim_end().trim_end_matches(')').trim();
            (
                name.trim().to_string(),
                (!version.is_empty()).then(|| version.to_string()),
            )
        }
        None => (source.trim().to_string(), None),
    }
}

/// Installed packages recorded in a dpkg-format file, as `kind` (deb or opkg).
pub fn parse(data: &[u8], kind: PackageKind) -> FileResult {
    let (article, what) = if kind == PackageKind::Opkg {
        ("an", "opkg")
    } else {
        ("a", "dpkg")
    };
    let text = super::text(data);
    let parsed = deb822::parse(&text);
    let mut result = FileResult::default();
    let mut incomplete = Vec::new();
    for stanza in &parsed.stanzas {
        if stanza
            .get("Status")
            .is_some_and(|status| !is_installed(status))
        {
            continue;
        }
        let (Some(name), Some(version)) = (stanza.get("Package"), stanza.get("Version")) else {
            incomplete.push(stanza.line);
            continue;
        };
        let (source_name, source_version) = match stanza.get("Source") {
            Some(source) => parse_source(source),
            None => (String::new(), None),
        };
        result.packages.push(Package {
            kind: Some(kind),
            name: name.to_string(),
            version: version.to_string(),
            source_name: (!source_name.is_empty()).then_some(source_name),
            source_version: source_version.filter(|v| v != version),
            arch: stanza.get("Architecture").map(str::to_string),
            ..Package::default()
        });
    }
    let mut problems = Vec::new();
    if let Some(line) = parsed.first_bad_line {
        problems.push(format!(
            "{} line(s) are not `Field: value` nor a continuation (first: line {line})",
            parsed.bad_lines
        ));
    }
    if let Some(line) = incomplete.first() {
        problems.push(format!(
            "{} installed stanza(s) without Package or Version skipped (first at line {line})",
            incomplete.len()
        ));
    }
    if !problems.is_empty() {
        let prefix = if result.packages.is_empty() && parsed.stanzas.is_empty() {
            format!("not {article} {what} status file: ")
        } else {
            format!("{what} status: ")
        };
        result.error = Some(prefix + &problems.join("; "));
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_states() {
        assert!(is_installed("install ok installed"));
        assert!(is_installed("hold ok installed"));
        assert!(is_installed("deinstall ok installed"));
        assert!(is_installed("install ok triggers-pending"));
        assert!(!is_installed("deinstall ok config-files"));
        assert!(!is_installed("install ok unpacked"));
        assert!(!is_installed("install reinstreq half-installed"));
        assert!(!is_installed("purge ok not-installed"));
        assert!(!is_installed("installed"));
    }

    #[test]
    fn source_field() {
        assert_eq!(parse_source("glibc"), ("glibc".into(), None));
        assert_eq!(
            parse_source("gcc-12 (12.2.0-14)"),
            ("gcc-12".into(), Some("12.2.0-14".into()))
        );
        assert_eq!(parse_source(" x ( ) "), ("x".into(), None));
    }

    #[test]
    fn packages_with_source_and_status() {
        let status = "\
Package: libgcc-s1
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: gcc-12 (12.2.0-14)
Version: 12.2.0-14
Description: GCC support library
 long text

Package: old
Status: deinstall ok config-files
Version: 1.0

Package: held
Status: hold ok installed
Version: 2:1.0-1
Source: held
Architecture: all
";
        let result = parse(status.as_bytes(), PackageKind::Deb);
        assert_eq!(result.error, None);
        assert_eq!(result.packages.len(), 2);
        let gcc = &result.packages[0];
        assert_eq!(gcc.name, "libgcc-s1");
        assert_eq!(gcc.version, "12.2.0-14");
        assert_eq!(gcc.source_name.as_deref(), Some("gcc-12"));
        assert_eq!(gcc.source_version, None, "same version as the binary");
        assert_eq!(gcc.arch.as_deref(), Some("amd64"));
        assert_eq!(gcc.kind, Some(PackageKind::Deb));
        let held = &result.packages[1];
        assert_eq!(held.version, "2:1.0-1");
        assert_eq!(held.source_name.as_deref(), Some("held"));
    }

    #[test]
    fn source_version_kept_when_different() {
        let result = parse(
            b"Package: libssl3\nVersion: 3.0.11-1~deb12u2+b1\nSource: openssl (3.0.11-1~deb12u2)\n",
            PackageKind::Deb,
        );
        assert_eq!(
            result.packages[0].source_version.as_deref(),
            Some("3.0.11-1~deb12u2")
        );
    }

    #[test]
    fn garbage_gives_an_error() {
        let result = parse(b"asdf\n\nyolo\n", PackageKind::Deb);
        assert!(result.packages.is_empty());
        let error = result.error.unwrap_or_default();
        assert!(error.starts_with("not a dpkg status file"), "{error}");
        assert!(error.contains("line 1"), "{error}");
    }

    #[test]
    fn empty_file_is_no_packages_without_error() {
        let result = parse(b"", PackageKind::Deb);
        assert_eq!(result, FileResult::default());
    }
}
