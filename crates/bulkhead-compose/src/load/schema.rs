//! Validation against the Compose Specification JSON schema (vendored in `schema/compose-spec.json`),
//! each error mapped back to the position of the node it is about.

use crate::node::{Node, Pos, Value};
use jsonschema::Validator;
use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use std::sync::OnceLock;

/// The schema text (Apache-2.0, The Compose Specification Authors; see `schema/README.md`).
pub const COMPOSE_SCHEMA: &str = include_str!("../../schema/compose-spec.json");

/// Most schema errors reported per project.
const MAX_ERRORS: usize = 100;

fn validator() -> Option<&'static Validator> {
    static V: OnceLock<Option<Validator>> = OnceLock::new();
    V.get_or_init(|| {
        let schema: serde_json::Value = serde_json::from_str(COMPOSE_SCHEMA).ok()?;
        jsonschema::validator_for(&schema).ok()
    })
    .as_ref()
}

/// Whether the vendored schema compiled (it always should).
pub fn schema_available() -> bool {
    validator().is_some()
}

/// The model as JSON.
pub fn to_json(n: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &n.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(J::Number)
            .unwrap_or(J::Null),
        Value::Str(s) => J::String(s.clone()),
        Value::Seq(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(m) => J::Object(
            m.iter()
                .map(|(k, v)| (k.name.clone(), to_json(v)))
                .collect(),
        ),
    }
}

/// A schema violation: where, the dotted path (`services.web.ports[0]`), the message.
#[derive(Debug, Clone)]
pub struct SchemaError {
    /// The node (or, for an unknown or empty key, the key) the error is about.
    pub pos: Pos,
    /// The dotted path: `services.web.ports[0]`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Validate a model.
pub fn validate(model: &Node) -> Vec<SchemaError> {
    let Some(v) = validator() else {
        return Vec::new();
    };
    let json = to_json(model);
    let mut out = Vec::new();
    for top in v.iter_errors(&json).take(MAX_ERRORS) {
        let err = most_specific(&top);
        let mut node = model;
        let mut key_pos: Option<Pos> = None;
        let mut path = String::new();
        for seg in err.instance_path().segments() {
            match seg {
                LocationSegment::Property(name) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&name);
                    if let Some((k, n)) = node.entry(&name) {
                        node = n;
                        key_pos = Some(k.pos);
                    }
                }
                LocationSegment::Index(i) => {
                    path.push_str(&format!("[{i}]"));
                    if let Some(n) = node.as_seq().and_then(|s| s.get(i)) {
                        node = n;
                        key_pos = None;
                    }
                }
            }
        }
        // An empty value (`nil:`) is reported at its key.
        let mut pos = match key_pos {
            Some(k) if node.is_null() => k,
            _ => node.pos,
        };
        let message = match err.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                if let Some((k, _)) = unexpected.first().and_then(|u| node.entry(u)) {
                    pos = k.pos;
                }
                let list: Vec<String> = unexpected.iter().map(|u| format!("`{u}`")).collect();
                format!(
                    "unknown key{} {} (not in the compose specification; extensions start with `x-`)",
                    if list.len() > 1 { "s" } else { "" },
                    list.join(", ")
                )
            }
            _ => shorten(&err.to_string()),
        };
        out.push(SchemaError { pos, path, message });
    }
    out
}

/// For `oneOf`/`anyOf` failures, the error of a branch that went deepest into the instance (the branch
/// the author most likely meant), when it is deeper than the failure itself.
fn most_specific<'e>(
    err: &'e jsonschema::ValidationError<'e>,
) -> &'e jsonschema::ValidationError<'e> {
    let context = match err.kind() {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            context
        }
        _ => return err,
    };
    let depth = |e: &jsonschema::ValidationError<'_>| e.instance_path().segments().count();
    let mut best = err;
    for branch in context {
        for e in branch {
            let cand = most_specific(e);
            if depth(cand) > depth(best) {
                best = cand;
            }
        }
    }
    best
}

fn shorten(s: &str) -> String {
    const MAX: usize = 240;
    if s.len() <= MAX {
        return s.to_owned();
    }
    let mut cut = MAX;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...", &s[..cut])
}
