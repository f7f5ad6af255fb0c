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

mod checks;
mod heredoc;
mod instruction;
mod json;
mod lex;
mod words;

use std::ops::Range;

use bulkhead_core::text::LineIndex;

use crate::ast::{
    ByteRange, Comment, DiagnosticLevel, Directive, Dockerfile, Heredoc, Instruction,
    InstructionKind, ParseDiagnostic, Segment, SegmentMap,
};
use checks::check_instructions;
use heredoc::{HeredocSpec, heredocs_from_line, strip_leading_tabs};
use instruction::build_instruction;
pub use instruction::{NodeValue, dump, node_values};
pub(crate) use instruction::{healthcheck, key_values};
pub(crate) use words::split_blank_runs;
pub use words::{go_quote, go_to_lower};

/// BuildKit reads lines with a `bufio.Scanner` whose longest token is 64 KiB; a longer line is an error.
const MAX_LINE_LEN: usize = 65_535;

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
                // BuildKit trims the line minus its first byte: only a `#` in the first column with
                // nothing after it restarts the attached comments.
                if raw
                    .strip_prefix('#')
                    .is_some_and(|rest| rest.trim().is_empty())
                {
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
