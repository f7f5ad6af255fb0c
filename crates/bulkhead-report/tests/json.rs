mod common;

use bulkhead_report::{JSON_VERSION, json_value, render_json};
use common::*;
use serde_json::Value;

fn json() -> String {
    with_input(&findings(), &diagnostics(), &sources(), render_json)
}

#[test]
fn json_report_snapshot() {
    insta::assert_snapshot!(json());
}

#[test]
fn json_value_is_the_rendered_report() {
    let parsed: Value = serde_json::from_str(&json()).unwrap();
    let value = with_input(&findings(), &diagnostics(), &sources(), json_value);
    assert!(
        value
            .as_object()
            .is_some_and(|o| o.contains_key("findings"))
    );
    assert_eq!(value, parsed);
}

#[test]
fn json_shape_and_summary() {
    let out = json();
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], JSON_VERSION);
    assert_eq!(v["tool"]["name"], "bulkhead");
    assert_eq!(v["tool"]["version"], "0.1.0");
    let s = &v["summary"];
    assert_eq!(s["files"], 3);
    assert_eq!(s["findings"], 7);
    assert_eq!(s["fixable"], 1);
    let by = s["by_severity"].as_object().unwrap();
    assert_eq!(by.len(), 5);
    // written most severe first
    let at = |k: &str| out.find(&format!("\"{k}\": ")).unwrap();
    assert!(
        at("critical") < at("high")
            && at("high") < at("medium")
            && at("medium") < at("low")
            && at("low") < at("info")
    );
    let counts: Vec<u64> = ["critical", "high", "medium", "low", "info"]
        .iter()
        .map(|k| by[*k].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [2, 2, 1, 1, 1]);
    assert_eq!(
        v["diagnostics"][0],
        serde_json::json!({"path": "Dockerfile.dev", "line": 12, "message": "unterminated heredoc"})
    );
}

#[test]
fn json_findings_round_trip_in_report_order() {
    let v: Value = serde_json::from_str(&json()).unwrap();
    let back: Vec<bulkhead_core::Finding> = serde_json::from_value(v["findings"].clone()).unwrap();
    let mut expected = findings();
    expected.sort_by_key(|f| (f.location.path.is_none(), f.sort_key()));
    assert_eq!(back, expected);
}

#[test]
fn empty_report_is_well_formed() {
    let out = with_input(&[], &[], &sources(), render_json);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["findings"], 0);
    assert_eq!(v["findings"], serde_json::json!([]));
    assert_eq!(v["diagnostics"], serde_json::json!([]));
    assert!(out.ends_with("}\n"));
}

#[test]
fn json_never_contains_source_text() {
    let out = json();
    assert!(!out.contains(SECRET));
    assert!(!out.contains("AbCdEf"));
    assert!(!out.contains(SECRET_LINE));
    // no other line of the Dockerfile either
    for line in DOCKERFILE.lines().filter(|l| l.len() > 10) {
        assert!(!out.contains(line), "source line {line:?} leaked into JSON");
    }
}
