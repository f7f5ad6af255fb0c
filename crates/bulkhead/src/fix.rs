//! Applying fixes: byte-range edits on the original text, grouped per file; previews as unified diffs.

use crate::check::FileResult;
use bulkhead_core::TextEdit;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The new content of one file.
pub struct Change {
    pub path: PathBuf,
    pub before: String,
    pub after: String,
    /// Number of findings whose fix went into this change.
    pub fixes: usize,
}

/// Computes the changes the safe fixes make. Dockerfiles and compose files are edited from the text that was
/// analysed (only when it is exactly the file on disk); other files (`.dockerignore`) are read now, or created.
pub fn plan(results: &[FileResult]) -> Vec<Change> {
    let mut by_path: BTreeMap<String, Vec<TextEdit>> = BTreeMap::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in results {
        if !r.exact {
            continue;
        }
        for f in &r.findings {
            let Some(fix) = f.fix.as_ref().filter(|x| x.safe) else {
                continue;
            };
            for e in &fix.edits {
                let v = by_path.entry(e.path.clone()).or_default();
                if !v.contains(e) {
                    v.push(e.clone());
                }
            }
            if let Some(first) = fix.edits.first() {
                *counts.entry(first.path.clone()).or_default() += 1;
            }
        }
    }
    let texts: BTreeMap<&str, &str> = results
        .iter()
        .filter_map(|r| r.text.as_deref().map(|t| (r.display.as_str(), t)))
        .collect();
    let mut out = Vec::new();
    for (path, edits) in by_path {
        let before = match texts.get(path.as_str()) {
            Some(t) => t.to_string(),
            None => std::fs::read_to_string(&path).unwrap_or_default(),
        };
        let edits = merge_line_insertions(edits);
        let refs: Vec<&TextEdit> = edits.iter().collect();
        let (after, _skipped) = bulkhead_core::text::apply_edits(&before, &refs);
        if after != before {
            out.push(Change {
                path: PathBuf::from(&path),
                before,
                after,
                fixes: counts.get(&path).copied().unwrap_or(0),
            });
        }
    }
    out
}

/// Several findings may append lines at the same offset (e.g. `.dockerignore` entries): keep each line once.
fn merge_line_insertions(edits: Vec<TextEdit>) -> Vec<TextEdit> {
    let mut out: Vec<TextEdit> = Vec::new();
    for e in edits {
        if e.start == e.end
            && let Some(prev) = out
                .iter_mut()
                .find(|p| p.start == e.start && p.end == e.end && p.replacement.ends_with('\n'))
            && e.replacement.ends_with('\n')
        {
            // Keep the line ending the text uses (CRLF compose files stay CRLF).
            let eol = if prev.replacement.ends_with("\r\n") {
                "\r\n"
            } else {
                "\n"
            };
            for line in e.replacement.lines() {
                if !prev.replacement.lines().any(|l| l == line) {
                    prev.replacement.push_str(line);
                    prev.replacement.push_str(eol);
                }
            }
            continue;
        }
        out.push(e);
    }
    out
}

pub fn unified_diff(c: &Change) -> String {
    let name = c.path.display().to_string();
    similar::TextDiff::from_lines(&c.before, &c.after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

pub fn write(c: &Change) -> Result<(), String> {
    std::fs::write(&c.path, c.after.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", c.path.display()))
}
