//! Every rule, through the real engine: each of its examples is reported by it, none of its near misses is,
//! and every pattern compiled.

use bulkhead_secrets::{Engine, rules};

#[test]
fn every_pattern_compiles_in_the_engine() {
    let errors = Engine::global().rule_errors();
    assert!(errors.is_empty(), "rules left out: {errors:?}");
    assert!(
        rules::all().len() >= 100,
        "only {} rules",
        rules::all().len()
    );
}

#[test]
fn examples_are_reported_and_near_misses_are_not_by_the_real_engine() {
    let engine = Engine::global();
    let mut failures = Vec::new();
    for r in rules::all() {
        assert!(
            !r.examples.is_empty() && !r.near_misses.is_empty(),
            "{} needs examples and near misses",
            r.id
        );
        for ex in r.examples {
            let hits = engine.scan_text(ex);
            if !hits.iter().any(|m| m.rule.id == r.id) {
                let got: Vec<&str> = hits.iter().map(|m| m.rule.id).collect();
                failures.push(format!(
                    "{} {}: example not reported (got {got:?}): {}…",
                    r.id,
                    r.name,
                    ex.chars().take(40).collect::<String>()
                ));
            }
        }
        for nm in r.near_misses {
            if engine.scan_text(nm).iter().any(|m| m.rule.id == r.id) {
                failures.push(format!(
                    "{} {}: near miss reported: {}…",
                    r.id,
                    r.name,
                    nm.chars().take(40).collect::<String>()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn spans_end_where_the_secret_ends() {
    let engine = Engine::global();
    // A one-line token: the end column is the start column plus its length.
    let line = "TOKEN=ghp_Zq8Xw2Lk5Vb9Nm3Hj7Gf4Ds1Ap6Ty0Ru2Ei8";
    let m = engine
        .scan_text(line)
        .into_iter()
        .next()
        .expect("token found");
    assert_eq!(
        m.rule.id, "SC029",
        "found as a GitHub token, not by a generic rule"
    );
    let s = m.span();
    assert_eq!(
        (s.start_line, s.start_column, s.end_line, s.end_column),
        (1, 7, 1, 47)
    );
    // A multi-line private key: the span ends on a later line, not far right of the first one.
    let pem = rules::all()
        .iter()
        .flat_map(|r| r.examples.iter())
        .find(|e| e.contains("PRIVATE KEY-----\n") && e.lines().count() > 3)
        .expect("a PEM example");
    let m = engine.scan_text(pem).into_iter().next().expect("key found");
    let s = m.span();
    assert!(s.end_line > s.start_line, "{s:?}");
    let last = pem.lines().nth(s.end_line - 1).unwrap_or("");
    assert!(
        s.end_column <= last.chars().count() + 1,
        "{s:?} past the end of {last:?}"
    );
}
