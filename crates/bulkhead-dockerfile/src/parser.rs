//! BuildKit-compatible Dockerfile parser.
//!
//! The parser reproduces BuildKit's `frontend/dockerfile/parser` (and the argument checks of its
//! `instructions` package) line by line: parser directives at the top, a BOM on the first line, CRLF line
//! endings, comment lines, line continuation with the escape token (the continuation line's leading blanks
//! kept, comment lines and empty lines inside a continuation dropped), the instruction keyword and its
//! leading `--flags`, JSON (exec) versus shell form, ENV/LABEL/ARG splitting, HEALTHCHECK, ONBUILD and
//! heredocs. Unlike BuildKit it never stops at the first problem: every problem BuildKit reports becomes an
//! [`DiagnosticLevel::Error`] diagnostic and parsing goes on with the next instruction.
//!
//! Every node keeps byte offsets into [`Dockerfile::text`]. Arguments are kept as BuildKit sees them (the
//! continuation-joined "logical" text) together with a [`SegmentMap`] back to the source.
//!
//! The parser is linear in the size of the input and never panics.

mod json;
mod lex;
mod words;

use std::ops::Range;

use bulkhead_core::text::LineIndex;

use crate::ast::{
    Arguments, ByteRange, Comment, DiagnosticLevel, Directive, Dockerfile, ExecArg, Flag,
    Healthcheck, HealthcheckKind, Heredoc, Instruction, InstructionKind, KeyValue, ParseDiagnostic,
    Segment, SegmentMap,
};
use json::Json;
use lex::Lex;
pub(crate) use words::split_blank_runs;
use words::{
    extract_flags, go_to_upper, health_split, is_blank, parse_name_val, parse_words, trim_range,
};
pub use words::{go_quote, go_to_lower};

/// BuildKit reads lines with a `bufio.Scanner` whose longest token is 64 KiB; a longer line is an error.
const MAX_LINE_LEN: usize = 65_535;

/// Deepest `ONBUILD ONBUILD ...` chain kept as nested instructions (BuildKit rejects any chaining).
const MAX_ONBUILD_DEPTH: usize = 8;

/// BuildKit's message for a valid JSON array with a non-string element.
const NOT_STRING_ARRAY: &str =
    "when using JSON array syntax, arrays must be comprised of strings only";

/// Parses Dockerfile text. Never fails: problems are diagnostics in the result.
pub fn parse(text: &str) -> Dockerfile {
    let overlong = first_overlong_line(text.as_bytes());
    parse_text(text.to_string(), overlong)
}

/// Parses raw bytes (invalid UTF-8 is replaced by U+FFFD, with a warning).
pub fn parse_bytes(bytes: &[u8]) -> Dockerfile {
    let overlong = first_overlong_line(bytes);
    let mut text = String::with_capacity(bytes.len());
    let mut first_invalid: Option<usize> = None;
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            first_invalid.get_or_insert(text.len());
            text.push('\u{fffd}');
        }
    }
    let mut df = parse_text(text, overlong);
    if let Some(at) = first_invalid {
        df.diagnostics.push(ParseDiagnostic {
            level: DiagnosticLevel::Warning,
            message: "invalid UTF-8 in the Dockerfile (replaced by U+FFFD)".into(),
            range: at..at + '\u{fffd}'.len_utf8(),
        });
    }
    df
}

/// Index of the first physical line BuildKit's line scanner cannot read.
fn first_overlong_line(bytes: &[u8]) -> Option<usize> {
    let mut start = 0usize;
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.len() > MAX_LINE_LEN && start < bytes.len() {
            return Some(n);
        }
        start += line.len() + 1;
    }
    None
}

/// One physical line: `start..content_end` without the trailing `\r`/`\n` characters, `end` after the `\n`.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    content_end: usize,
    end: usize,
}

fn split_lines(text: &str) -> Vec<Line> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0usize;
    while start < bytes.len() {
        let nl = bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'));
        let end = nl.map(|p| start + p + 1).unwrap_or(bytes.len());
        let mut content_end = end;
        while content_end > start && matches!(bytes.get(content_end - 1), Some(b'\n' | b'\r')) {
            content_end -= 1;
        }
        lines.push(Line {
            start,
            content_end,
            end,
        });
        start = end;
    }
    lines
}

/// A continuation-joined line and its map back to the source.
#[derive(Debug, Default)]
struct Logical {
    text: String,
    map: SegmentMap,
}

impl Logical {
    fn push(&mut self, src: &str, range: Range<usize>) {
        let Some(piece) = src.get(range.clone()) else {
            return;
        };
        if piece.is_empty() {
            return;
        }
        self.map.segments.push(Segment {
            logical_start: self.text.len(),
            source_start: range.start,
            len: piece.len(),
        });
        self.text.push_str(piece);
    }

    fn source(&self, r: Range<usize>) -> ByteRange {
        self.map.range_to_source(r)
    }

    fn get(&self, r: Range<usize>) -> &str {
        self.text.get(r).unwrap_or_default()
    }
}

/// BuildKit's continuation regex ``([^\\])\\[ \t]*$|^\\[ \t]*$`` (with the escape token): returns where the
/// kept text ends and whether the line continues.
fn trim_continuation(line: &str, escape: char) -> (usize, bool) {
    let t = line.trim_end_matches([' ', '\t']);
    let Some(before) = t.strip_suffix(escape) else {
        return (line.len(), false);
    };
    if before.ends_with(escape) {
        // An escaped escape token is not a continuation (the first alternative needs a non-escape
        // character before it, the second needs the token at the start of the line).
        return (line.len(), false);
    }
    (before.len(), true)
}

/// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` (RE2's `\s` is `[\t\n\f\r ]`): name and value ranges.
fn match_directive(token: &str) -> Option<(Range<usize>, Range<usize>)> {
    let re_s = |b: u8| matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' ');
    let b = token.as_bytes();
    if b.first() != Some(&b'#') {
        return None;
    }
    let mut i = 1;
    while b.get(i).copied().is_some_and(re_s) {
        i += 1;
    }
    let name_start = i;
    if !b.get(i).is_some_and(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    while b.get(i).is_some_and(|c| c.is_ascii_alphanumeric()) {
        i += 1;
    }
    let name = name_start..i;
    while b.get(i).copied().is_some_and(re_s) {
        i += 1;
    }
    if b.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    let rest = b.get(i..)?;
    if rest.is_empty() {
        return None;
    }
    let lead = rest.iter().take_while(|&&c| re_s(c)).count();
    if lead == rest.len() {
        // Only blanks: the lazy value takes the last one back from the greedy `\s*`.
        return Some((name, token.len() - 1..token.len()));
    }
    let mut end = token.len();
    while end > i + lead && b.get(end - 1).copied().is_some_and(re_s) {
        end -= 1;
    }
    Some((name, i + lead..end))
}

struct Parser<'t> {
    text: &'t str,
    lines: Vec<Line>,
    escape: char,
    directives_done: bool,
    df_directives: Vec<Directive>,
    comments: Vec<Comment>,
    diags: Vec<ParseDiagnostic>,
    instructions: Vec<Instruction>,
}

fn diag(level: DiagnosticLevel, message: impl Into<String>, range: ByteRange) -> ParseDiagnostic {
    ParseDiagnostic {
        level,
        message: message.into(),
        range,
    }
}

fn parse_text(text: String, overlong: Option<usize>) -> Dockerfile {
    let mut p = Parser {
        text: &text,
        lines: split_lines(&text),
        escape: '\\',
        directives_done: false,
        df_directives: Vec::new(),
        comments: Vec::new(),
        diags: Vec::new(),
        instructions: Vec::new(),
    };
    p.run();
    if let Some(n) = overlong
        && let Some(l) = p.lines.get(n).copied()
    {
        p.diags.push(diag(
            DiagnosticLevel::Error,
            format!("dockerfile line greater than max allowed size of {MAX_LINE_LEN}"),
            l.start..l.content_end,
        ));
    }
    check_instructions(&p.instructions, &mut p.diags, text.len());
    p.diags.sort_by_key(|d| (d.range.start, d.range.end));
    let Parser {
        escape,
        df_directives,
        comments,
        diags,
        instructions,
        ..
    } = p;
    let line_index = LineIndex::new(&text);
    Dockerfile {
        text,
        directives: df_directives,
        escape,
        instructions,
        comments,
        diagnostics: diags,
        line_index,
    }
}

impl Parser<'_> {
    fn line_text(&self, l: Line) -> &str {
        self.text.get(l.start..l.content_end).unwrap_or_default()
    }

    fn push_comment(
        &mut self,
        token_start: usize,
        l: Line,
        line_no: usize,
        range_start: usize,
    ) -> usize {
        let token = self
            .text
            .get(token_start..l.content_end)
            .unwrap_or_default();
        let body = token.strip_prefix('#').unwrap_or(token);
        self.comments.push(Comment {
            text: body.trim().to_string(),
            range: range_start..l.content_end,
            line: line_no,
        });
        self.comments.len() - 1
    }

    /// Handles a possible parser directive; returns true when the line is one.
    fn directive(&mut self, token: &str, token_start: usize, l: Line, line_start: usize) -> bool {
        if self.directives_done {
            return false;
        }
        let Some((name_r, value_r)) = match_directive(token) else {
            self.directives_done = true;
            return false;
        };
        let name = token.get(name_r).unwrap_or_default().to_ascii_lowercase();
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            self.directives_done = true;
            return false;
        }
        let value = token.get(value_r.clone()).unwrap_or_default().to_string();
        let range = line_start..l.content_end;
        if self.df_directives.iter().any(|d| d.name == name) {
            self.diags.push(diag(
                DiagnosticLevel::Error,
                format!("only one {name} parser directive can be used"),
                range,
            ));
            return false;
        }
        if name == "escape" {
            match value.as_str() {
                "`" => self.escape = '`',
                "\\" => self.escape = '\\',
                _ => self.diags.push(diag(
                    DiagnosticLevel::Error,
                    format!("invalid escape token '{value}' does not match ` or \\"),
                    range.clone(),
                )),
            }
        }
        self.df_directives.push(Directive {
            name,
            value,
            range,
            value_range: token_start + value_r.start..token_start + value_r.end,
        });
        true
    }

    fn run(&mut self) {
        let mut pending_comments: Vec<usize> = Vec::new();
        let mut i = 0usize;
        while let Some(l) = self.lines.get(i).copied() {
            let line_start = if i == 0
                && self
                    .text
                    .get(l.start..l.content_end)
                    .is_some_and(|s| s.starts_with('\u{feff}'))
            {
                l.start + '\u{feff}'.len_utf8()
            } else {
                l.start
            };
            let raw = self.text.get(line_start..l.content_end).unwrap_or_default();
            let token_start = l.content_end - raw.trim_start().len();
            let token = self
                .text
                .get(token_start..l.content_end)
                .unwrap_or_default();
            if self.directive(token, token_start, l, line_start) {
                i += 1;
                continue;
            }
            if token.starts_with('#') {
                let idx = self.push_comment(token_start, l, i, line_start);
                if self.comments.get(idx).is_some_and(|c| c.text.is_empty()) {
                    pending_comments.clear();
                } else {
                    pending_comments.push(idx);
                }
                i += 1;
                continue;
            }
            let (keep, mut cont) = trim_continuation(token, self.escape);
            if !cont && token.is_empty() {
                i += 1;
                continue;
            }
            let start_line = i;
            let mut lg = Logical::default();
            lg.push(self.text, token_start..token_start + keep);
            let mut last = i;
            let mut j = i + 1;
            let mut empty_line: Option<ByteRange> = None;
            while cont && let Some(cl) = self.lines.get(j).copied() {
                last = j;
                j += 1;
                let content = self.line_text(cl);
                let trimmed = content.trim_start();
                if trimmed.starts_with('#') {
                    let ts = cl.content_end - trimmed.len();
                    self.push_comment(ts, cl, j - 1, cl.start);
                    continue;
                }
                if trimmed.is_empty() {
                    // One warning per instruction, like BuildKit, at the first empty line.
                    empty_line.get_or_insert(cl.start..cl.content_end);
                    continue;
                }
                let (keep, c) = trim_continuation(content, self.escape);
                lg.push(self.text, cl.start..cl.start + keep);
                cont = c;
            }
            if let Some(range) = empty_line {
                // BuildKit's words (lint rule NoEmptyContinuation), the instruction shortened.
                let mut shown: String = lg.text.trim().chars().take(80).collect();
                if shown.len() < lg.text.trim().len() {
                    shown.push_str("...");
                }
                self.diags.push(diag(
                    DiagnosticLevel::Warning,
                    format!(
                        "Empty continuation line found in: {shown} (empty continuation lines will become \
                         errors in a future release)"
                    ),
                    range,
                ));
            }
            if lg.map.segments.is_empty() {
                // Nothing but an escape token: BuildKit still makes an (empty) instruction.
                lg.map.segments.push(Segment {
                    logical_start: 0,
                    source_start: token_start,
                    len: 0,
                });
            }
            let mut ins = build_instruction(&lg, 0..lg.text.len(), self.escape, &mut self.diags, 0);
            ins.comments_before = std::mem::take(&mut pending_comments);
            // Heredocs.
            if can_contain_heredoc(&ins) && lg.text.contains("<<") {
                match heredocs_from_line(&lg) {
                    Err(e) => {
                        self.diags
                            .push(diag(DiagnosticLevel::Error, e, ins.keyword_range.clone()))
                    }
                    Ok(specs) => {
                        let mut docs = Vec::with_capacity(specs.len());
                        let mut reported = false;
                        for spec in specs {
                            let (doc, next, terminated) = self.read_heredoc(spec, j);
                            if next > j {
                                last = next - 1;
                            }
                            j = next;
                            if !terminated && !reported {
                                // The first one reaches the end of the file; the others cannot do
                                // better.
                                reported = true;
                                self.diags.push(diag(
                                    DiagnosticLevel::Error,
                                    "unterminated heredoc",
                                    doc.marker_range.clone(),
                                ));
                            }
                            docs.push(doc);
                        }
                        match ins.onbuild.as_deref_mut() {
                            Some(inner) if ins.kind == InstructionKind::Onbuild => {
                                inner.heredocs = docs
                            }
                            _ => ins.heredocs = docs,
                        }
                    }
                }
            }
            let end = self
                .lines
                .get(last)
                .map(|l| l.content_end)
                .unwrap_or(self.text.len());
            set_lines(&mut ins, start_line, last, end);
            self.instructions.push(ins);
            i = j;
        }
        if self.instructions.is_empty() {
            let n = self.text.len();
            self.diags.push(diag(
                DiagnosticLevel::Error,
                "file with no instructions",
                n..n,
            ));
        }
    }

    /// Reads a heredoc body starting at line `j`: returns it, the next line to read and whether the
    /// terminator was found.
    fn read_heredoc(&self, spec: HeredocSpec, mut j: usize) -> (Heredoc, usize, bool) {
        let body_start = self
            .lines
            .get(j)
            .map(|l| l.start)
            .unwrap_or(self.text.len());
        let mut body_end = self.text.len();
        let mut content = String::new();
        let mut terminated = false;
        while let Some(l) = self.lines.get(j).copied() {
            j += 1;
            let candidate = self.line_text(l);
            let candidate = if spec.strip_tabs {
                candidate.trim_start_matches('\t')
            } else {
                candidate
            };
            if candidate == spec.name {
                terminated = true;
                body_end = l.start;
                break;
            }
            content.push_str(self.text.get(l.start..l.end).unwrap_or_default());
        }
        if spec.strip_tabs {
            content = strip_leading_tabs(&content);
        }
        let doc = Heredoc {
            name: spec.name,
            fd: spec.fd,
            strip_tabs: spec.strip_tabs,
            quoted: !spec.expand,
            content,
            body_range: body_start..body_end.max(body_start),
            marker_range: spec.marker_range,
        };
        (doc, j, terminated)
    }
}

/// BuildKit's `(?m)^\t+` removal.
fn strip_leading_tabs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for piece in s.split_inclusive('\n') {
        out.push_str(piece.trim_start_matches('\t'));
    }
    out
}

fn set_lines(ins: &mut Instruction, start: usize, end: usize, end_offset: usize) {
    ins.start_line = start;
    ins.end_line = end;
    ins.range = ins.keyword_range.start..end_offset.max(ins.keyword_range.start);
    if let Some(inner) = ins.onbuild.as_deref_mut() {
        set_lines(inner, start, end, end_offset);
    }
}

/// BuildKit's `canContainHeredoc`: RUN, COPY and ADD (also as an ONBUILD trigger), not in JSON form.
fn can_contain_heredoc(ins: &Instruction) -> bool {
    let target = match (ins.kind, ins.onbuild.as_deref()) {
        (InstructionKind::Onbuild, Some(inner)) => inner,
        _ => ins,
    };
    matches!(
        target.kind,
        InstructionKind::Run | InstructionKind::Copy | InstructionKind::Add
    ) && !target.args.is_exec()
}

/// A heredoc marker found on an instruction line.
struct HeredocSpec {
    name: String,
    fd: Option<u32>,
    strip_tabs: bool,
    expand: bool,
    marker_range: ByteRange,
}

/// BuildKit's `heredocsFromLine`: the line is split into words with quotes and escapes kept, and each word
/// matching `^(\d*)<<(-?)\s*([^<]*)$` opens a heredoc. A line the lexer rejects has no heredocs.
fn heredocs_from_line(lg: &Logical) -> Result<Vec<HeredocSpec>, String> {
    let lex = Lex {
        escape: '\\',
        raw_quotes: true,
        raw_escapes: true,
    };
    let Ok(processed) = lex.process(&lg.text) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for w in processed.words {
        if let Some(mut spec) = parse_heredoc_word(&w.text)? {
            spec.marker_range = lg.source(w.start..w.end);
            out.push(spec);
        }
    }
    Ok(out)
}

/// BuildKit's `ParseHeredoc` on one word.
fn parse_heredoc_word(word: &str) -> Result<Option<HeredocSpec>, String> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let Some(after) = word.get(digits..).and_then(|s| s.strip_prefix("<<")) else {
        return Ok(None);
    };
    if after.contains('<') {
        return Ok(None);
    }
    let strip_tabs = after.starts_with('-');
    let rest = after.strip_prefix('-').unwrap_or(after);
    let rest = rest.trim_start_matches(['\t', '\n', '\u{0c}', '\r', ' ']);
    if rest.is_empty() {
        return Ok(None);
    }
    let fd = if digits == 0 {
        None
    } else {
        Some(
            word.get(..digits)
                .and_then(|d| d.parse::<u32>().ok())
                .unwrap_or(u32::MAX),
        )
    };
    let plain = Lex {
        escape: '\\',
        raw_quotes: false,
        raw_escapes: false,
    };
    let words = plain.process(rest)?.words;
    let [name] = words.as_slice() else {
        return Ok(None);
    };
    let raw = Lex {
        raw_quotes: true,
        ..plain
    };
    let raw_words = raw.process(rest)?.words;
    if raw_words.len() != words.len() {
        return Err(format!(
            "internal lexing of heredoc produced inconsistent results: {rest}"
        ));
    }
    let quotes = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    let expand = raw_words
        .first()
        .is_some_and(|r| quotes(&r.text) == quotes(&name.text));
    Ok(Some(HeredocSpec {
        name: name.text.clone(),
        fd,
        strip_tabs,
        expand,
        marker_range: 0..0,
    }))
}

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

/// Exec or shell arguments for `lg.text[range]`; `None` when the JSON array has a non-string element.
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
fn build_instruction(
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
                range: lg.source(floor_boundary(&lg.text, w.start)..ceil_boundary(&lg.text, w.end)),
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

fn floor_boundary(s: &str, mut p: usize) -> usize {
    p = p.min(s.len());
    while p > 0 && !s.is_char_boundary(p) {
        p -= 1;
    }
    p
}

fn ceil_boundary(s: &str, mut p: usize) -> usize {
    p = p.min(s.len());
    while p < s.len() && !s.is_char_boundary(p) {
        p += 1;
    }
    p
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

/// The argument checks BuildKit's `instructions` package makes before building (on every instruction of
/// the file, ONBUILD triggers excepted), and the stage structure checks.
fn check_instructions(instructions: &[Instruction], diags: &mut Vec<ParseDiagnostic>, len: usize) {
    let mut seen_from = false;
    let mut reported_no_stage = false;
    for ins in instructions {
        let at = if ins.args.shell_text().is_some_and(str::is_empty) {
            ins.keyword_range.clone()
        } else {
            ins.range.clone()
        };
        let Ok(values) = node_values(ins) else {
            // The parser already rejected it.
            continue;
        };
        let args: Vec<String> = values
            .iter()
            .map(|v| match v {
                NodeValue::Str(s) => s.clone(),
                NodeValue::Child(c) => c.keyword.clone(),
            })
            .collect();
        if let Some(msg) = check_args(ins, &args) {
            diags.push(diag(DiagnosticLevel::Error, msg, at.clone()));
        }
        match ins.kind {
            InstructionKind::From => seen_from = true,
            InstructionKind::Arg | InstructionKind::Unknown => {}
            _ if !seen_from && !reported_no_stage => {
                reported_no_stage = true;
                diags.push(diag(
                    DiagnosticLevel::Error,
                    "no build stage in current context",
                    at,
                ));
            }
            _ => {}
        }
    }
    if !instructions.is_empty() && !seen_from {
        diags.push(diag(
            DiagnosticLevel::Error,
            "dockerfile contains no stages to build",
            len..len,
        ));
    }
}

fn check_args(ins: &Instruction, args: &[String]) -> Option<String> {
    let at_least_one = |name: &str| format!("{name} requires at least one argument");
    let exactly_one = |name: &str| format!("{name} requires exactly one argument");
    let no_dest = |name: &str| {
        format!(
            "{name} requires at least two arguments, but only one was provided. Destination could not be determined"
        )
    };
    match ins.kind {
        InstructionKind::Env | InstructionKind::Label => {
            let name = ins.kind.as_str();
            if args.is_empty() {
                return Some(at_least_one(name));
            }
            if args.iter().step_by(3).any(String::is_empty) {
                return Some(format!("{name} names can not be blank"));
            }
        }
        InstructionKind::Maintainer
        | InstructionKind::Workdir
        | InstructionKind::User
        | InstructionKind::Stopsignal => {
            if args.len() != 1 {
                return Some(exactly_one(ins.kind.as_str()));
            }
        }
        InstructionKind::Add | InstructionKind::Copy => {
            let name = ins.kind.as_str();
            if args.len() < 2 {
                return Some(no_dest(name));
            }
            if let Some(dest) = args.last()
                && parse_heredoc_word(dest).ok().flatten().is_some()
            {
                return Some(format!("{name} cannot accept a heredoc as a destination"));
            }
        }
        InstructionKind::From => {
            let as_form =
                args.len() == 3 && args.get(1).is_some_and(|a| a.eq_ignore_ascii_case("as"));
            if as_form {
                let stage = args.get(2).map(|s| go_to_lower(s)).unwrap_or_default();
                let valid = stage.starts_with(|c: char| c.is_ascii_lowercase())
                    && stage
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
                if !valid {
                    return Some(format!(
                        "invalid name for build stage: {}, name can't start with a number or contain symbols",
                        go_quote(args.get(2).map(String::as_str).unwrap_or_default())
                    ));
                }
            } else if args.len() != 1 {
                return Some("FROM requires either one or three arguments".into());
            }
        }
        InstructionKind::Onbuild => {
            let Some(trigger) = args.first() else {
                return Some(at_least_one("ONBUILD"));
            };
            let trigger = go_to_upper(trigger.trim());
            match trigger.as_str() {
                "ONBUILD" => {
                    return Some("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into());
                }
                "MAINTAINER" | "FROM" => {
                    return Some(format!("{trigger} isn't allowed as an ONBUILD trigger"));
                }
                _ => {}
            }
        }
        InstructionKind::Healthcheck => {
            let Some(typ) = args.first() else {
                return Some(at_least_one("HEALTHCHECK"));
            };
            let typ = go_to_upper(typ);
            let rest = args.get(1..).unwrap_or_default();
            match typ.as_str() {
                "NONE" if !rest.is_empty() => {
                    return Some("HEALTHCHECK NONE takes no arguments".into());
                }
                "NONE" => {}
                // Shell form always has a command for BuildKit (the joined words, maybe empty).
                "CMD" if rest.is_empty() && healthcheck_is_exec(ins) => {
                    return Some("Missing command after HEALTHCHECK CMD".into());
                }
                "CMD" => {}
                _ => {
                    return Some(format!(
                        "Unknown type {} in HEALTHCHECK (try CMD)",
                        go_quote(&typ)
                    ));
                }
            }
        }
        InstructionKind::Expose | InstructionKind::Arg => {
            if args.is_empty() {
                return Some(at_least_one(ins.kind.as_str()));
            }
            if ins.kind == InstructionKind::Arg && args.iter().any(|a| a.starts_with('=')) {
                return Some("ARG names can not be blank".into());
            }
        }
        InstructionKind::Volume => {
            if args.is_empty() {
                return Some(at_least_one("VOLUME"));
            }
            if args.iter().any(|a| a.trim().is_empty()) {
                return Some("VOLUME specified can not be an empty string".into());
            }
        }
        InstructionKind::Shell => {
            if !ins.args.is_exec() {
                return Some("SHELL requires the arguments to be in JSON form".into());
            }
            if args.is_empty() {
                return Some(at_least_one("SHELL"));
            }
        }
        // Reported as a warning by the parser.
        InstructionKind::Unknown => {}
        InstructionKind::Run | InstructionKind::Cmd | InstructionKind::Entrypoint => {}
    }
    None
}

/// Whether the command of a HEALTHCHECK is in JSON form.
fn healthcheck_is_exec(ins: &Instruction) -> bool {
    healthcheck(ins)
        .and_then(|h| h.command)
        .is_some_and(|c| c.is_exec())
}
