//! CycloneDX 1.6 JSON.

use super::{SbomSubject, content_uuid, is_spdx_expression, is_spdx_id, location_text};
use crate::{Inventory, Package};
use serde_json::{Value, json};

/// The inventory as a CycloneDX 1.6 JSON BOM: the image (or directory) is `metadata.component`, the OS
/// is an `operating-system` component, every package a `library` component with its purl as `bom-ref`,
/// and where it came from in `properties` (`bulkhead:location`, `bulkhead:source-package`, ...).
pub fn cyclonedx_json(inventory: &Inventory, subject: &SbomSubject) -> Value {
    let subject_ref = format!("subject:{}", subject.name);
    let mut subject_component = json!({
        "type": if subject.is_image { "container" } else { "file" },
        "bom-ref": subject_ref,
        "name": subject.name,
    });
    if let Some(d) = &subject.digest {
        subject_component["version"] = json!(d);
    }

    let mut components = Vec::new();
    let mut refs = Vec::new();
    if let Some(os) = &inventory.os {
        let r = format!("os:{}@{}", os.id, os.version_id.as_deref().unwrap_or(""));
        let mut c = json!({ "type": "operating-system", "bom-ref": r, "name": os.id });
        if let Some(v) = &os.version_id {
            c["version"] = json!(v);
        }
        if let Some(p) = &os.pretty_name {
            c["description"] = json!(p);
        }
        refs.push(r);
        components.push(c);
    }
    for (p, r) in inventory.packages.iter().zip(component_refs(inventory)) {
        components.push(component(p, &r));
        refs.push(r);
    }

    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{}", content_uuid(inventory, subject)),
        "version": 1,
        "metadata": {
            "timestamp": subject.timestamp,
            "tools": { "components": [ {
                "type": "application",
                "name": "bulkhead",
                "version": subject.tool_version,
            } ] },
            "component": subject_component,
        },
        "components": components,
        "dependencies": [ { "ref": subject_ref, "dependsOn": refs } ],
    })
}

fn component(p: &Package, bom_ref: &str) -> Value {
    let mut c = json!({
        "type": "library",
        "bom-ref": bom_ref,
        "name": p.name,
        "version": p.version,
    });
    if let Some(ns) = &p.namespace {
        c["group"] = json!(ns);
    }
    if !p.purl.is_empty() {
        c["purl"] = json!(p.purl);
    }
    if !p.licenses.is_empty() {
        let joined = p.licenses.join(" AND ");
        c["licenses"] = if p.licenses.iter().all(|l| is_spdx_expression(l)) {
            json!([{ "expression": if p.licenses.len() > 1 { p.licenses.iter().map(|l| format!("({l})")).collect::<Vec<_>>().join(" AND ") } else { joined } }])
        } else {
            Value::Array(
                p.licenses
                    .iter()
                    .map(|l| {
                        if is_spdx_id(l) && !l.starts_with("LicenseRef-") {
                            json!({ "license": { "id": l } })
                        } else {
                            json!({ "license": { "name": l } })
                        }
                    })
                    .collect(),
            )
        };
    }
    let mut props = Vec::new();
    if let Some(kind) = p.kind {
        props.push(json!({ "name": "bulkhead:package-type", "value": kind.as_str() }));
    }
    if let Some(s) = &p.source_name {
        props.push(json!({ "name": "bulkhead:source-package", "value": s }));
    }
    if let Some(s) = &p.source_version {
        props.push(json!({ "name": "bulkhead:source-version", "value": s }));
    }
    if let Some(a) = &p.arch {
        props.push(json!({ "name": "bulkhead:arch", "value": a }));
    }
    for l in location_text(p) {
        props.push(json!({ "name": "bulkhead:location", "value": l }));
    }
    if !props.is_empty() {
        c["properties"] = Value::Array(props);
    }
    c
}

/// The `bom-ref` of each package, in inventory order: its purl, with `#2`, `#3`, ... when the same purl
/// comes from two kinds of record (bom-refs must be unique).
pub fn component_refs(inventory: &Inventory) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    inventory
        .packages
        .iter()
        .map(|p| {
            let mut r = p.purl.clone();
            let mut n = 1;
            while !seen.insert(r.clone()) {
                n += 1;
                r = format!("{}#{n}", p.purl);
            }
            r
        })
        .collect()
}
