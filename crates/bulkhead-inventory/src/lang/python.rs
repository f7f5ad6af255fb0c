//! Installed Python distributions: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO` and `*.egg-info` files,
//! all in the core-metadata format (RFC 822 headers, then the description).

use super::text::{Folding, header, header_block, lossy};
use super::{failed, found, package};
use crate::{FileResult, PackageKind};

/// Longest single-line `License:` value kept; longer (or multi-line) values are whole licence texts.
const MAX_LICENSE_LEN: usize = 200;

/// The distribution described by one core-metadata file.
pub(super) fn catalog(data: &[u8]) -> Option<FileResult> {
    let text = lossy(data);
    let headers = header_block(&text, Folding::Newline);
    let (Some(name), Some(version)) = (header(&headers, "Name"), header(&headers, "Version"))
    else {
        return Some(failed(
            "expected Name and Version headers in Python core metadata".to_string(),
        ));
    };
    let mut p = package(PackageKind::Python, name, version);
    p.licenses = licenses(&headers);
    Some(found(vec![p]))
}

/// `License-Expression` (PEP 639) when present, else a short single-line `License` that is not `UNKNOWN`.
fn licenses(headers: &[(String, String)]) -> Vec<String> {
    if let Some(expression) = header(headers, "License-Expression") {
        return vec![expression.to_string()];
    }
    match header(headers, "License") {
        Some(l)
            if !l.contains('\n')
                && l.len() <= MAX_LICENSE_LEN
                && !l.eq_ignore_ascii_case("UNKNOWN") =>
        {
            vec![l.to_string()]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_with_license_expression_wins_over_license() {
        let data = b"Metadata-Version: 2.4\nName: Requests\nVersion: 2.32.3\nLicense: Apache 2.0\nLicense-Expression: Apache-2.0\n\nName: fake\n";
        let r = catalog(data).unwrap_or_default();
        assert_eq!(r.error, None);
        assert_eq!(r.packages.len(), 1);
        assert_eq!(r.packages[0].name, "Requests");
        assert_eq!(r.packages[0].version, "2.32.3");
        assert_eq!(r.packages[0].licenses, vec!["Apache-2.0"]);
    }

    #[test]
    fn multi_line_and_unknown_licenses_are_dropped() {
        let data =
            b"Name: a\nVersion: 1\nLicense: Copyright (c) x\n        Permission is granted\n";
        assert!(
            catalog(data).unwrap_or_default().packages[0]
                .licenses
                .is_empty()
        );
        let data = b"Name: a\nVersion: 1\nLicense: UNKNOWN\n";
        assert!(
            catalog(data).unwrap_or_default().packages[0]
                .licenses
                .is_empty()
        );
    }

    #[test]
    fn missing_version_is_an_error() {
        let r = catalog(b"Name: a\n\nVersion: 1\n").unwrap_or_default();
        assert!(r.packages.is_empty());
        assert!(
            r.error
                .unwrap_or_default()
                .starts_with("expected Name and Version")
        );
    }
}
