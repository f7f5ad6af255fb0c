//! Checks of secret rules SC001–SC059 (keys, AWS, GCP, Azure, VCS, registries, other clouds).
//!
//! * Through the real [`Engine`]: every example of a rule is reported by that rule (alone, and with every other
//!   rule loaded, so dedupe does not hand it to another rule) and no near miss is.
//! * Through a local copy of the per-rule filters (keyword prefilter by scope, regex, `secret` group, entropy
//!   minimum, rule allowlist): near misses must be rejected by those, not only by the engine's global
//!   placeholder allowlist, unless they literally are placeholders or documented example keys; and example
//!   secrets must not look like placeholders.
//! * Rule data: ids unique and in range, kebab-case names, lower-case keywords present in every example,
//!   docs with their three sections.

use bulkhead_core::text::shannon_entropy;
use bulkhead_secrets::{Engine, ScanConfig, Scope, SecretRule, rules};
use regex::Regex;
use std::collections::HashSet;

const FIRST: u32 = 1;
const LAST: u32 = 59;

fn id_number(id: &str) -> Option<u32> {
    id.strip_prefix("SC")
        .filter(|n| n.len() == 3 && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse().ok())
}

/// The rules this file is about: ids SC001–SC059.
fn mine() -> Vec<&'static SecretRule> {
    rules::all()
        .iter()
        .filter(|r| id_number(r.id).is_some_and(|n| (FIRST..=LAST).contains(&n)))
        .collect()
}

struct Compiled {
    rule: &'static SecretRule,
    re: Regex,
    allow: Vec<Regex>,
}

impl Compiled {
    fn new(rule: &'static SecretRule) -> Compiled {
        let re = Regex::new(rule.pattern)
            .unwrap_or_else(|e| panic!("{} {}: pattern does not compile: {e}", rule.id, rule.name));
        let allow = rule
            .allow
            .iter()
            .map(|a| {
                Regex::new(a).unwrap_or_else(|e| {
                    panic!("{}: allow regex {a:?} does not compile: {e}", rule.id)
                })
            })
            .collect();
        Compiled { rule, re, allow }
    }

    fn has_keyword(&self, text: &str) -> bool {
        let lower = text.to_ascii_lowercase();
        self.rule.keywords.iter().any(|k| lower.contains(k))
    }

    /// Every candidate the rule's regex yields in `text`, after the keyword prefilter.
    fn candidates<'t>(&self, text: &'t str) -> Vec<Candidate<'t>> {
        let chunks: Vec<&str> = match self.rule.scope {
            Scope::Line => text.lines().filter(|l| self.has_keyword(l)).collect(),
            Scope::Text => {
                if self.has_keyword(text) {
                    vec![text]
                } else {
                    vec![]
                }
            }
        };
        let mut out = Vec::new();
        for chunk in chunks {
            for caps in self.re.captures_iter(chunk) {
                let m = caps
                    .name("secret")
                    .unwrap_or_else(|| caps.get(0).expect("group 0"));
                let secret = m.as_str();
                let entropy = shannon_entropy(secret);
                let low_entropy = self.rule.entropy.is_some_and(|min| entropy < min);
                let allowed = self.allow.iter().any(|a| a.is_match(secret))
                    || self.rule.validate.is_some_and(|check| !check(secret));
                out.push(Candidate {
                    secret,
                    entropy,
                    reported: !low_entropy && !allowed,
                });
            }
        }
        out
    }
}

struct Candidate<'t> {
    secret: &'t str,
    entropy: f64,
    reported: bool,
}

use bulkhead_secrets::engine::is_placeholder;

fn compiled() -> Vec<Compiled> {
    mine().into_iter().map(Compiled::new).collect()
}

#[test]
fn there_are_at_least_55_rules_in_range() {
    let n = mine().len();
    assert!(n >= 55, "only {n} rules with ids SC001-SC059");
}

#[test]
fn ids_unique_and_in_range() {
    let mut seen = HashSet::new();
    for r in mine() {
        assert!(seen.insert(r.id), "duplicate id {}", r.id);
    }
    for r in rules::all() {
        if let Some(n) = id_number(r.id)
            && n <= LAST
        {
            assert!(n >= FIRST, "{} out of range", r.id);
        }
    }
}

#[test]
fn names_unique_kebab_case() {
    let kebab = Regex::new(r"^[a-z0-9]+(?:-[a-z0-9]+)*$").unwrap();
    let mut seen = HashSet::new();
    for r in rules::all() {
        assert!(seen.insert(r.name), "duplicate rule name {}", r.name);
    }
    for r in mine() {
        assert!(
            kebab.is_match(r.name),
            "{}: name {:?} is not kebab-case",
            r.id,
            r.name
        );
        assert!(!r.title.is_empty(), "{}: empty title", r.id);
    }
}

#[test]
fn keywords_non_empty_lowercase_ascii() {
    for r in mine() {
        assert!(!r.keywords.is_empty(), "{}: no keywords", r.id);
        for k in r.keywords {
            assert!(!k.is_empty(), "{}: empty keyword", r.id);
            assert!(k.is_ascii(), "{}: keyword {k:?} is not ASCII", r.id);
            assert_eq!(
                *k,
                k.to_ascii_lowercase(),
                "{}: keyword {k:?} is not lower-case",
                r.id
            );
        }
    }
}

#[test]
fn every_rule_has_examples_near_misses_and_doc_sections() {
    for r in mine() {
        assert!(!r.examples.is_empty(), "{}: no examples", r.id);
        assert!(!r.near_misses.is_empty(), "{}: no near misses", r.id);
        for section in ["## What it finds", "## Why it matters", "## Fix"] {
            assert!(r.doc.contains(section), "{}: doc lacks {section:?}", r.id);
        }
        let what = r.doc.find("## What it finds").unwrap();
        let why = r.doc.find("## Why it matters").unwrap();
        let fix = r.doc.find("## Fix").unwrap();
        assert!(
            what < why && why < fix,
            "{}: doc sections out of order",
            r.id
        );
    }
}

#[test]
fn entropy_minimums_are_sane() {
    for r in mine() {
        if let Some(e) = r.entropy {
            assert!(
                (1.0..=6.0).contains(&e),
                "{}: entropy minimum {e} out of range",
                r.id
            );
        }
    }
}

#[test]
fn examples_contain_a_keyword() {
    for c in compiled() {
        for ex in c.rule.examples {
            assert!(
                c.has_keyword(ex),
                "{} {}: example has none of the keywords {:?}: {ex}",
                c.rule.id,
                c.rule.name,
                c.rule.keywords
            );
        }
    }
}

#[test]
fn examples_pass_the_rule_filters() {
    let mut failures = Vec::new();
    for c in compiled() {
        for ex in c.rule.examples {
            let cands = c.candidates(ex);
            if !cands.iter().any(|k| k.reported) {
                let why: Vec<String> = cands
                    .iter()
                    .map(|k| format!("{:?} (entropy {:.2})", k.secret, k.entropy))
                    .collect();
                failures.push(format!(
                    "{} {}: not reported: {ex:?}; candidates: {why:?}",
                    c.rule.id, c.rule.name
                ));
                continue;
            }
            for k in cands.iter().filter(|k| k.reported) {
                if is_placeholder(k.secret) {
                    failures.push(format!(
                        "{} {}: example secret looks like a placeholder and would be dropped by the global allowlist: {:?}",
                        c.rule.id, c.rule.name, k.secret
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn near_misses_are_rejected_by_the_rule_itself() {
    let mut failures = Vec::new();
    for c in compiled() {
        for nm in c.rule.near_misses {
            for k in c.candidates(nm) {
                if k.reported && !is_placeholder(k.secret) {
                    failures.push(format!(
                        "{} {}: near miss reported: {:?} (entropy {:.2}) in {nm:?}",
                        c.rule.id, c.rule.name, k.secret, k.entropy
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn secrets_are_not_whole_context() {
    // A rule with context (a variable name, a URL) must capture the secret alone, so the engine redacts and
    // measures the right thing: the `secret` group must not start with the keyword context.
    for c in compiled() {
        for ex in c.rule.examples {
            for k in c.candidates(ex).iter().filter(|k| k.reported) {
                assert!(
                    !k.secret.contains('\n') || c.rule.scope == Scope::Text,
                    "{}: line rule captured a newline",
                    c.rule.id
                );
                assert!(
                    !k.secret.contains(" = ") && !k.secret.starts_with("ENV "),
                    "{}: secret includes its context: {:?}",
                    c.rule.id,
                    k.secret
                );
            }
        }
    }
}

/// An engine holding one rule, so its examples and near misses are judged by that rule alone.
fn engine_for(rule: &'static SecretRule) -> Engine {
    let e = Engine::with_rules(ScanConfig::default(), std::slice::from_ref(rule));
    assert!(
        e.rule_errors().is_empty(),
        "{}: {:?}",
        rule.id,
        e.rule_errors()
    );
    e
}

#[test]
fn the_engine_compiles_every_rule() {
    let left_out: Vec<_> = Engine::global()
        .rule_errors()
        .iter()
        .filter(|(id, _)| id_number(id).is_some_and(|n| n <= LAST))
        .collect();
    assert!(
        left_out.is_empty(),
        "rules left out by the engine: {left_out:?}"
    );
}

#[test]
fn the_engine_reports_every_example() {
    let mut failures = Vec::new();
    for rule in mine() {
        let e = engine_for(rule);
        for ex in rule.examples {
            if e.scan_text(ex).is_empty() {
                failures.push(format!("{} {}: not reported: {ex:?}", rule.id, rule.name));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_engine_reports_no_near_miss() {
    let mut failures = Vec::new();
    for rule in mine() {
        let e = engine_for(rule);
        for nm in rule.near_misses {
            for m in e.scan_text(nm) {
                failures.push(format!(
                    "{} {}: reports {} in near miss {nm:?}",
                    rule.id, rule.name, m.redacted
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn with_every_rule_loaded_each_example_stays_with_its_rule() {
    // Dedupe keeps one match per secret; a rule's own examples must be reported by that rule, not by a more
    // generic or overlapping one.
    let e = Engine::global();
    let mut failures = Vec::new();
    for rule in mine() {
        for ex in rule.examples {
            let found = e.scan_text(ex);
            if !found.iter().any(|m| m.rule.id == rule.id) {
                let others: Vec<String> = found
                    .iter()
                    .map(|m| format!("{} {}", m.rule.id, m.rule.name))
                    .collect();
                failures.push(format!(
                    "{} {}: reported as {others:?} instead: {ex:?}",
                    rule.id, rule.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
