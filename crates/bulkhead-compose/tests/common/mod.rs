//! Test support for the rule tests: YAML text to a positioned [`Node`] tree and a [`Project`].
//!
//! This is a stand-in for the loader: plain YAML only (no merge, interpolation, anchors or profiles).
//! Once `bulkhead_compose::load::load` is in, [`project`] can call it instead; nothing else changes.

#![allow(dead_code)]

use bulkhead_compose::rules::{ComposeCheckContext, ComposeCheckOptions, check_rules, registry};
use bulkhead_compose::{Key, Node, Pos, Project, SourceFile, Value};
use bulkhead_core::{Finding, Policy, Profile, Severity};
use granit_parser::{Event, Marker, Parser, ScalarStyle};
use std::path::{Path, PathBuf};

/// The rule fixtures' directory (the project directory of every fixture).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

/// Loads `tests/fixtures/rules/<name>` with the real loader (interpolation from an empty environment, so
/// the fixtures do not depend on the machine's variables).
pub fn project(name: &str) -> Project {
    let path = fixtures().join(name);
    let project = bulkhead_compose::load::load(
        std::slice::from_ref(&path),
        &bulkhead_compose::load::LoadOptions {
            env: Some(Vec::new()),
            ..Default::default()
        },
    );
    assert!(
        project.model.is_some(),
        "{}: {:?}",
        path.display(),
        project.diagnostics
    );
    project
}

/// A project from YAML text, as if read from `path`.
pub fn project_from_text(path: &Path, text: &str) -> Project {
    Project {
        files: vec![SourceFile {
            path: path.to_path_buf(),
            text: text.to_string(),
        }],
        model: yaml_to_node(text, 0),
        diagnostics: Vec::new(),
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
    }
}

fn pos(m: &Marker, file: usize) -> Pos {
    Pos {
        file,
        line: m.line(),
        column: m.col() + 1,
        offset: m.byte_offset().unwrap_or(m.index()),
    }
}

fn plain_scalar(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => {
            if let Ok(i) = s.parse::<i64>() {
                Value::Int(i)
            } else if s.contains('.') && s.parse::<f64>().is_ok() {
                Value::Float(s.parse::<f64>().unwrap_or_default())
            } else {
                Value::Str(s.to_string())
            }
        }
    }
}

enum Frame {
    Seq(Vec<Node>, Pos),
    Map(Vec<(Key, Node)>, Option<Key>, Pos),
}

fn push(stack: &mut [Frame], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some(Frame::Seq(items, _)) => items.push(node),
        Some(Frame::Map(entries, pending, _)) => match pending.take() {
            Some(k) => entries.push((k, node)),
            None => {
                *pending = Some(Key {
                    name: node.scalar_text().unwrap_or_default(),
                    pos: node.pos,
                })
            }
        },
        None => *root = Some(node),
    }
}

/// The first document of `text` as a node tree, or `None` when it does not parse.
pub fn yaml_to_node(text: &str, file: usize) -> Option<Node> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut root = None;
    for ev in Parser::new_from_str(text) {
        let (event, span) = ev.ok()?;
        let start = pos(&span.start, file);
        let end = Some(pos(&span.end, file));
        match event {
            Event::Scalar(s, style, _, _) => {
                let value = if style == ScalarStyle::Plain {
                    plain_scalar(&s)
                } else {
                    Value::Str(s.to_string())
                };
                push(
                    &mut stack,
                    &mut root,
                    Node {
                        value,
                        pos: start,
                        end,
                    },
                );
            }
            Event::Alias(_) => push(
                &mut stack,
                &mut root,
                Node {
                    value: Value::Null,
                    pos: start,
                    end,
                },
            ),
            Event::SequenceStart(..) => stack.push(Frame::Seq(Vec::new(), start)),
            Event::MappingStart(..) => stack.push(Frame::Map(Vec::new(), None, start)),
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match stack.pop()? {
                    Frame::Seq(items, p) => Node {
                        value: Value::Seq(items),
                        pos: p,
                        end,
                    },
                    Frame::Map(entries, _, p) => Node {
                        value: Value::Map(entries),
                        pos: p,
                        end,
                    },
                };
                push(&mut stack, &mut root, node);
            }
            Event::DocumentEnd if root.is_some() => break,
            _ => {}
        }
    }
    root
}

/// Runs the rules matching `selector` (an id, or `ALL`) that the profile enables over a project, with the
/// profile's severities.
pub fn run(selector: &str, project: &Project, profile: Profile) -> Vec<Finding> {
    let options = ComposeCheckOptions { profile };
    let ctx = ComposeCheckContext {
        project,
        options: &options,
    };
    let policy = Policy::new(profile);
    let rules: Vec<_> = registry()
        .into_iter()
        .filter(|r| r.meta().matches(selector) && policy.rule_enabled(r.meta()))
        .collect();
    let metas: Vec<_> = rules.iter().map(|r| r.meta()).collect();
    policy.apply(check_rules(&ctx, &rules), |id| {
        metas.iter().copied().find(|m| m.id == id)
    })
}

/// The service a finding is about (`services.<name>` → `<name>`).
pub fn service(f: &Finding) -> &str {
    f.location
        .object
        .as_deref()
        .and_then(|o| o.strip_prefix("services."))
        .unwrap_or("")
}

/// The services reported, in order, deduplicated.
pub fn reported(findings: &[Finding]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in findings {
        if !out.iter().any(|s| s == service(f)) {
            out.push(service(f).to_string());
        }
    }
    out
}

/// The services of a project whose names start with `bad`.
pub fn bad_services(project: &Project) -> Vec<String> {
    project
        .services()
        .into_iter()
        .map(|(n, _)| n.to_string())
        .filter(|n| n.starts_with("bad"))
        .collect()
}

/// The line a finding points at.
pub fn line(f: &Finding) -> usize {
    f.location.span.as_ref().map(|s| s.start_line).unwrap_or(0)
}

/// The highest severity among findings.
pub fn max_severity(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}
