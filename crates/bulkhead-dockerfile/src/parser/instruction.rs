//! One instruction: keyword, flags and arguments as BuildKit splits them (`splitCommand` and the line
//! parsers), BuildKit's view of its values (for the dump and the argument checks), and the
//! ENV/LABEL/ARG and HEALTHCHECK helpers.

use std::ops::Range;

use super::json::{self, Json};
use super::lex::Lex;
use super::words::{
    extract_flags, go_quote, go_to_lower, go_to_upper, health_split, is_blank, parse_name_val,
    parse_words, split_blank_runs, trim_range,
};
use super::{Logical, diag};
use crate::ast::{
    Arguments, DiagnosticLevel, Dockerfile, ExecArg, Flag, Healthcheck, HealthcheckKind,
    Instruction, InstructionKind, KeyValue, ParseDiagnostic,
};

/// Deepest `ONBUILD ONBUILD ...` chain kept as nested instructions (BuildKit rejects any chaining).
const MAX_ONBUILD_DEPTH: usize = 8;

/// BuildKit's message for a valid JSON array with a non-string element.
pub(super) const NOT_STRING_ARRAY: &str =
    "when using JSON array syntax, arrays must be comprised of strings only";

/// Result of BuildKit's `parseMaybeJSON`-style detection on `text[range]`.
enum MaybeJson {
    Exec(Vec<json::Element>, usize),
    Shell,
    NotStrings,
}

fn maybe_json(text: &str) -> MaybeJson {
    let t = text.trim_start();
    if !t.starts_with('[') {
        return MaybeJson::Shell;
    }
    let lead = text.len() - t.len();
    match json::decode_array(t) {
        Json::Invalid => MaybeJson::Shell,
        Json::Array { elements, .. } if elements.iter().any(|e| e.value.is_none()) => {
            MaybeJson::NotStrings
        }
        Json::Array { mut elements, end } => {
            for e in &mut elements {
                e.range = e.range.start + lead..e.range.end + lead;
            }
            MaybeJson::Exec(elements, lead + end)
        }
    }
}

/// Exec or shell arguments for `lg.text[range]`, and `false` when BuildKit rejects them (a JSON array
/// with a non-string element; the text is then kept in shell form).
fn arguments(lg: &Logical, range: Range<usize>) -> (Arguments, bool) {
    let text = lg.get(range.clone());
    let shell = || Arguments::Shell {
        text: text.to_string(),
        map: lg.map.slice(range.clone()),
    };
    match maybe_json(text) {
        MaybeJson::Shell => (shell(), true),
        MaybeJson::NotStrings => (shell(), false),
        MaybeJson::Exec(elements, end) => {
            let args = elements
                .into_iter()
                .map(|e| ExecArg {
                    value: e.value.unwrap_or_default(),
                    range: lg.source(range.start + e.range.start..range.start + e.range.end),
                })
                .collect();
            (
                Arguments::Exec {
                    args,
                    range: lg.source(range.start..range.start + end),
                },
                true,
            )
        }
    }
}

/// Splits `lg.text[span]` into keyword, flags and arguments (BuildKit's `splitCommand`) and parses the
/// arguments for the instruction kind.
pub(super) fn build_instruction(
    lg: &Logical,
    span: Range<usize>,
    escape: char,
    diags: &mut Vec<ParseDiagnostic>,
    depth: usize,
) -> Instruction {
    let trimmed = trim_range(&lg.text, span);
    let line = lg.get(trimmed.clone());
    let (cmd, args) = match line.char_indices().find(|&(_, c)| is_blank(c)) {
        None => (trimmed.clone(), None),
        Some((k, _)) => {
            let after = line.get(k..).unwrap_or_default();
            let rest_start =
                trimmed.start + k + (after.len() - after.trim_start_matches(is_blank).len());
            (
                trimmed.start..trimmed.start + k,
                Some(rest_start..trimmed.end),
            )
        }
    };
    let (flag_words, args) = match args {
        None => (Vec::new(), trimmed.end..trimmed.end),
        Some(rest) => {
            let (flags, args_start) = extract_flags(&lg.text, rest.clone(), escape);
            (
                flags,
                trim_range(&lg.text, args_start.min(rest.end)..rest.end),
            )
        }
    };
    let keyword = lg.get(cmd.clone()).to_string();
    let kind = InstructionKind::from_keyword(&keyword);
    let keyword_range = lg.source(cmd.clone());
    let flags = flag_words
        .into_iter()
        .map(|w| {
            let body = w.text.strip_prefix("--").unwrap_or(&w.text);
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (body.to_string(), None),
            };
            Flag {
                name,
                value,
                range: lg.source(
                    lg.text.floor_char_boundary(w.start)..lg.text.ceil_char_boundary(w.end),
                ),
            }
        })
        .collect();
    let text = lg.get(args.clone());
    let shell = || Arguments::Shell {
        text: text.to_string(),
        map: lg.map.slice(args.clone()),
    };
    let args_source = lg.source(args.clone());
    let error_at = if args.is_empty() {
        keyword_range.clone()
    } else {
        args_source.clone()
    };
    let mut onbuild = None;
    let arguments = match kind {
        InstructionKind::Run
        | InstructionKind::Cmd
        | InstructionKind::Entrypoint
        | InstructionKind::Shell
        | InstructionKind::Add
        | InstructionKind::Copy
        | InstructionKind::Volume => {
            let (a, ok) = arguments(lg, args.clone());
            if !ok {
                diags.push(diag(
                    DiagnosticLevel::Error,
                    NOT_STRING_ARRAY,
                    error_at.clone(),
                ));
            }
            a
        }
        InstructionKind::Env | InstructionKind::Label => {
            let name = if kind == InstructionKind::Env {
                "ENV"
            } else {
                "LABEL"
            };
            if let Err(e) = parse_name_val(text, escape, name) {
                diags.push(diag(DiagnosticLevel::Error, e, error_at.clone()));
            }
            shell()
        }
        InstructionKind::Healthcheck => {
            if let Some((_, next)) = health_split(text)
                && matches!(
                    maybe_json(text.get(next..).unwrap_or_default()),
                    MaybeJson::NotStrings
                )
            {
                diags.push(diag(
                    DiagnosticLevel::Error,
                    NOT_STRING_ARRAY,
                    error_at.clone(),
                ));
            }
            shell()
        }
        InstructionKind::Onbuild => {
            if !args.is_empty() {
                if depth < MAX_ONBUILD_DEPTH {
                    onbuild = Some(Box::new(build_instruction(
                        lg,
                        args.clone(),
                        escape,
                        diags,
                        depth + 1,
                    )));
                } else {
                    diags.push(diag(
                        DiagnosticLevel::Error,
                        "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                        error_at.clone(),
                    ));
                }
            }
            shell()
        }
        InstructionKind::Unknown => {
            diags.push(diag(
                DiagnosticLevel::Warning,
                format!("unknown instruction: {keyword}"),
                keyword_range.clone(),
            ));
            shell()
        }
        _ => shell(),
    };
    Instruction {
        kind,
        keyword,
        keyword_range: keyword_range.clone(),
        range: keyword_range.start..args_source.end.max(keyword_range.end),
        start_line: 0,
        end_line: 0,
        flags,
        args: arguments,
        heredocs: Vec::new(),
        onbuild,
        comments_before: Vec::new(),
        escape,
    }
}

/// A value node of BuildKit's AST for an instruction (what its `Dump` prints after the flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeValue<'a> {
    Str(String),
    Child(&'a Instruction),
}

/// The values BuildKit's parser puts after the keyword and flags of `ins`, or BuildKit's error message
/// when its parser rejects the instruction.
pub fn node_values(ins: &Instruction) -> Result<Vec<NodeValue<'_>>, String> {
    use NodeValue::Str;
    let text = ins.args.shell_text().unwrap_or_default();
    let exec = |ins: &Instruction| match &ins.args {
        Arguments::Exec { args, .. } => Some(
            args.iter()
                .map(|a| Str(a.value.clone()))
                .collect::<Vec<_>>(),
        ),
        Arguments::Shell { .. } => None,
    };
    let not_strings = matches!(maybe_json(text), MaybeJson::NotStrings);
    Ok(match ins.kind {
        InstructionKind::Run
        | InstructionKind::Cmd
        | InstructionKind::Entrypoint
        | InstructionKind::Shell => {
            if let Some(v) = exec(ins) {
                v
            } else if not_strings {
                return Err(NOT_STRING_ARRAY.into());
            } else if text.is_empty() {
                Vec::new()
            } else {
                vec![Str(text.to_string())]
            }
        }
        InstructionKind::Add | InstructionKind::Copy | InstructionKind::Volume => {
            if let Some(v) = exec(ins) {
                v
            } else if not_strings {
                return Err(NOT_STRING_ARRAY.into());
            } else {
                blank_words(text)
            }
        }
        InstructionKind::From | InstructionKind::Expose => blank_words(text),
        InstructionKind::Env | InstructionKind::Label => {
            let name = if ins.kind == InstructionKind::Env {
                "ENV"
            } else {
                "LABEL"
            };
            let mut out = Vec::new();
            for nv in parse_name_val(text, ins.escape, name)? {
                out.push(Str(text.get(nv.key).unwrap_or_default().to_string()));
                out.push(Str(text.get(nv.value).unwrap_or_default().to_string()));
                out.push(Str(if nv.legacy { String::new() } else { "=".into() }));
            }
            out
        }
        InstructionKind::Arg => parse_words(text, ins.escape)
            .into_iter()
            .map(|w| Str(w.text))
            .collect(),
        InstructionKind::Maintainer
        | InstructionKind::User
        | InstructionKind::Workdir
        | InstructionKind::Stopsignal => {
            if text.is_empty() {
                Vec::new()
            } else {
                vec![Str(text.to_string())]
            }
        }
        InstructionKind::Healthcheck => match health_split(text) {
            None => Vec::new(),
            Some((typ, next)) => {
                let rest = text.get(next..).unwrap_or_default();
                let mut out = vec![Str(text.get(typ).unwrap_or_default().to_string())];
                match maybe_json(rest) {
                    MaybeJson::NotStrings => return Err(NOT_STRING_ARRAY.into()),
                    MaybeJson::Exec(elements, _) => out.extend(
                        elements
                            .into_iter()
                            .map(|e| Str(e.value.unwrap_or_default())),
                    ),
                    MaybeJson::Shell if rest.is_empty() => {}
                    MaybeJson::Shell => out.push(Str(rest.to_string())),
                }
                out
            }
        },
        InstructionKind::Onbuild => match ins.onbuild.as_deref() {
            Some(inner) => {
                node_values(inner)?;
                vec![NodeValue::Child(inner)]
            }
            None if text.is_empty() => Vec::new(),
            None => return Err("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into()),
        },
        InstructionKind::Unknown => vec![Str(String::new())],
    })
}

fn blank_words(text: &str) -> Vec<NodeValue<'static>> {
    split_blank_runs(text)
        .into_iter()
        .map(|r| NodeValue::Str(text.get(r).unwrap_or_default().to_string()))
        .collect()
}

/// Dumps the tree in BuildKit's test format (`(from "ubuntu")`, `(copy ["--from=x"] "a" "b")`...), one
/// instruction per line.
pub fn dump(df: &Dockerfile) -> String {
    let mut out = String::new();
    for ins in &df.instructions {
        out.push('(');
        out.push_str(&dump_instruction(ins));
        out.push_str(")\n");
    }
    out
}

fn dump_instruction(ins: &Instruction) -> String {
    let mut s = go_to_lower(&ins.keyword);
    if !ins.flags.is_empty() {
        let flags: Vec<String> = ins
            .flags
            .iter()
            .map(|f| match &f.value {
                Some(v) => go_quote(&format!("--{}={}", f.name, v)),
                None => go_quote(&format!("--{}", f.name)),
            })
            .collect();
        s.push_str(" [");
        s.push_str(&flags.join(" "));
        s.push(']');
    }
    for v in node_values(ins).unwrap_or_default() {
        match v {
            NodeValue::Str(v) => {
                s.push(' ');
                s.push_str(&go_quote(&v));
            }
            NodeValue::Child(c) => {
                s.push_str(" (");
                s.push_str(&dump_instruction(c));
                s.push(')');
            }
        }
    }
    s.trim().to_string()
}

/// Decodes a word the way BuildKit expands ENV/LABEL/ARG keys and values (variables left as written);
/// text BuildKit cannot process is returned unchanged.
fn expand_word(word: &str, escape: char) -> String {
    let lex = Lex {
        escape,
        raw_quotes: false,
        raw_escapes: false,
    };
    lex.process(word)
        .map(|p| p.result)
        .unwrap_or_else(|_| word.to_string())
}

pub(crate) fn key_values(ins: &Instruction) -> Vec<KeyValue> {
    let Arguments::Shell { text, map } = &ins.args else {
        return Vec::new();
    };
    let kv = |key: Range<usize>, value: Option<Range<usize>>| {
        let k = text.get(key.clone()).unwrap_or_default();
        let raw = value
            .as_ref()
            .map(|v| text.get(v.clone()).unwrap_or_default().to_string());
        KeyValue {
            key: expand_word(k, ins.escape),
            value: raw.as_deref().map(|r| expand_word(r, ins.escape)),
            key_range: map.range_to_source(key),
            value_range: value.map(|v| map.range_to_source(v)),
            raw_value: raw,
        }
    };
    match ins.kind {
        InstructionKind::Env | InstructionKind::Label => parse_name_val(text, ins.escape, "")
            .map(|pairs| {
                pairs
                    .into_iter()
                    .map(|nv| kv(nv.key, Some(nv.value)))
                    .collect()
            })
            .unwrap_or_default(),
        InstructionKind::Arg => parse_words(text, ins.escape)
            .into_iter()
            .map(|w| match w.text.find('=') {
                Some(eq) => kv(
                    w.start..w.start + eq,
                    Some((w.start + eq + 1).min(w.end)..w.end),
                ),
                None => kv(w.start..w.end, None),
            })
            .collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn healthcheck(ins: &Instruction) -> Option<Healthcheck> {
    if ins.kind != InstructionKind::Healthcheck {
        return None;
    }
    let Arguments::Shell { text, map } = &ins.args else {
        return None;
    };
    let (typ, next) = health_split(text)?;
    let type_word = text.get(typ.clone()).unwrap_or_default().to_string();
    let kind = match go_to_upper(&type_word).as_str() {
        "NONE" => HealthcheckKind::None,
        "CMD" => HealthcheckKind::Cmd,
        _ => HealthcheckKind::Other,
    };
    let rest = next..text.len();
    let command = if rest.is_empty() {
        None
    } else {
        let lg = Logical {
            text: text.clone(),
            map: map.clone(),
        };
        Some(arguments(&lg, rest).0)
    };
    Some(Healthcheck {
        kind,
        type_word,
        type_range: map.range_to_source(typ),
        command,
    })
}
