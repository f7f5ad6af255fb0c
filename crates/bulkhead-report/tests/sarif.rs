mod common;

use bulkhead_core::{Evidence, Finding, Location, Span};
use bulkhead_report::{FINGERPRINT_KEY, SARIF_SCHEMA_URI, render_sarif};
use common::*;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::path::Path;

const SCHEMA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/schemas");

fn sarif_text(findings: &[Finding], diagnostics: &[bulkhead_report::InputDiagnostic]) -> String {
    with_input(findings, diagnostics, &sources(), render_sarif)
}

fn sarif() -> Value {
    serde_json::from_str(&sarif_text(&findings(), &diagnostics())).unwrap()
}

fn results(v: &Value) -> &Vec<Value> {
    v["runs"][0]["results"].as_array().unwrap()
}

fn result_for<'v>(v: &'v Value, rule: &str) -> &'v Value {
    results(v)
        .iter()
        .find(|r| r["ruleId"] == rule)
        .unwrap_or_else(|| panic!("no result for {rule}"))
}

#[test]
fn sarif_report_snapshot() {
    insta::assert_snapshot!(sarif_text(&findings(), &diagnostics()));
}

/// Errors from validating against both staged SARIF 2.1.0 schemas (errata 01, draft-04; and the
/// pre-errata draft-07 one), with `format` assertions on. `None` when the schemas are not there.
fn schema_errors(doc: &Value) -> Option<Vec<String>> {
    let dir = Path::new(SCHEMA_DIR).join("sarif");
    if !dir.is_dir() {
        eprintln!(
            "SKIPPED: SARIF schema validation: schema directory {} not found (the shared data is not \
             next to this work tree)",
            dir.display()
        );
        return None;
    }
    let mut errors = Vec::new();
    for (file, draft) in [
        ("sarif-schema-2.1.0.json", jsonschema::Draft::Draft4),
        ("sarif-schema-2.1.0.draft07.json", jsonschema::Draft::Draft7),
    ] {
        let mut text = std::fs::read_to_string(dir.join(file)).unwrap();
        // The pre-errata schema has a stray `]` in the `language` pattern, which the meta-schema's
        // `regex` format check rejects; errata 01 fixed it to this pattern.
        text = text.replace(
            r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
            r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
        );
        let schema: Value = serde_json::from_str(&text).unwrap();
        let validator = jsonschema::options()
            .with_draft(draft)
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        errors.extend(
            validator
                .iter_errors(doc)
                .map(|e| format!("{file}: {e} at {}", e.instance_path())),
        );
    }
    Some(errors)
}

fn assert_schema_valid(doc: &Value) {
    if let Some(errors) = schema_errors(doc) {
        assert!(
            errors.is_empty(),
            "SARIF output is invalid:\n{}",
            errors.join("\n")
        );
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    assert_schema_valid(&sarif());
    // without diagnostics, without findings
    assert_schema_valid(&serde_json::from_str(&sarif_text(&findings(), &[])).unwrap());
    assert_schema_valid(&serde_json::from_str(&sarif_text(&[], &[])).unwrap());
}

#[test]
fn schema_validation_rejects_a_broken_log() {
    let mut v = sarif();
    v["runs"][0]["results"][0]["level"] = json!("fatal");
    if let Some(errors) = schema_errors(&v) {
        assert_eq!(errors.len(), 2, "{errors:?}"); // once per schema
    }
    let mut v = sarif();
    v["runs"][0]["tool"]["driver"]["informationUri"] = json!("not a uri");
    if let Some(errors) = schema_errors(&v) {
        assert!(!errors.is_empty(), "format assertions are off");
    }
}

#[test]
fn log_header_and_run() {
    let v = sarif();
    assert_eq!(v["$schema"], SARIF_SCHEMA_URI);
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["runs"].as_array().unwrap().len(), 1);
    let run = &v["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "bulkhead");
    assert_eq!(driver["version"], "0.1.0");
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert_eq!(results(&v).len(), 7);
}

#[test]
fn rules_carry_metadata_for_code_scanning() {
    let v = sarif();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    // the six rules that ran, then CP001, known only from its finding
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "DF001", "DF002", "DF010", "DF020", "SC001", "CT005", "CP001"
        ]
    );

    let df001 = &rules[0];
    assert_eq!(df001["name"], "root-user");
    assert_eq!(
        df001["shortDescription"]["text"],
        "Final stage runs as root"
    );
    assert_eq!(
        df001["fullDescription"]["text"],
        "Checks that the final stage does not run as root."
    );
    assert!(
        df001["help"]["markdown"]
            .as_str()
            .unwrap()
            .starts_with("## What it does\n")
    );
    assert!(
        df001["help"]["text"]
            .as_str()
            .unwrap()
            .contains("root on the host")
    );
    assert_eq!(df001["defaultConfiguration"]["level"], "error");
    assert_eq!(
        df001["properties"]["tags"],
        json!(["security", "DL3002", "DS-0002", "CIS-Docker-4.1"])
    );
    assert_eq!(df001["properties"]["security-severity"], "8.0");

    let by_id = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap();
    let expect = [
        ("SC001", "error", "9.5"),
        ("DF001", "error", "8.0"),
        ("DF002", "warning", "5.5"),
        ("DF010", "note", "3.0"),
        ("DF020", "note", "0.0"),
    ];
    for (id, level, score) in expect {
        assert_eq!(by_id(id)["defaultConfiguration"]["level"], level, "{id}");
        assert_eq!(by_id(id)["properties"]["security-severity"], score, "{id}");
    }
    // a rule without doc falls back to its title and remediation
    assert_eq!(
        by_id("DF010")["fullDescription"]["text"],
        "SSH port exposed"
    );
    assert_eq!(
        by_id("DF010")["help"]["text"],
        "Do not run SSH in a container; use `docker exec`."
    );
    assert!(by_id("DF010")["help"].get("markdown").is_none());
    assert_eq!(
        by_id("DF010")["properties"]["tags"],
        json!(["best-practice"])
    );
}

#[test]
fn result_levels_follow_finding_severity() {
    let v = sarif();
    for (rule, level) in [
        ("SC001", "error"),
        ("CP001", "error"), // raised to critical by policy: error, though its rule is medium
        ("DF001", "error"),
        ("CT005", "error"),
        ("DF002", "warning"),
        ("DF010", "note"),
        ("DF020", "note"),
    ] {
        assert_eq!(result_for(&v, rule)["level"], level, "{rule}");
    }
    assert_eq!(
        result_for(&v, "CP001")["properties"]["severity"],
        "critical"
    );
}

#[test]
fn rule_index_points_at_the_rule() {
    let v = sarif();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results(&v) {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    // duplicated rule metadata is listed once
    let dup = [DF001, DF001, DF002];
    let lookup = bulkhead_report::no_sources;
    let fs = findings();
    let input = bulkhead_report::ReportInput {
        findings: &fs,
        rules: &dup,
        sources: &lookup,
        tool_version: "0",
        files_scanned: 1,
        diagnostics: &[],
        subject: None,
    };
    let v: Value = serde_json::from_str(&render_sarif(&input)).unwrap();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: HashSet<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), rules.len());
    for r in results(&v) {
        assert_eq!(
            rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
            r["ruleId"]
        );
    }
}

#[test]
fn locations_regions_and_logical_locations() {
    let v = sarif();
    let df001 = result_for(&v, "DF001");
    let pl = &df001["locations"][0]["physicalLocation"];
    assert_eq!(pl["artifactLocation"]["uri"], "Dockerfile");
    assert_eq!(
        pl["region"],
        json!({"startLine": 11, "startColumn": 1, "endLine": 11, "endColumn": 10})
    );

    let multi = result_for(&v, "DF020");
    assert_eq!(
        multi["locations"][0]["physicalLocation"]["region"],
        json!({"startLine": 5, "startColumn": 1, "endLine": 6, "endColumn": 18})
    );

    let ct = result_for(&v, "CT005");
    assert!(ct["locations"][0].get("physicalLocation").is_none());
    assert_eq!(
        ct["locations"][0]["logicalLocations"][0],
        json!({"fullyQualifiedName": "container web / HostConfig.CapDrop", "name": "CapDrop", "kind": "object"})
    );
    assert_eq!(ct["properties"]["evidence"], "CapDrop: []");
}

#[test]
fn fixes_become_artifact_changes() {
    let v = sarif();
    let fixes = result_for(&v, "DF001")["fixes"].as_array().unwrap();
    assert_eq!(fixes.len(), 1);
    let user = span_of(DOCKERFILE, "USER root");
    let root = user.byte_start + 5;
    assert_eq!(
        fixes[0],
        json!({
            "artifactChanges": [{
                "artifactLocation": {"uri": "Dockerfile"},
                "replacements": [{
                    "deletedRegion": {"byteLength": 4, "byteOffset": root},
                    "insertedContent": {"text": "10001"}
                }]
            }],
            "description": {"text": "run as an unprivileged user (10001)"},
            "properties": {"safe": true}
        })
    );
    // the edit really turns `USER root` into `USER 10001`
    let mut fixed = DOCKERFILE.to_string();
    fixed.replace_range(root..root + 4, "10001");
    assert!(fixed.contains("\nUSER 10001\n"));

    // a fix without edits is not a SARIF fix
    assert!(result_for(&v, "DF002").get("fixes").is_none());
}

#[test]
fn fixes_over_several_files_group_by_file() {
    let mut f = findings().remove(0);
    let fix = f.fix.as_mut().unwrap();
    fix.edits.push(bulkhead_core::TextEdit {
        path: ".dockerignore".into(),
        start: 0,
        end: 0,
        replacement: ".env\n".into(),
    });
    fix.edits.push(bulkhead_core::TextEdit {
        path: "Dockerfile".into(),
        start: 0,
        end: 4,
        replacement: String::new(),
    });
    let v: Value = serde_json::from_str(&sarif_text(&[f], &[])).unwrap();
    assert_schema_valid(&v);
    let changes = v["runs"][0]["results"][0]["fixes"][0]["artifactChanges"]
        .as_array()
        .unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["artifactLocation"]["uri"], "Dockerfile");
    let reps = changes[0]["replacements"].as_array().unwrap();
    // sorted by offset; a pure deletion has no insertedContent
    assert_eq!(
        reps[0],
        json!({"deletedRegion": {"byteOffset": 0, "byteLength": 4}})
    );
    assert_eq!(reps[1]["insertedContent"]["text"], "10001");
    assert_eq!(changes[1]["artifactLocation"]["uri"], ".dockerignore");
}

fn fingerprint_map(v: &Value) -> HashMap<String, String> {
    results(v)
        .iter()
        .map(|r| {
            (
                format!(
                    "{}@{}",
                    r["ruleId"].as_str().unwrap(),
                    r["message"]["text"].as_str().unwrap()
                ),
                r["partialFingerprints"][FINGERPRINT_KEY]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_are_stable_and_distinct() {
    let a = fingerprint_map(&sarif());
    let b = fingerprint_map(&sarif());
    assert_eq!(a, b);
    let distinct: HashSet<&String> = a.values().collect();
    assert_eq!(distinct.len(), a.len());
    for fp in a.values() {
        let (hash, n) = fp.split_once(':').unwrap();
        assert_eq!(hash.len(), 16);
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(n, "1");
    }
    // pinned: the fingerprint must not change between versions of bulkhead
    assert_eq!(
        a["DF001@the final stage runs as `root`"],
        "7ca6ba0352bbe16d:1"
    );
}

#[test]
fn fingerprints_survive_lines_added_above() {
    let before = fingerprint_map(&sarif());
    // the same file with two lines added at the top: every span moves down by two lines
    let prefix = "# syntax=docker/dockerfile:1\n# comment\n";
    let shifted_text = format!("{prefix}{DOCKERFILE}");
    let shifted: Vec<Finding> = findings()
        .into_iter()
        .map(|mut f| {
            if let (Some("Dockerfile"), Some(s)) =
                (f.location.path.as_deref(), f.location.span.as_mut())
            {
                s.start_line += 2;
                s.end_line += 2;
                s.byte_start += prefix.len();
                s.byte_end += prefix.len();
            }
            f
        })
        .collect();
    let files = HashMap::from([("Dockerfile".to_string(), shifted_text)]);
    let v: Value =
        serde_json::from_str(&with_input(&shifted, &diagnostics(), &files, render_sarif)).unwrap();
    assert_eq!(fingerprint_map(&v), before);
}

#[test]
fn identical_findings_get_numbered_fingerprints() {
    let f = findings().remove(4); // DF010, no evidence: hashed by its line
    let v: Value = serde_json::from_str(&sarif_text(&[f.clone(), f], &[])).unwrap();
    let fps: Vec<&str> = results(&v)
        .iter()
        .map(|r| r["partialFingerprints"][FINGERPRINT_KEY].as_str().unwrap())
        .collect();
    assert_eq!(
        fps[0].split_once(':').unwrap().0,
        fps[1].split_once(':').unwrap().0
    );
    assert!(fps[0].ends_with(":1") && fps[1].ends_with(":2"));
}

#[test]
fn secrets_do_not_leak_into_sarif() {
    // a second finding on the secret's line, without evidence: its fingerprint must not hash the line
    let mut fs = findings();
    fs.push(finding(
        &DF010,
        "token-like ENV key",
        Location::file("Dockerfile").with_span(span_of(DOCKERFILE, SECRET_LINE)),
    ));
    let out = sarif_text(&fs, &diagnostics());
    assert!(!out.contains(SECRET));
    assert!(!out.contains("AbCdEf"));
    assert!(!out.contains(SECRET_LINE));
    for line in DOCKERFILE.lines().filter(|l| l.len() > 10) {
        assert!(
            !out.contains(line),
            "source line {line:?} leaked into SARIF"
        );
    }
    assert!(!out.contains("\"snippet\""));
    assert!(!out.contains("contextRegion"));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        result_for(&v, "SC001")["properties"]["evidence"],
        "NPM_TOKEN=npm_****…(40 chars)"
    );

    // the extra finding is fingerprinted by its message, not by the line with the secret
    let fp_with_line = |text: &str| {
        let files = HashMap::from([("Dockerfile".to_string(), text.to_string())]);
        let v: Value = serde_json::from_str(&with_input(&fs, &[], &files, render_sarif)).unwrap();
        fingerprint_map(&v)["DF010@token-like ENV key"].clone()
    };
    let other = DOCKERFILE.replace(SECRET, "npm_ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ");
    assert_eq!(fp_with_line(DOCKERFILE), fp_with_line(&other));
}

#[test]
fn diagnostics_become_tool_execution_notifications() {
    let v = sarif();
    let inv = &v["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert_eq!(
        inv["toolExecutionNotifications"][0],
        json!({
            "level": "error",
            "message": {"text": "unterminated heredoc"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": "Dockerfile.dev"},
                "region": {"startLine": 12}
            }}]
        })
    );
    let clean: Value = serde_json::from_str(&sarif_text(&findings(), &[])).unwrap();
    assert_eq!(
        clean["runs"][0]["invocations"][0],
        json!({"executionSuccessful": true})
    );
    assert_eq!(clean["runs"][0]["properties"]["filesScanned"], 3);
}

#[test]
fn empty_run_still_has_results_array() {
    let v: Value = serde_json::from_str(&sarif_text(&[], &[])).unwrap();
    assert_eq!(v["runs"][0]["results"], json!([]));
    assert_eq!(
        v["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        RULES.len()
    );
}

#[test]
fn odd_paths_and_spans_stay_schema_valid() {
    let weird = [
        finding(
            &DF001,
            "m",
            Location::file("dir with space/Dockerfile#1").with_span(Span::default()),
        ),
        finding(
            &DF001,
            "m",
            Location::file("C:\\work\\Dockerfile").with_span(Span {
                start_line: 2,
                start_column: 0,
                end_line: 1,
                end_column: 0,
                byte_start: 9,
                byte_end: 3,
            }),
        ),
        finding(&DF001, "m", Location::file("/abs/päth/Dockerfile")),
        finding(&DF001, "m", Location::default()),
        finding(
            &DF001,
            "m",
            Location {
                path: Some("img.tar".into()),
                span: None,
                object: Some("layer 3".into()),
            },
        )
        .with_evidence(Evidence::plain("x")),
    ];
    let v: Value = serde_json::from_str(&sarif_text(
        &weird,
        &[bulkhead_report::InputDiagnostic::new("a b", Some(0), "m")],
    ))
    .unwrap();
    assert_schema_valid(&v);
    let uris: Vec<&str> = results(&v)
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(uris.contains(&"dir%20with%20space/Dockerfile%231"));
    assert!(uris.contains(&"file:///C:/work/Dockerfile"));
    assert!(uris.contains(&"file:///abs/p%C3%A4th/Dockerfile"));
}
