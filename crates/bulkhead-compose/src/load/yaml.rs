//! YAML text → [`Node`] with positions: anchors and aliases, merge keys (`<<`), YAML 1.2 core scalars,
//! duplicate keys, syntax errors, and interpolation of string scalars.

use crate::node::{Key, Node, Pos, Value};
use granit_parser::{Event, Marker, Parser, ScalarStyle, Span};
use std::collections::HashMap;

/// A problem found while reading one file: 1-based line and column (0 for the whole file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// 1-based; 0 for the whole file.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// How string scalars are rewritten (interpolation); `Err` is a message reported at the scalar.
pub type Rewrite<'a> = &'a dyn Fn(&str) -> Result<String, String>;

/// Most nested collections accepted (hostile input guard).
const MAX_DEPTH: usize = 256;
/// Most nodes produced by alias expansion (billion-laughs guard).
const MAX_NODES: usize = 1_000_000;

/// The compose merge tags: `!reset` (drop what earlier files set) and `!override` (replace instead of
/// merging).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeTag {
    /// `!reset`: the attribute is removed.
    Reset,
    /// `!override`: the attribute replaces the earlier one instead of merging with it.
    Override,
}

/// A merge tag and the key path of its node (`None` segments: sequence items).
pub type TaggedPath = (Vec<Option<String>>, MergeTag);

/// A file parsed: one node per document, problems, and the merge tags with the key path of their node
/// (`None` segments: sequence items).
#[derive(Debug, Default)]
pub struct Parsed {
    /// One node per YAML document.
    pub docs: Vec<Node>,
    /// Syntax errors, duplicate keys, interpolation errors.
    pub problems: Vec<FileProblem>,
    /// The `!reset` / `!override` tags.
    pub tags: Vec<TaggedPath>,
}

/// Parse `text` (file index `file`) into one node per YAML document.
pub fn parse(
    text: &str,
    file: usize,
    rewrite: Option<Rewrite<'_>>,
) -> (Vec<Node>, Vec<FileProblem>) {
    let p = parse_tagged(text, file, rewrite);
    (p.docs, p.problems)
}

/// [`parse`], with the merge tags.
pub fn parse_tagged(text: &str, file: usize, rewrite: Option<Rewrite<'_>>) -> Parsed {
    let mut b = Builder {
        tags: Vec::new(),
        text,
        line_starts: line_starts(text),
        file,
        rewrite,
        anchors: HashMap::new(),
        problems: Vec::new(),
        stack: Vec::new(),
        docs: Vec::new(),
        nodes: 0,
    };
    let mut parser = Parser::new_from_str(text);
    for item in parser.by_ref() {
        match item {
            Ok((ev, span)) => {
                if let Err(msg) = b.event(ev, span) {
                    b.problems.push(FileProblem {
                        line: span.start.line(),
                        column: span.start.col() + 1,
                        message: msg,
                    });
                    b.stack.clear();
                    break;
                }
            }
            Err(e) => {
                b.problems.push(FileProblem {
                    line: e.marker().line().max(1),
                    column: e.marker().col() + 1,
                    message: format!("invalid YAML: {}", e.info()),
                });
                b.stack.clear();
                break;
            }
        }
    }
    Parsed {
        docs: b.docs,
        problems: b.problems,
        tags: b.tags,
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    v
}

/// A collection being built.
enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
    },
    Map {
        entries: Vec<(Key, Node)>,
        /// Index by key name into `entries`.
        seen: HashMap<String, usize>,
        /// Maps from merge keys, in priority order.
        merges: Vec<Node>,
        pending_key: Option<PendingKey>,
        pos: Pos,
        anchor: usize,
    },
}

/// A key read, waiting for its value.
struct PendingKey {
    key: Key,
    merge: bool,
}

struct Builder<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    file: usize,
    rewrite: Option<Rewrite<'a>>,
    anchors: HashMap<usize, Node>,
    problems: Vec<FileProblem>,
    stack: Vec<Frame>,
    docs: Vec<Node>,
    nodes: usize,
    tags: Vec<TaggedPath>,
}

impl Builder<'_> {
    fn pos(&self, m: &Marker) -> Pos {
        let line = m.line().max(1);
        let column = m.col() + 1;
        let offset = match m.byte_offset() {
            Some(b) => b,
            None => {
                let start = self
                    .line_starts
                    .get(line - 1)
                    .copied()
                    .unwrap_or(self.text.len());
                let rest = self.text.get(start..).unwrap_or("");
                start
                    + rest
                        .char_indices()
                        .nth(m.col())
                        .map(|(i, _)| i)
                        .unwrap_or(rest.len())
            }
        };
        Pos {
            file: self.file,
            line,
            column,
            offset,
        }
    }

    fn event(&mut self, ev: Event<'_>, span: Span) -> Result<(), String> {
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let pos = self.pos(&span.start);
                let end = Some(self.pos(&span.end));
                // A key?
                if let Some(Frame::Map { pending_key, .. }) = self.stack.last_mut()
                    && pending_key.is_none()
                {
                    let merge = text == "<<" && style == ScalarStyle::Plain;
                    *pending_key = Some(PendingKey {
                        key: Key {
                            name: text.into_owned(),
                            pos,
                        },
                        merge,
                    });
                    return Ok(());
                }
                let tag_str = tag
                    .as_ref()
                    .and_then(|t| t.core_suffix().map(str::to_owned));
                let mut value = scalar_value(&text, style, tag_str.as_deref());
                if let (Value::Str(s), Some(rw)) = (&value, self.rewrite)
                    && s.contains('$')
                {
                    match rw(s) {
                        Ok(new) => {
                            value = if style == ScalarStyle::Plain && tag_str.is_none() {
                                match scalar_value(&new, style, None) {
                                    Value::Null => Value::Str(new),
                                    v => v,
                                }
                            } else {
                                Value::Str(new)
                            }
                        }
                        Err(msg) => self.problems.push(FileProblem {
                            line: pos.line,
                            column: pos.column,
                            message: msg,
                        }),
                    }
                }
                let node = Node { value, pos, end };
                if anchor != 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.add(node, false)
            }
            Event::Alias(id) => {
                let node = match self.anchors.get(&id) {
                    Some(n) => n.clone(),
                    None => return Err("alias to an unknown anchor".into()),
                };
                self.nodes += count(&node);
                if self.nodes > MAX_NODES {
                    return Err(format!("aliases expand to more than {MAX_NODES} nodes"));
                }
                self.add(node, true)
            }
            Event::UnresolvedAlias(name) => Err(format!("unknown anchor `{name}`")),
            Event::SequenceStart(_, anchor, tag) => {
                self.open_key_check()?;
                self.record_tag(tag.as_deref());
                self.depth_check()?;
                let pos = self.pos(&span.start);
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    pos,
                    anchor,
                });
                Ok(())
            }
            Event::MappingStart(_, anchor, tag) => {
                self.open_key_check()?;
                self.record_tag(tag.as_deref());
                self.depth_check()?;
                let pos = self.pos(&span.start);
                self.stack.push(Frame::Map {
                    entries: Vec::new(),
                    seen: HashMap::new(),
                    merges: Vec::new(),
                    pending_key: None,
                    pos,
                    anchor,
                });
                Ok(())
            }
            Event::SequenceEnd => {
                let end = Some(self.pos(&span.end));
                match self.stack.pop() {
                    Some(Frame::Seq { items, pos, anchor }) => {
                        let node = Node {
                            value: Value::Seq(items),
                            pos,
                            end,
                        };
                        self.finish(node, anchor)
                    }
                    _ => Err("unbalanced sequence end".into()),
                }
            }
            Event::MappingEnd => {
                let end = Some(self.pos(&span.end));
                match self.stack.pop() {
                    Some(Frame::Map {
                        mut entries,
                        mut seen,
                        merges,
                        pos,
                        anchor,
                        ..
                    }) => {
                        for m in merges {
                            if let Value::Map(src) = m.value {
                                for (k, v) in src {
                                    if !seen.contains_key(&k.name) {
                                        seen.insert(k.name.clone(), entries.len());
                                        entries.push((k, v));
                                    }
                                }
                            }
                        }
                        let node = Node {
                            value: Value::Map(entries),
                            pos,
                            end,
                        };
                        self.finish(node, anchor)
                    }
                    _ => Err("unbalanced mapping end".into()),
                }
            }
            Event::DocumentEnd => {
                self.stack.clear();
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Note a `!reset` / `!override` tag on the node starting now.
    fn record_tag(&mut self, tag: Option<&granit_parser::Tag>) {
        let kind = match tag {
            Some(t) if t.handle() == "!" && t.suffix() == "reset" => MergeTag::Reset,
            Some(t) if t.handle() == "!" && t.suffix() == "override" => MergeTag::Override,
            _ => return,
        };
        let path = self
            .stack
            .iter()
            .map(|f| match f {
                Frame::Map { pending_key, .. } => pending_key.as_ref().map(|k| k.key.name.clone()),
                Frame::Seq { .. } => None,
            })
            .collect();
        self.tags.push((path, kind));
    }

    fn depth_check(&self) -> Result<(), String> {
        if self.stack.len() >= MAX_DEPTH {
            Err(format!("nesting deeper than {MAX_DEPTH} levels"))
        } else {
            Ok(())
        }
    }

    /// A collection opening where a key is expected: a complex key, which compose does not accept.
    fn open_key_check(&self) -> Result<(), String> {
        if let Some(Frame::Map {
            pending_key: None, ..
        }) = self.stack.last()
        {
            return Err("a mapping key must be a scalar (compose keys are strings)".into());
        }
        Ok(())
    }

    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), String> {
        self.nodes += 1;
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        self.add(node, false)
    }

    /// Put a finished node into its parent (or as a document).
    fn add(&mut self, node: Node, _alias: bool) -> Result<(), String> {
        let Some(top) = self.stack.last_mut() else {
            self.docs.push(node);
            return Ok(());
        };
        match top {
            Frame::Seq { items, .. } => items.push(node),
            Frame::Map {
                entries,
                seen,
                merges,
                pending_key,
                ..
            } => match pending_key.take() {
                None => {
                    // An alias in key position.
                    return Err("a mapping key must be a scalar, not an alias".into());
                }
                Some(PendingKey { merge: true, key }) => match node.value {
                    Value::Map(_) => merges.push(node),
                    Value::Seq(items) => {
                        for it in items {
                            if matches!(it.value, Value::Map(_)) {
                                merges.push(it);
                            } else {
                                self.problems.push(FileProblem {
                                    line: it.pos.line,
                                    column: it.pos.column,
                                    message: "merge key `<<`: each item must be a mapping".into(),
                                });
                            }
                        }
                    }
                    _ => self.problems.push(FileProblem {
                        line: key.pos.line,
                        column: key.pos.column,
                        message: "merge key `<<` needs a mapping or a sequence of mappings".into(),
                    }),
                },
                Some(PendingKey { key: k, .. }) => {
                    if let Some(&i) = seen.get(&k.name) {
                        let first = entries.get(i).map(|(k, _)| k.pos.line).unwrap_or(0);
                        self.problems.push(FileProblem {
                            line: k.pos.line,
                            column: k.pos.column,
                            message: format!(
                                "duplicate key `{}` at line {} (first defined at line {}); the first is kept",
                                k.name, k.pos.line, first
                            ),
                        });
                    } else {
                        seen.insert(k.name.clone(), entries.len());
                        entries.push((k, node));
                    }
                }
            },
        }
        Ok(())
    }
}

fn count(n: &Node) -> usize {
    match &n.value {
        Value::Seq(s) => 1 + s.iter().map(count).sum::<usize>(),
        Value::Map(m) => 1 + m.iter().map(|(_, v)| count(v)).sum::<usize>(),
        _ => 1,
    }
}

/// The value of a scalar under the YAML 1.2 core schema (what go-yaml v3 does for compose): only
/// `true`/`false` are booleans (`yes`/`no`/`on`/`off` stay strings).
pub fn scalar_value(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("str") => return Value::Str(text.to_owned()),
        Some("int") => {
            return parse_int(text)
                .map(Value::Int)
                .unwrap_or_else(|| Value::Str(text.to_owned()));
        }
        Some("float") => {
            return parse_float(text)
                .map(Value::Float)
                .unwrap_or_else(|| Value::Str(text.to_owned()));
        }
        Some("bool") => {
            return match text {
                "true" | "True" | "TRUE" => Value::Bool(true),
                "false" | "False" | "FALSE" => Value::Bool(false),
                _ => Value::Str(text.to_owned()),
            };
        }
        Some("null") => return Value::Null,
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Value::Str(text.to_owned());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(i) = parse_int(text) {
        return Value::Int(i);
    }
    if let Some(f) = parse_float(text) {
        return Value::Float(f);
    }
    Value::Str(text.to_owned())
}

fn parse_int(t: &str) -> Option<i64> {
    if let Some(h) = t.strip_prefix("0x") {
        return i64::from_str_radix(h, 16).ok();
    }
    if let Some(o) = t.strip_prefix("0o") {
        return i64::from_str_radix(o, 8).ok();
    }
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

fn parse_float(t: &str) -> Option<f64> {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    match body {
        ".inf" | ".Inf" | ".INF" => {
            return Some(if t.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        ".nan" | ".NaN" | ".NAN" if body.len() == t.len() => return Some(f64::NAN),
        _ => {}
    }
    // [0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)? with at least one digit in the mantissa.
    let b = body.as_bytes();
    let mut i = 0;
    let mut mant = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        mant += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            mant += 1;
        }
    }
    if mant == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == s {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    t.parse().ok()
}
