//! SPDX 2.3 JSON.

use super::{SbomSubject, content_uuid, hash128, is_spdx_expression, location_text};
use crate::{Inventory, Package};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The inventory as an SPDX 2.3 JSON document: the document DESCRIBES the image (or directory) package,
/// which CONTAINS the OS and every package; purls are `PACKAGE-MANAGER` external references, source
/// packages and locations go to `sourceInfo`. Licenses that are not SPDX expressions become
/// `LicenseRef-` entries with their text in `hasExtractedLicensingInfos`.
pub fn spdx_json(inventory: &Inventory, subject: &SbomSubject) -> Value {
    let uuid = content_uuid(inventory, subject);
    let subject_id = "SPDXRef-Subject".to_string();
    let mut subject_pkg = json!({
        "SPDXID": subject_id,
        "name": subject.name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": if subject.is_image { "CONTAINER" } else { "FILE" },
    });
    if let Some(d) = &subject.digest {
        subject_pkg["versionInfo"] = json!(d);
        if let Some(hex) = d.strip_prefix("sha256:") {
            subject_pkg["checksums"] = json!([{ "algorithm": "SHA256", "checksumValue": hex }]);
        }
    }

    let mut packages = vec![subject_pkg];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": subject_id,
    })];
    let mut extracted: BTreeMap<String, String> = BTreeMap::new();

    if let Some(os) = &inventory.os {
        let id = format!("SPDXRef-OperatingSystem-{}", sanitize(&os.id));
        let mut p = json!({
            "SPDXID": id,
            "name": os.id,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "OPERATING_SYSTEM",
        });
        if let Some(v) = &os.version_id {
            p["versionInfo"] = json!(v);
        }
        if let Some(d) = &os.pretty_name {
            p["description"] = json!(d);
        }
        packages.push(p);
        relationships.push(contains(&subject_id, &id));
    }

    let mut ids = std::collections::HashSet::new();
    for p in &inventory.packages {
        let base = format!(
            "SPDXRef-Package-{}-{}-{:08x}",
            p.kind.map_or("unknown", |k| k.as_str()),
            sanitize(&p.name),
            (hash128(&[&p.purl, &p.name, &p.version]) >> 96) as u32
        );
        let mut id = base.clone();
        let mut n = 1;
        while !ids.insert(id.clone()) {
            n += 1;
            id = format!("{base}-{n}");
        }
        packages.push(package(p, &id, &mut extracted));
        relationships.push(contains(&subject_id, &id));
    }

    let mut doc = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": subject.name,
        "documentNamespace": format!("https://bulkhead.invalid/spdx/{}-{uuid}", sanitize(&subject.name)),
        "creationInfo": {
            "created": subject.timestamp,
            "creators": [format!("Tool: bulkhead-{}", subject.tool_version)],
        },
        "packages": packages,
        "relationships": relationships,
    });
    if !extracted.is_empty() {
        doc["hasExtractedLicensingInfos"] = Value::Array(
            extracted
                .into_iter()
                .map(|(id, text)| json!({ "licenseId": id, "extractedText": text, "name": text }))
                .collect(),
        );
    }
    doc
}

fn contains(from: &str, to: &str) -> Value {
    json!({ "spdxElementId": from, "relationshipType": "CONTAINS", "relatedSpdxElement": to })
}

fn package(p: &Package, id: &str, extracted: &mut BTreeMap<String, String>) -> Value {
    let declared = if p.licenses.is_empty() {
        "NOASSERTION".to_string()
    } else {
        let parts: Vec<String> = p
            .licenses
            .iter()
            .map(|l| {
                if is_spdx_expression(l) {
                    if p.licenses.len() > 1 {
                        format!("({l})")
                    } else {
                        l.clone()
                    }
                } else {
                    let lid = format!("LicenseRef-{}", sanitize(l));
                    extracted.insert(lid.clone(), l.clone());
                    lid
                }
            })
            .collect();
        parts.join(" AND ")
    };
    let mut v = json!({
        "SPDXID": id,
        "name": p.name,
        "versionInfo": p.version,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": declared,
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "LIBRARY",
    });
    if !p.purl.is_empty() {
        v["externalRefs"] = json!([{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": p.purl,
        }]);
    }
    let mut info = Vec::new();
    if let Some(s) = &p.source_name {
        match &p.source_version {
            Some(sv) => info.push(format!("source package {s} {sv}")),
            None => info.push(format!("source package {s}")),
        }
    }
    let locs = location_text(p);
    if !locs.is_empty() {
        info.push(format!("recorded in {}", locs.join(", ")));
    }
    if !info.is_empty() {
        v["sourceInfo"] = json!(info.join("; "));
    }
    v
}

/// Characters allowed in SPDX ids and license refs: letters, digits, `.` and `-`.
fn sanitize(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() { "x".into() } else { out }
}
