//! Conformance with BuildKit's own parser test files (`frontend/dockerfile/parser/testfiles*`): every
//! positive case must dump to exactly BuildKit's `result`, every negative case must give an error.
//!
//! The files live in the shared data directory beside the repository; without it the tests say so loudly
//! and pass.

use std::fs;
use std::path::{Path, PathBuf};

use bulkhead_dockerfile::parser::dump;
use bulkhead_dockerfile::{DiagnosticLevel, parse_bytes};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/dockerfiles/buildkit-parser-testfiles/frontend/dockerfile/parser"
);

fn cases(dir: &str) -> Option<Vec<PathBuf>> {
    let root = Path::new(DATA).join(dir);
    let Ok(entries) = fs::read_dir(&root) else {
        eprintln!(
            "\n!!! SKIPPING BuildKit conformance ({dir}): {} not found (the shared data directory is absent) !!!\n",
            root.display()
        );
        return None;
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    Some(out)
}

/// Errors from the argument checks of BuildKit's `instructions` package (made before a build, after its
/// parser accepted the file). The positive test files only promise that the *parser* accepts them.
fn is_instruction_check(message: &str) -> bool {
    [
        "requires",
        "no build stage in current context",
        "contains no stages to build",
        "in HEALTHCHECK (try CMD)",
        "HEALTHCHECK NONE takes no arguments",
        "Missing command after HEALTHCHECK CMD",
        "names can not be blank",
        "isn't allowed",
        "cannot accept a heredoc",
        "invalid name for build stage",
        "VOLUME specified can not be an empty string",
    ]
    .iter()
    .any(|m| message.contains(m))
}

/// A small line diff: expected lines prefixed `-`, actual `+`, equal lines ` `.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    for i in 0..e.len().max(a.len()) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => out.push_str(&format!("  {x}\n")),
            (x, y) => {
                if let Some(x) = x {
                    out.push_str(&format!("- {x}\n"));
                }
                if let Some(y) = y {
                    out.push_str(&format!("+ {y}\n"));
                }
            }
        }
    }
    out
}

#[test]
fn positive_cases_dump_like_buildkit() {
    let Some(cases) = cases("testfiles") else {
        return;
    };
    assert!(!cases.is_empty(), "no positive cases found");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (Ok(src), Ok(expected)) = (
            fs::read(case.join("Dockerfile")),
            fs::read_to_string(case.join("result")),
        ) else {
            failures.push(format!("{name}: missing Dockerfile or result"));
            continue;
        };
        let expected = expected.replace("\r\n", "\n");
        let df = parse_bytes(&src);
        let actual = dump(&df);
        let errors: Vec<_> = df
            .diagnostics
            .iter()
            .filter(|d| d.level == DiagnosticLevel::Error && !is_instruction_check(&d.message))
            .collect();
        if actual != expected {
            failures.push(format!(
                "{name}: dump differs\n{}",
                diff(&expected, &actual)
            ));
        } else if !errors.is_empty() {
            failures.push(format!(
                "{name}: BuildKit's parser accepts it, but got errors {errors:?}"
            ));
        }
    }
    eprintln!(
        "BuildKit positive cases: {}/{} agree",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} case(s) disagree with BuildKit:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn negative_cases_are_errors() {
    let Some(cases) = cases("testfiles-negative") else {
        return;
    };
    assert!(!cases.is_empty(), "no negative cases found");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Ok(src) = fs::read(case.join("Dockerfile")) else {
            failures.push(format!("{name}: missing Dockerfile"));
            continue;
        };
        let df = parse_bytes(&src);
        let errors: Vec<&str> = df
            .diagnostics
            .iter()
            .filter(|d| d.level == DiagnosticLevel::Error)
            .map(|d| d.message.as_str())
            .collect();
        if errors.is_empty() {
            failures.push(format!(
                "{name}: no error diagnostic (dump:\n{})",
                dump(&df)
            ));
        } else {
            eprintln!("  {name}: {errors:?}");
        }
    }
    eprintln!(
        "BuildKit negative cases: {}/{} rejected",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} negative case(s) accepted:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
