//! apk's installed database (`/lib/apk/db/installed`): one `X:value` line per field, packages separated by
//! blank lines. Read: `P` name, `V` version, `A` architecture, `o` origin (the source package Alpine's
//! advisories are filed under), `L` license.

use crate::model::{FileResult, Package, PackageKind};

/// Packages recorded in an apk installed database.
pub fn parse(data: &[u8]) -> FileResult {
    let text = super::text(data);
    let mut result = FileResult::default();
    let mut current = Record::default();
    let mut bad_lines = 0usize;
    let mut first_bad = None;
    let mut incomplete = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            current.finish(&mut result.packages, &mut incomplete);
            continue;
        }
        let mut chars = line.chars();
        let (Some(key), Some(':')) = (chars.next(), chars.next()) else {
            bad_lines += 1;
            first_bad.get_or_insert(index + 1);
            continue;
        };
        let value = chars.as_str().trim();
        current.line.get_or_insert(index + 1);
        let slot = match key {
            'P' => &mut current.name,
            'V' => &mut current.version,
            'A' => &mut current.arch,
            'o' => &mut current.origin,
            'L' => &mut current.license,
            _ => continue,
        };
        if slot.is_none() && !value.is_empty() {
            *slot = Some(value.to_string());
        }
    }
    current.finish(&mut result.packages, &mut incomplete);

    let mut problems = Vec::new();
    if let Some(line) = first_bad {
        problems.push(format!(
            "{bad_lines} line(s) are not `X:value` (first: line {line})"
        ));
    }
    if let Some(line) = incomplete.first() {
        problems.push(format!(
            "{} record(s) without P: or V: skipped (first at line {line})",
            incomplete.len()
        ));
    }
    if !problems.is_empty() {
        let prefix = if result.packages.is_empty() {
            "not an apk installed database: "
        } else {
            "apk installed database: "
        };
        result.error = Some(prefix.to_string() + &problems.join("; "));
    }
    result
}

/// Fields of the record being read.
#[derive(Default)]
struct Record {
    line: Option<usize>,
    name: Option<String>,
    version: Option<String>,
    arch: Option<String>,
    origin: Option<String>,
    license: Option<String>,
}

impl Record {
    /// Turn the record into a package (or count it as incomplete) and start a new one.
    fn finish(&mut self, packages: &mut Vec<Package>, incomplete: &mut Vec<usize>) {
        let record = std::mem::take(self);
        let Some(line) = record.line else {
            return;
        };
        let (Some(name), Some(version)) = (record.name, record.version) else {
            incomplete.push(line);
            return;
        };
        packages.push(Package {
            kind: Some(PackageKind::Apk),
            name,
            version,
            source_name: record.origin,
            arch: record.arch,
            licenses: record.license.into_iter().collect(),
            ..Package::default()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records() {
        let db = "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\n\n\
                  P:busybox-binsh\nV:1.36.1-r29\nA:x86_64\nL:GPL-2.0-only\no:busybox\n";
        let result = parse(db.as_bytes());
        assert_eq!(result.error, None);
        assert_eq!(result.packages.len(), 2);
        let musl = &result.packages[0];
        assert_eq!(
            (musl.name.as_str(), musl.version.as_str()),
            ("musl", "1.2.5-r0")
        );
        assert_eq!(musl.arch.as_deref(), Some("x86_64"));
        assert_eq!(musl.licenses, vec!["MIT".to_string()]);
        assert_eq!(result.packages[1].source_name.as_deref(), Some("busybox"));
    }

    #[test]
    fn garbage_and_incomplete_records() {
        let result = parse(b"asdf\n\nyolo\n");
        assert!(result.packages.is_empty());
        assert!(
            result
                .error
                .is_some_and(|e| e.starts_with("not an apk installed database"))
        );
        let result = parse(b"P:a\nV:1\n\nP:b\n");
        assert_eq!(result.packages.len(), 1);
        assert!(result.error.is_some_and(|e| e.contains("at line 4")));
        assert_eq!(parse(b""), FileResult::default());
    }
}
