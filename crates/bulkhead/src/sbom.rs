//! `bulkhead sbom`: the inventory of an image or directory as CycloneDX, SPDX, JSON or a table.

use crate::image::{self, package_counts, package_table, write_out};
use crate::{SbomArgs, SbomFormat};
use bulkhead_inventory::sbom::{SbomSubject, cyclonedx_json, now_rfc3339, spdx_json};
use std::process::ExitCode;

pub fn run(args: SbomArgs) -> ExitCode {
    let opts = image::read_options(&args.source);
    let started = std::time::Instant::now();
    let (img, inv) = match image::read(&args.image, &opts) {
        Ok(v) => v,
        Err(e) => return image::fail(e),
    };
    // The same wording as the notes of `bulkhead image`, on standard error (standard output is the document).
    for d in image::diagnostics_of(&img, &inv) {
        eprintln!("note: {}", d.message);
    }
    let subject = SbomSubject {
        name: args.image.clone(),
        digest: img.id.clone(),
        is_image: img.source_kind != "rootfs",
        timestamp: now_rfc3339(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let vulns = if args.vulns {
        let v = crate::vulns::scan(&inv, &args.vuln, Some(crate::vulns::identity_of(&img)));
        if let Some(e) = &v.error {
            // Vulnerabilities were asked for: an SBOM without them would be read as "none found".
            return image::fail(e);
        }
        for n in &v.notes {
            eprintln!("note: {n}");
        }
        Some(v)
    } else {
        None
    };
    if vulns.is_some() && args.format == SbomFormat::Spdx {
        eprintln!(
            "note: SPDX 2.3 has no vulnerability section; use -f cyclonedx or -f json to include vulnerabilities"
        );
    }
    let text = match args.format {
        SbomFormat::Cyclonedx => {
            let mut doc = cyclonedx_json(&inv, &subject);
            if let Some(v) = &vulns {
                doc["vulnerabilities"] = crate::vulns::cyclonedx_vulnerabilities(v, &inv);
            }
            pretty(&doc)
        }
        SbomFormat::Spdx => pretty(&spdx_json(&inv, &subject)),
        SbomFormat::Json => {
            let mut doc = serde_json::json!({
                "image": {
                    "reference": img.reference,
                    "source": img.source_kind,
                    "id": img.id,
                    "manifest_digest": img.manifest_digest,
                    "layers": image::redacted_layers(&img),
                },
                "os": inv.os,
                "packages": inv.packages,
                "notes": inv.notes,
            });
            if let Some(v) = &vulns {
                let (list, summary) = crate::vulns::json_section(v, &inv);
                doc["vulnerabilities"] = list;
                doc["vulnerability_scan"] = summary;
            }
            pretty(&doc)
        }
        SbomFormat::Table => {
            let mut s = package_table(&inv);
            if let Some(v) = &vulns {
                s.push('\n');
                s.push_str(&crate::vulns::human_section(v, &inv, &args.vuln, false));
            }
            s
        }
    };
    if let Err(e) = write_out(&args.output, &text) {
        return image::fail(e);
    }
    if args.output.is_some() || args.format == SbomFormat::Table {
        eprintln!(
            "{} package(s) ({}) in {} in {:.2}s",
            inv.packages.len(),
            package_counts(&inv),
            args.image,
            started.elapsed().as_secs_f64()
        );
    }
    if let Some(v) = &vulns
        && args.vuln.exit_code.is_some()
        && !v.kept.is_empty()
    {
        return ExitCode::from(args.vuln.exit_code.unwrap_or(1));
    }
    ExitCode::SUCCESS
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s =
        serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
