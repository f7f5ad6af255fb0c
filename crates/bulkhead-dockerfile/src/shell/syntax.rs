//! The tokenizer and recursive-descent parser behind [`super::parse_script`].
//!
//! One `Parser` walks one source string. Command substitutions `$(...)` are parsed in place; scripts
//! whose text differs from the source (backquotes with escapes, `sh -c` arguments after quote
//! removal) are parsed by a child `Parser` on the processed text, whose ranges are mapped back
//! through a per-byte offset table.

use std::collections::HashSet;
use std::ops::Range;

use super::wrappers::{self, ShellInput};
use super::{Command, Connector, MAX_DEPTH, Pipeline, Redirect, RedirectOp, Script, Word};

/// Bound on recursion of any kind (compound commands, expansions, nested parsers).
const MAX_NEST: usize = 48;

const RESERVED: &[&str] = &[
    "if", "then", "elif", "else", "fi", "while", "until", "for", "select", "in", "do", "done",
    "case", "esac", "function", "{", "}", "!", "[[",
];

pub(super) fn parse(src: &str) -> Script {
    let mut p = Parser::new(src, 0, 0);
    p.run();
    Script {
        commands: p.commands,
        pipelines: p.pipelines,
        errors: p.errors,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    AndIf,
    OrIf,
    Semi,
    DSemi,
    SemiAnd,
    DSemiAnd,
    Pipe,
    PipeAnd,
    Amp,
    LParen,
    RParen,
}

/// For every byte of a processed text, the input span that produced it.
type SpanMap = Vec<(usize, usize)>;

/// A word with, for every byte of its text, the input span that produced it.
struct LexWord {
    word: Word,
    map: SpanMap,
}

enum Tok {
    Word(LexWord),
    Op(Op, Range<usize>),
    Redir(Option<u32>, RedirectOp, Range<usize>),
    Newline(Range<usize>),
    Eof(usize),
}

impl Tok {
    fn range(&self) -> Range<usize> {
        match self {
            Tok::Word(w) => w.word.range.clone(),
            Tok::Op(_, r) | Tok::Redir(_, _, r) | Tok::Newline(r) => r.clone(),
            Tok::Eof(p) => *p..*p,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Word,
    Op(Op),
    Redir,
    Newline,
    Eof,
}

/// What ends a list in an enclosing construct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closer {
    Paren,
    Brace,
    Then,
    ElseFi,
    Do,
    Done,
    CaseEnd,
}

impl Closer {
    fn accepts_word(self, w: &str) -> bool {
        match self {
            Closer::Brace => w == "}",
            Closer::Then => w == "then",
            Closer::ElseFi => matches!(w, "elif" | "else" | "fi"),
            Closer::Do => w == "do",
            Closer::Done => w == "done",
            Closer::CaseEnd => w == "esac",
            Closer::Paren => false,
        }
    }
}

fn is_closer_word(w: &str) -> bool {
    matches!(
        w,
        "then" | "elif" | "else" | "fi" | "do" | "done" | "esac" | "}"
    )
}

struct PendingHeredoc {
    /// `(command index, redirect index)` to record the body in.
    target: Option<(usize, usize)>,
    delim: String,
    strip_tabs: bool,
    op_range: Range<usize>,
    /// The body is a script for a shell reading stdin, run in this pipeline slot.
    script_for: Option<(usize, usize)>,
}

/// Maps ranges of a child parser's text back to the parent's source.
enum Mapping<'m> {
    Shift(usize),
    Table(&'m [(usize, usize)]),
}

impl Mapping<'_> {
    fn pos(&self, p: usize, bounds: &Range<usize>) -> usize {
        match self {
            Mapping::Shift(d) => p.saturating_add(*d),
            Mapping::Table(t) => t.get(p).map_or(bounds.end, |s| s.0),
        }
    }

    fn range(&self, r: &Range<usize>, bounds: &Range<usize>, src: &str) -> Range<usize> {
        let start = self.pos(r.start, bounds);
        let end = if r.end > r.start {
            match self {
                Mapping::Shift(d) => r.end.saturating_add(*d),
                Mapping::Table(t) => t.get(r.end - 1).map_or(bounds.end, |s| s.1),
            }
        } else {
            start
        };
        let start = src.floor_char_boundary(start.clamp(bounds.start, bounds.end));
        let end = src.ceil_char_boundary(end.clamp(bounds.start, bounds.end));
        start..end.max(start)
    }
}

/// A word being built: text after quote removal plus, for each text byte, the input span that
/// produced it (one byte, or a whole escape sequence).
#[derive(Default)]
struct Buf {
    text: Vec<u8>,
    map: SpanMap,
    quoted: bool,
}

impl Buf {
    fn push(&mut self, b: u8, at: usize) {
        self.push_span(b, at, at + 1);
    }

    fn push_span(&mut self, b: u8, start: usize, end: usize) {
        self.text.push(b);
        self.map.push((start, end));
    }

    /// A character produced by the escape sequence `span`.
    fn push_char(&mut self, c: char, span: Range<usize>) {
        let mut tmp = [0u8; 4];
        for b in c.encode_utf8(&mut tmp).bytes() {
            self.push_span(b, span.start, span.end);
        }
    }

    fn push_raw(&mut self, src: &[u8], r: Range<usize>) {
        for i in r {
            if let Some(&b) = src.get(i) {
                self.push(b, i);
            }
        }
    }
}

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    peeked: Option<Tok>,
    /// End of the last consumed token.
    last_end: usize,
    /// Tokens consumed so far (progress detection).
    consumed: usize,
    depth: usize,
    nest: usize,
    parent: Option<(usize, usize)>,
    expects: Vec<Closer>,
    pending_conn: Option<Connector>,
    heredocs: Vec<PendingHeredoc>,
    heredoc_due: bool,
    /// Inside `[[ ... ]]`: `<`, `>`, `(`, `)`, `&&`, `||` are words.
    cond_mode: bool,
    /// The next word is a redirection target (no IO-number detection).
    want_target: bool,
    /// Offsets of substitutions already analysed by an enclosing parser (not parsed again).
    skip_subst: HashSet<usize>,
    /// Offsets of substitutions this parser analysed.
    subst_starts: HashSet<usize>,
    commands: Vec<Command>,
    pipelines: Vec<Pipeline>,
    errors: Vec<(Range<usize>, String)>,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, depth: usize, nest: usize) -> Self {
        Parser {
            src,
            b: src.as_bytes(),
            pos: 0,
            peeked: None,
            last_end: 0,
            consumed: 0,
            depth,
            nest,
            parent: None,
            expects: Vec::new(),
            pending_conn: None,
            heredocs: Vec::new(),
            heredoc_due: false,
            cond_mode: false,
            want_target: false,
            skip_subst: HashSet::new(),
            subst_starts: HashSet::new(),
            commands: Vec::new(),
            pipelines: Vec::new(),
            errors: Vec::new(),
        }
    }

    fn run(&mut self) {
        loop {
            self.parse_list();
            if self.peek_kind() == Kind::Eof {
                break;
            }
            // Defensive: parse_list only stops at Eof with no closers expected.
            let t = self.next();
            self.error(t.range(), "unexpected token");
        }
    }

    fn error(&mut self, r: Range<usize>, msg: impl Into<String>) {
        self.errors.push((r, msg.into()));
    }

    fn byte(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    fn slice(&self, r: Range<usize>) -> &'a str {
        self.src.get(r).unwrap_or("")
    }

    // ------------------------------------------------------------------ tokens

    fn fill(&mut self) {
        if self.peeked.is_none() {
            let t = self.lex();
            self.peeked = Some(t);
        }
    }

    fn peek_kind(&mut self) -> Kind {
        self.fill();
        match &self.peeked {
            Some(Tok::Word(_)) => Kind::Word,
            Some(Tok::Op(op, _)) => Kind::Op(*op),
            Some(Tok::Redir(..)) => Kind::Redir,
            Some(Tok::Newline(_)) => Kind::Newline,
            Some(Tok::Eof(_)) | None => Kind::Eof,
        }
    }

    fn peek_start(&mut self) -> usize {
        self.fill();
        self.peeked.as_ref().map_or(self.pos, |t| t.range().start)
    }

    /// The peeked token as an unquoted reserved word.
    fn peek_reserved(&mut self) -> Option<&'static str> {
        self.fill();
        match &self.peeked {
            Some(Tok::Word(w)) if !w.word.quoted => {
                RESERVED.iter().copied().find(|r| *r == w.word.text)
            }
            _ => None,
        }
    }

    fn next(&mut self) -> Tok {
        let t = match self.peeked.take() {
            Some(t) => t,
            None => self.lex(),
        };
        self.consumed += 1;
        if !matches!(t, Tok::Eof(_)) {
            self.last_end = t.range().end;
        }
        t
    }

    fn next_word(&mut self) -> Option<LexWord> {
        match self.next() {
            Tok::Word(w) => Some(w),
            _ => None,
        }
    }

    fn skip_newlines(&mut self) {
        while self.peek_kind() == Kind::Newline {
            self.next();
        }
    }

    /// Consumes the reserved word `w` if it is next; reports an error otherwise.
    fn expect_reserved(&mut self, w: &str, at: usize) -> bool {
        if self.peek_reserved() == Some(w) {
            self.next();
            true
        } else {
            let p = self.peek_start();
            self.error(at..p.max(at), format!("missing `{w}`"));
            false
        }
    }

    // ------------------------------------------------------------------ lexer

    fn skip_blanks(&mut self) {
        loop {
            match self.byte(self.pos) {
                Some(b' ' | b'\t' | b'\r') => self.pos += 1,
                Some(b'\\') => match (self.byte(self.pos + 1), self.byte(self.pos + 2)) {
                    (Some(b'\n'), _) => self.pos += 2,
                    (Some(b'\r'), Some(b'\n')) => self.pos += 3,
                    _ => return,
                },
                _ => return,
            }
        }
    }

    fn lex(&mut self) -> Tok {
        if self.heredoc_due {
            self.heredoc_due = false;
            self.read_heredoc_bodies();
        }
        let want_target = std::mem::replace(&mut self.want_target, false);
        loop {
            self.skip_blanks();
            if self.byte(self.pos) == Some(b'#') {
                while self.byte(self.pos).is_some_and(|c| c != b'\n') {
                    self.pos += 1;
                }
                continue;
            }
            break;
        }
        let start = self.pos;
        let Some(c) = self.byte(start) else {
            return Tok::Eof(self.b.len());
        };
        let c1 = self.byte(start + 1);
        if c == b'\n' {
            self.pos += 1;
            self.heredoc_due = true;
            return Tok::Newline(start..start + 1);
        }
        if self.cond_mode {
            if (c == b'&' && c1 == Some(b'&')) || (c == b'|' && c1 == Some(b'|')) {
                self.pos += 2;
                return self.plain_word(start..start + 2);
            }
            if c == b';' || c == b'&' {
                return self.lex_op();
            }
            return Tok::Word(self.lex_word());
        }
        match c {
            b'<' | b'>' if c1 == Some(b'(') => Tok::Word(self.lex_word()),
            b'<' | b'>' => self.lex_redir(None, start),
            b'&' if c1 == Some(b'>') => self.lex_redir(None, start),
            b'&' | b'|' | b';' | b'(' | b')' => self.lex_op(),
            b'0'..=b'9' if !want_target => {
                let mut j = start;
                while self.byte(j).is_some_and(|d| d.is_ascii_digit()) {
                    j += 1;
                }
                match (self.byte(j), self.byte(j + 1)) {
                    (Some(b'<' | b'>'), n) if n != Some(b'(') => {
                        let fd = self.slice(start..j).parse::<u32>().ok();
                        self.pos = j;
                        self.lex_redir(fd, start)
                    }
                    _ => Tok::Word(self.lex_word()),
                }
            }
            _ => Tok::Word(self.lex_word()),
        }
    }

    fn plain_word(&mut self, r: Range<usize>) -> Tok {
        let text = self.slice(r.clone()).to_string();
        let map = r.clone().map(|i| (i, i + 1)).collect();
        Tok::Word(LexWord {
            word: Word {
                text,
                range: r,
                quoted: false,
            },
            map,
        })
    }

    fn lex_op(&mut self) -> Tok {
        let start = self.pos;
        let c1 = self.byte(start + 1);
        let c2 = self.byte(start + 2);
        let (op, len) = match self.byte(start) {
            Some(b'&') if c1 == Some(b'&') => (Op::AndIf, 2),
            Some(b'&') => (Op::Amp, 1),
            Some(b'|') if c1 == Some(b'|') => (Op::OrIf, 2),
            Some(b'|') if c1 == Some(b'&') => (Op::PipeAnd, 2),
            Some(b'|') => (Op::Pipe, 1),
            Some(b';') if c1 == Some(b';') && c2 == Some(b'&') => (Op::DSemiAnd, 3),
            Some(b';') if c1 == Some(b';') => (Op::DSemi, 2),
            Some(b';') if c1 == Some(b'&') => (Op::SemiAnd, 2),
            Some(b';') => (Op::Semi, 1),
            Some(b'(') => (Op::LParen, 1),
            _ => (Op::RParen, 1),
        };
        self.pos = start + len;
        Tok::Op(op, start..start + len)
    }

    /// A redirection operator at `self.pos`; `start` includes the fd digits.
    fn lex_redir(&mut self, fd: Option<u32>, start: usize) -> Tok {
        let p = self.pos;
        let c1 = self.byte(p + 1);
        let c2 = self.byte(p + 2);
        let (op, len) = match self.byte(p) {
            Some(b'<') => match (c1, c2) {
                (Some(b'<'), Some(b'<')) => (RedirectOp::HereString, 3),
                (Some(b'<'), Some(b'-')) => (RedirectOp::HereDocStrip, 3),
                (Some(b'<'), _) => (RedirectOp::HereDoc, 2),
                (Some(b'&'), _) => (RedirectOp::DupIn, 2),
                (Some(b'>'), _) => (RedirectOp::ReadWrite, 2),
                _ => (RedirectOp::In, 1),
            },
            Some(b'&') => match (c1, c2) {
                (Some(b'>'), Some(b'>')) => (RedirectOp::AppendOutErr, 3),
                _ => (RedirectOp::OutErr, 2),
            },
            _ => match c1 {
                Some(b'>') => (RedirectOp::Append, 2),
                Some(b'&') => (RedirectOp::DupOut, 2),
                Some(b'|') => (RedirectOp::Clobber, 2),
                _ => (RedirectOp::Out, 1),
            },
        };
        self.pos = p + len;
        Tok::Redir(fd, op, start..self.pos)
    }

    fn lex_word(&mut self) -> LexWord {
        let start = self.pos;
        let mut buf = Buf::default();
        while let Some(c) = self.byte(self.pos) {
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' => break,
                b'<' | b'>' if self.pos == start && self.byte(self.pos + 1) == Some(b'(') => {
                    // Process substitution.
                    let s = self.pos;
                    self.command_substitution(s);
                    buf.push_raw(self.b, s..self.pos);
                }
                b'(' if !self.cond_mode && is_assignment_prefix(self.slice(start..self.pos)) => {
                    // Array assignment `a=(x y)`.
                    let s = self.pos;
                    self.pos = self.skip_parens(s + 1);
                    buf.push_raw(self.b, s..self.pos);
                }
                b'|' | b'<' | b'>' | b'(' | b')' if !self.cond_mode => break,
                b'\\' => {
                    let at = self.pos;
                    match (self.byte(at + 1), self.byte(at + 2)) {
                        (Some(b'\n'), _) => self.pos += 2,
                        (Some(b'\r'), Some(b'\n')) => self.pos += 3,
                        (Some(_), _) => {
                            buf.quoted = true;
                            let len = self.char_len(at + 1);
                            for i in at + 1..at + 1 + len {
                                if let Some(b) = self.byte(i) {
                                    buf.push_span(b, if i == at + 1 { at } else { i }, i + 1);
                                }
                            }
                            self.pos = at + 1 + len;
                        }
                        (None, _) => {
                            buf.push(b'\\', at);
                            self.pos += 1;
                        }
                    }
                }
                b'\'' => {
                    buf.quoted = true;
                    let s = self.pos;
                    let end = self.find_byte(s + 1, b'\'');
                    buf.push_raw(self.b, s + 1..end);
                    if end >= self.b.len() {
                        self.error(s..self.b.len(), "unterminated single quote");
                        self.pos = self.b.len();
                    } else {
                        self.pos = end + 1;
                    }
                }
                b'"' => {
                    buf.quoted = true;
                    self.double_quoted(&mut buf);
                }
                b'$' => self.dollar(&mut buf, false),
                b'`' => {
                    let s = self.pos;
                    self.backquote(false);
                    buf.push_raw(self.b, s..self.pos);
                }
                _ => {
                    buf.push(c, self.pos);
                    self.pos += 1;
                }
            }
        }
        let text = match String::from_utf8(buf.text) {
            Ok(t) => t,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        LexWord {
            word: Word {
                text,
                range: start..self.pos,
                quoted: buf.quoted,
            },
            map: buf.map,
        }
    }

    fn char_len(&self, at: usize) -> usize {
        self.src
            .get(at..)
            .and_then(|s| s.chars().next())
            .map_or(1, char::len_utf8)
    }

    /// Index of the next `b` at or after `from`, or the input length.
    fn find_byte(&self, from: usize, b: u8) -> usize {
        let rest = self.b.get(from..).unwrap_or(&[]);
        rest.iter()
            .position(|&c| c == b)
            .map_or(self.b.len(), |i| from + i)
    }

    /// `"..."` at `self.pos` into `buf`.
    fn double_quoted(&mut self, buf: &mut Buf) {
        let start = self.pos;
        self.pos += 1;
        loop {
            let Some(c) = self.byte(self.pos) else {
                self.error(start..self.b.len(), "unterminated double quote");
                return;
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    return;
                }
                b'\\' => {
                    let at = self.pos;
                    match (self.byte(at + 1), self.byte(at + 2)) {
                        (Some(b'\n'), _) => self.pos += 2,
                        (Some(b'\r'), Some(b'\n')) => self.pos += 3,
                        (Some(e @ (b'$' | b'`' | b'"' | b'\\')), _) => {
                            buf.push_span(e, at, at + 2);
                            self.pos += 2;
                        }
                        _ => {
                            buf.push(b'\\', at);
                            self.pos += 1;
                        }
                    }
                }
                b'$' => self.dollar(buf, true),
                b'`' => {
                    let s = self.pos;
                    self.backquote(true);
                    buf.push_raw(self.b, s..self.pos);
                }
                _ => {
                    buf.push(c, self.pos);
                    self.pos += 1;
                }
            }
        }
    }

    /// `$...` at `self.pos` into `buf`.
    fn dollar(&mut self, buf: &mut Buf, in_dq: bool) {
        let start = self.pos;
        match self.byte(start + 1) {
            Some(b'\'') if !in_dq => {
                buf.quoted = true;
                self.ansi_c(buf);
            }
            Some(b'"') if !in_dq => {
                buf.quoted = true;
                self.pos += 1;
                self.double_quoted(buf);
            }
            Some(b'(' | b'{') => {
                self.scan_dollar(in_dq);
                buf.push_raw(self.b, start..self.pos);
            }
            _ => {
                buf.push(b'$', start);
                self.pos += 1;
            }
        }
    }

    /// `$'...'` at `self.pos` with its escapes decoded into `buf`.
    fn ansi_c(&mut self, buf: &mut Buf) {
        let start = self.pos;
        self.pos += 2;
        loop {
            let Some(c) = self.byte(self.pos) else {
                self.error(start..self.b.len(), "unterminated $'...' quote");
                return;
            };
            match c {
                b'\'' => {
                    self.pos += 1;
                    return;
                }
                b'\\' => {
                    let at = self.pos;
                    let Some(e) = self.byte(at + 1) else {
                        buf.push(b'\\', at);
                        self.pos += 1;
                        continue;
                    };
                    let simple = match e {
                        b'a' => Some(7u8),
                        b'b' => Some(8),
                        b'e' | b'E' => Some(27),
                        b'f' => Some(12),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'v' => Some(11),
                        b'\\' | b'\'' | b'"' | b'?' => Some(e),
                        _ => None,
                    };
                    if let Some(s) = simple {
                        buf.push_span(s, at, at + 2);
                        self.pos += 2;
                        continue;
                    }
                    let (radix, max, skip) = match e {
                        b'x' => (16, 2, 2),
                        b'u' => (16, 4, 2),
                        b'U' => (16, 8, 2),
                        b'0'..=b'7' => (8, 3, 1),
                        b'c' => {
                            match self.byte(at + 2) {
                                Some(x) if x.is_ascii() => {
                                    buf.push_span(x & 0x1f, at, at + 3);
                                    self.pos += 3;
                                }
                                _ => {
                                    buf.push(b'\\', at);
                                    self.pos += 1;
                                }
                            }
                            continue;
                        }
                        _ => {
                            buf.push(b'\\', at);
                            self.pos += 1;
                            continue;
                        }
                    };
                    let digits_start = at + skip;
                    let mut j = digits_start;
                    let mut value: u32 = 0;
                    while j < digits_start + max
                        && let Some(d) = self.byte(j).and_then(|d| (d as char).to_digit(radix))
                    {
                        value = value.saturating_mul(radix).saturating_add(d);
                        j += 1;
                    }
                    if j == digits_start {
                        buf.push(b'\\', at);
                        self.pos += 1;
                        continue;
                    }
                    buf.push_char(char::from_u32(value).unwrap_or('\u{fffd}'), at..j);
                    self.pos = j;
                }
                _ => {
                    buf.push(c, self.pos);
                    self.pos += 1;
                }
            }
        }
    }

    /// Advances over `$(...)`, `$((...))`, `${...}`, `$'...'`, `$"..."` or `$name` at `self.pos`,
    /// parsing the commands of substitutions.
    fn scan_dollar(&mut self, in_dq: bool) {
        let start = self.pos;
        match self.byte(start + 1) {
            Some(b'(') => {
                if self.byte(start + 2) == Some(b'(')
                    && let Some(end) = self.arith_end(start + 1)
                {
                    self.scan_arith(start + 3, end);
                } else {
                    self.command_substitution(start);
                }
            }
            Some(b'{') => self.scan_param(in_dq),
            Some(b'\'') if !in_dq => {
                self.pos += 2;
                while let Some(c) = self.byte(self.pos) {
                    self.pos += 1;
                    match c {
                        b'\\' => self.pos += 1,
                        b'\'' => return,
                        _ => {}
                    }
                }
                self.pos = self.pos.min(self.b.len());
                self.error(start..self.b.len(), "unterminated $'...' quote");
            }
            Some(b'"') if !in_dq => {
                self.pos += 1;
                self.scan_double_quoted();
            }
            _ => self.pos += 1,
        }
    }

    /// Advances over `"..."` at `self.pos` (inside `${...}`).
    fn scan_double_quoted(&mut self) {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.byte(self.pos) {
                None => {
                    self.error(start..self.b.len(), "unterminated double quote");
                    return;
                }
                Some(b'"') => {
                    self.pos += 1;
                    return;
                }
                Some(b'\\') => self.pos = (self.pos + 2).min(self.b.len()),
                Some(b'$') => self.scan_dollar(true),
                Some(b'`') => self.backquote(true),
                Some(_) => self.pos += 1,
            }
        }
    }

    /// Advances over `${...}` at `self.pos`.
    fn scan_param(&mut self, in_dq: bool) {
        let start = self.pos;
        self.pos += 2;
        if self.nest >= MAX_NEST {
            self.pos = self.skip_balanced(self.pos, b'{', b'}');
            self.error(start..self.pos, "nesting too deep; not analysed");
            return;
        }
        self.nest += 1;
        loop {
            match self.byte(self.pos) {
                None => {
                    self.error(start..self.b.len(), "unterminated ${...}");
                    break;
                }
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => self.pos = (self.pos + 2).min(self.b.len()),
                Some(b'\'') if !in_dq => {
                    let end = self.find_byte(self.pos + 1, b'\'');
                    if end >= self.b.len() {
                        self.error(self.pos..self.b.len(), "unterminated single quote");
                    }
                    self.pos = (end + 1).min(self.b.len());
                }
                Some(b'"') => self.scan_double_quoted(),
                Some(b'$') => self.scan_dollar(in_dq),
                Some(b'`') => self.backquote(in_dq),
                Some(_) => self.pos += 1,
            }
        }
        self.nest -= 1;
    }

    /// Arithmetic from `from` to `end` (just after the closing `))`): only the command substitutions
    /// inside are parsed (`$(( $(nproc) + 1 ))`). Leaves `self.pos` at `end`.
    fn scan_arith(&mut self, from: usize, end: usize) {
        if self.nest >= MAX_NEST {
            self.pos = end;
            return;
        }
        self.nest += 1;
        self.pos = from;
        let stop = end.saturating_sub(2);
        while self.pos < stop {
            match (self.byte(self.pos), self.byte(self.pos + 1)) {
                (Some(b'$'), Some(b'(' | b'{')) => self.scan_dollar(false),
                (Some(b'`'), _) => self.backquote(false),
                (Some(b'\\'), _) => self.pos += 2,
                _ => self.pos += 1,
            }
        }
        self.nest -= 1;
        self.pos = self.pos.max(end).min(self.b.len());
    }

    /// For `((` at `open` (the first parenthesis): the end of `((...))` when it is arithmetic, not
    /// nested subshells.
    fn arith_end(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut i = open;
        while let Some(c) = self.byte(i) {
            match c {
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 1 {
                        return (self.byte(i + 1) == Some(b')')).then_some(i + 2);
                    }
                    if depth == 0 {
                        return None;
                    }
                }
                b'\\' => i += 1,
                b'\'' | b'"' => {
                    let end = self.find_byte(i + 1, c);
                    if end >= self.b.len() {
                        return None;
                    }
                    i = end;
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    /// Skips to just after the bracket closing an `open` already passed (`from` is after it), with
    /// quotes; iterative. Returns the input length when unbalanced.
    fn skip_balanced(&self, from: usize, open: u8, close: u8) -> usize {
        let mut depth = 1usize;
        let mut i = from;
        while let Some(c) = self.byte(i) {
            if c == b'\\' {
                i += 2;
                continue;
            } else if c == b'\'' {
                i = self.find_byte(i + 1, b'\'');
            } else if c == b'"' {
                i += 1;
                while let Some(d) = self.byte(i) {
                    match d {
                        b'\\' => i += 1,
                        b'"' => break,
                        _ => {}
                    }
                    i += 1;
                }
            } else if c == open {
                depth += 1;
            } else if c == close {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            i += 1;
        }
        self.b.len()
    }

    fn skip_parens(&self, from: usize) -> usize {
        self.skip_balanced(from, b'(', b')')
    }

    /// Whether commands nested one level deeper may be parsed.
    fn can_nest(&self) -> bool {
        self.depth < MAX_DEPTH && self.nest < MAX_NEST
    }

    /// `$(...)`, `<(...)` or `>(...)` at `start`: parses the commands inside (depth + 1).
    fn command_substitution(&mut self, start: usize) {
        self.pos = start + 2;
        if self.skip_subst.contains(&start) {
            self.pos = self.skip_parens(self.pos);
            return;
        }
        if !self.can_nest() {
            self.pos = self.skip_parens(self.pos);
            self.error(start..self.pos, "nesting too deep; not analysed");
            return;
        }
        self.subst_starts.insert(start);
        let saved_expects = std::mem::replace(&mut self.expects, vec![Closer::Paren]);
        let saved_parent = self.parent.take();
        let saved_conn = self.pending_conn.take();
        let saved_cond = std::mem::replace(&mut self.cond_mode, false);
        let saved_peek = self.peeked.take();
        self.depth += 1;
        self.nest += 1;
        self.parse_list();
        match self.peeked.take() {
            Some(Tok::Op(Op::RParen, _)) => {}
            _ => self.error(start..self.b.len(), "unterminated command substitution"),
        }
        self.depth -= 1;
        self.nest -= 1;
        self.peeked = saved_peek;
        self.cond_mode = saved_cond;
        self.pending_conn = saved_conn;
        self.parent = saved_parent;
        self.expects = saved_expects;
    }

    /// `` `...` `` at `self.pos`: unescapes the content and parses it (depth + 1).
    fn backquote(&mut self, in_dq: bool) {
        let start = self.pos;
        self.pos += 1;
        let mut content = Vec::new();
        let mut map = Vec::new();
        let mut closed = false;
        while let Some(c) = self.byte(self.pos) {
            match c {
                b'`' => {
                    self.pos += 1;
                    closed = true;
                    break;
                }
                b'\\' => match self.byte(self.pos + 1) {
                    Some(e @ (b'$' | b'`' | b'\\')) => {
                        content.push(e);
                        map.push((self.pos, self.pos + 2));
                        self.pos += 2;
                    }
                    Some(b'"') if in_dq => {
                        content.push(b'"');
                        map.push((self.pos, self.pos + 2));
                        self.pos += 2;
                    }
                    Some(b'\n') => self.pos += 2,
                    _ => {
                        content.push(b'\\');
                        map.push((self.pos, self.pos + 1));
                        self.pos += 1;
                    }
                },
                _ => {
                    content.push(c);
                    map.push((self.pos, self.pos + 1));
                    self.pos += 1;
                }
            }
        }
        if !closed {
            self.error(start..self.b.len(), "unterminated backquote");
        }
        if self.skip_subst.contains(&start) {
            return;
        }
        if !self.can_nest() {
            self.error(start..self.pos, "nesting too deep; not analysed");
            return;
        }
        self.subst_starts.insert(start);
        let text = String::from_utf8_lossy(&content).into_owned();
        self.sub_parse(
            &text,
            &Mapping::Table(&map),
            start..self.pos,
            None,
            HashSet::new(),
        );
    }

    /// Parses `text` with a child parser (depth + 1) and appends its results, mapped back into this
    /// parser's source. Top-level pipelines of the child get `parent`.
    fn sub_parse(
        &mut self,
        text: &str,
        mapping: &Mapping<'_>,
        bounds: Range<usize>,
        parent: Option<(usize, usize)>,
        skip: HashSet<usize>,
    ) {
        let mut child = Parser::new(text, self.depth + 1, self.nest + 1);
        child.skip_subst = skip;
        child.run();
        let base = self.pipelines.len();
        let src = self.src;
        let map = |r: &Range<usize>| mapping.range(r, &bounds, src);
        for mut p in child.pipelines {
            p.range = map(&p.range);
            p.parent = match p.parent {
                Some((id, k)) => Some((id + base, k)),
                None => parent,
            };
            self.pipelines.push(p);
        }
        for mut c in child.commands {
            c.range = map(&c.range);
            c.pipeline += base;
            for w in c.assignments.iter_mut().chain(c.argv.iter_mut()) {
                w.range = map(&w.range);
            }
            for r in &mut c.redirects {
                r.range = map(&r.range);
                r.target.range = map(&r.target.range);
                r.heredoc_body = r.heredoc_body.as_ref().map(&map);
            }
            self.commands.push(c);
        }
        for (r, msg) in child.errors {
            self.errors.push((map(&r), msg));
        }
    }

    /// Reads the bodies of the here-documents pending at a newline.
    fn read_heredoc_bodies(&mut self) {
        let pending = std::mem::take(&mut self.heredocs);
        for h in pending {
            let body_start = self.pos;
            let mut body_end = None;
            while self.pos < self.b.len() {
                let line_start = self.pos;
                let line_end = self.find_byte(line_start, b'\n');
                self.pos = (line_end + 1).min(self.b.len());
                let mut line = self.slice(line_start..line_end);
                line = line.strip_suffix('\r').unwrap_or(line);
                if h.strip_tabs {
                    line = line.trim_start_matches('\t');
                }
                if line == h.delim {
                    body_end = Some(line_start);
                    break;
                }
            }
            let body = body_start..body_end.unwrap_or(self.b.len());
            if body_end.is_none() {
                self.error(
                    h.op_range.clone(),
                    format!("unterminated here-document (no `{}` line)", h.delim),
                );
            }
            if let Some((ci, ri)) = h.target
                && let Some(r) = self
                    .commands
                    .get_mut(ci)
                    .and_then(|c| c.redirects.get_mut(ri))
            {
                r.heredoc_body = Some(body.clone());
            }
            if let Some(slot) = h.script_for
                && self.can_nest()
            {
                let text = self.slice(body.clone());
                self.sub_parse(
                    text,
                    &Mapping::Shift(body.start),
                    body,
                    Some(slot),
                    HashSet::new(),
                );
            }
        }
    }

    // ------------------------------------------------------------------ grammar

    /// A list of and-or lists, until end of input or a closer expected by an enclosing construct
    /// (left unconsumed).
    fn parse_list(&mut self) {
        let mut seen = false;
        loop {
            let kind = self.peek_kind();
            match kind {
                Kind::Eof => return,
                Kind::Newline | Kind::Op(Op::Semi | Op::Amp) => {
                    self.next();
                    if seen {
                        self.pending_conn = Some(match kind {
                            Kind::Newline => Connector::Newline,
                            Kind::Op(Op::Semi) => Connector::Semi,
                            _ => Connector::Amp,
                        });
                    }
                    continue;
                }
                Kind::Op(Op::RParen) => {
                    if self.expects.contains(&Closer::Paren) {
                        return;
                    }
                    let t = self.next();
                    self.error(t.range(), "unexpected `)`");
                    continue;
                }
                Kind::Op(Op::DSemi | Op::SemiAnd | Op::DSemiAnd) => {
                    if self.expects.contains(&Closer::CaseEnd) {
                        return;
                    }
                    let t = self.next();
                    self.error(t.range(), "unexpected `;;` outside `case`");
                    continue;
                }
                _ => {}
            }
            if let Some(w) = self.peek_reserved()
                && is_closer_word(w)
            {
                if self.expects.iter().any(|c| c.accepts_word(w)) {
                    return;
                }
                let t = self.next();
                self.error(t.range(), format!("unexpected `{w}`"));
                continue;
            }
            let before = self.consumed;
            self.parse_and_or();
            seen = true;
            if self.consumed == before {
                let t = self.next();
                let what = self.slice(t.range()).to_string();
                self.error(t.range(), format!("unexpected `{what}`"));
            }
        }
    }

    fn parse_and_or(&mut self) {
        self.parse_pipeline();
        loop {
            let conn = match self.peek_kind() {
                Kind::Op(Op::AndIf) => Connector::And,
                Kind::Op(Op::OrIf) => Connector::Or,
                _ => return,
            };
            self.next();
            self.pending_conn = Some(conn);
            self.skip_newlines();
            self.parse_pipeline();
        }
    }

    fn parse_pipeline(&mut self) {
        let start = self.peek_start();
        let mut negated = false;
        while self.peek_reserved() == Some("!") {
            self.next();
            negated = !negated;
        }
        let id = self.pipelines.len();
        self.pipelines.push(Pipeline {
            range: start..start,
            len: 0,
            negated,
            parent: self.parent,
        });
        let mut index = 0;
        loop {
            self.parse_command(id, index, negated);
            let conn = match self.peek_kind() {
                Kind::Op(Op::Pipe) => Connector::Pipe,
                Kind::Op(Op::PipeAnd) => Connector::PipeAmp,
                _ => break,
            };
            self.next();
            self.pending_conn = Some(conn);
            self.skip_newlines();
            index += 1;
        }
        let end = self.last_end.max(start);
        if let Some(p) = self.pipelines.get_mut(id) {
            p.len = index + 1;
            p.range = start..end;
        }
    }

    /// Runs `f` for the body of a compound command that is element `index` of pipeline `id`.
    fn body(&mut self, id: usize, index: usize, deeper: bool, f: impl FnOnce(&mut Self)) {
        let saved_parent = self.parent.replace((id, index));
        let saved_expects = self.expects.len();
        if deeper {
            self.depth += 1;
        }
        self.nest += 1;
        f(self);
        self.nest -= 1;
        if deeper {
            self.depth -= 1;
        }
        self.expects.truncate(saved_expects);
        self.parent = saved_parent;
    }

    /// `parse_list` with `closers` added to the expected ones: a new list, so its first command has
    /// no connector.
    fn list_until(&mut self, closers: &[Closer]) {
        self.pending_conn = None;
        let n = self.expects.len();
        self.expects.extend_from_slice(closers);
        self.parse_list();
        self.expects.truncate(n);
    }

    fn parse_command(&mut self, id: usize, index: usize, negated: bool) {
        while self.peek_reserved() == Some("!") {
            self.next();
        }
        let kind = self.peek_kind();
        let reserved = self.peek_reserved();
        let compound = kind == Kind::Op(Op::LParen)
            || matches!(
                reserved,
                Some("{" | "if" | "while" | "until" | "for" | "select" | "case" | "function")
            );
        if compound && self.nest >= MAX_NEST {
            // Too deep: the keyword is dropped and its contents parsed flat.
            let t = self.next();
            if let Tok::Op(Op::LParen, r) = t {
                self.pos = self.skip_parens(r.end);
                self.error(r.start..self.pos, "nesting too deep; not analysed");
            } else {
                self.error(t.range(), "nesting too deep");
            }
            return;
        }
        match (kind, reserved) {
            (Kind::Op(Op::LParen), _) => self.parse_subshell(id, index),
            (_, Some("{")) => {
                let open = self.next().range();
                self.body(id, index, true, |p| {
                    p.list_until(&[Closer::Brace]);
                    p.expect_reserved("}", open.start);
                });
                self.compound_redirects();
            }
            (_, Some("if")) => self.parse_if(id, index),
            (_, Some("while" | "until")) => {
                let kw = self.next().range();
                self.body(id, index, false, |p| {
                    p.list_until(&[Closer::Do]);
                    p.do_group(kw.start);
                });
                self.compound_redirects();
            }
            (_, Some("for" | "select")) => self.parse_for(id, index),
            (_, Some("case")) => self.parse_case(id, index),
            (_, Some("function")) => {
                self.next();
                if self.peek_kind() == Kind::Word {
                    self.next();
                }
                self.function_body(id, index);
            }
            (_, Some(w)) if is_closer_word(w) => {}
            (Kind::Word | Kind::Redir, _) => self.parse_simple(id, index, negated),
            _ => {}
        }
    }

    fn parse_subshell(&mut self, id: usize, index: usize) {
        let open = self.next().range();
        if self.byte(open.start + 1) == Some(b'(')
            && let Some(end) = self.arith_end(open.start)
        {
            // `(( arithmetic ))`: not a command.
            self.scan_arith(open.start + 2, end);
            self.last_end = self.pos;
            self.compound_redirects();
            return;
        }
        if self.depth >= MAX_DEPTH {
            self.pos = self.skip_parens(open.end);
            self.last_end = self.pos;
            self.error(open.start..self.pos, "nesting too deep; not analysed");
            return;
        }
        self.body(id, index, true, |p| {
            p.list_until(&[Closer::Paren]);
            if p.peek_kind() == Kind::Op(Op::RParen) {
                p.next();
            } else {
                let at = p.peek_start();
                p.error(open.start..at.max(open.start), "missing `)`");
            }
        });
        self.compound_redirects();
    }

    fn parse_if(&mut self, id: usize, index: usize) {
        let kw = self.next().range();
        self.body(id, index, false, |p| {
            p.list_until(&[Closer::Then]);
            p.expect_reserved("then", kw.start);
            loop {
                p.list_until(&[Closer::ElseFi]);
                match p.peek_reserved() {
                    Some("elif") => {
                        let at = p.next().range();
                        p.list_until(&[Closer::Then]);
                        p.expect_reserved("then", at.start);
                    }
                    Some("else") => {
                        p.next();
                        p.list_until(&[Closer::ElseFi]);
                        p.expect_reserved("fi", kw.start);
                        break;
                    }
                    Some("fi") => {
                        p.next();
                        break;
                    }
                    _ => {
                        let at = p.peek_start();
                        p.error(kw.start..at.max(kw.start), "missing `fi`");
                        break;
                    }
                }
            }
        });
        self.compound_redirects();
    }

    /// `do list done`.
    fn do_group(&mut self, at: usize) {
        self.skip_newlines();
        if self.peek_reserved() == Some("{") {
            // bash: `for x in y; { ...; }`
            let open = self.next().range();
            self.list_until(&[Closer::Brace]);
            self.expect_reserved("}", open.start);
            return;
        }
        if !self.expect_reserved("do", at) {
            return;
        }
        self.list_until(&[Closer::Done]);
        self.expect_reserved("done", at);
    }

    fn parse_for(&mut self, id: usize, index: usize) {
        let kw = self.next().range();
        self.body(id, index, false, |p| {
            if p.peek_kind() == Kind::Op(Op::LParen) {
                // `for ((init; cond; step))`
                let open = p.next().range();
                match p.arith_end(open.start) {
                    Some(end) => {
                        p.scan_arith(open.start + 2, end);
                        p.last_end = p.pos;
                    }
                    None => p.error(open, "bad `for ((...))`"),
                }
            } else if p.peek_kind() == Kind::Word {
                p.next();
            }
            p.skip_newlines();
            if p.peek_reserved() == Some("in") {
                p.next();
                while p.peek_kind() == Kind::Word {
                    p.next();
                }
            }
            if p.peek_kind() == Kind::Op(Op::Semi) {
                p.next();
            }
            p.do_group(kw.start);
        });
        self.compound_redirects();
    }

    fn parse_case(&mut self, id: usize, index: usize) {
        let kw = self.next().range();
        if self.peek_kind() == Kind::Word {
            self.next();
        }
        self.skip_newlines();
        self.expect_reserved("in", kw.start);
        self.body(id, index, false, |p| {
            loop {
                p.skip_newlines();
                if p.peek_reserved() == Some("esac") {
                    p.next();
                    break;
                }
                if p.peek_kind() == Kind::Eof {
                    p.error(kw.start..p.b.len(), "missing `esac`");
                    break;
                }
                // Pattern list: `(a|b)` or `a|b)`.
                if p.peek_kind() == Kind::Op(Op::LParen) {
                    p.next();
                }
                loop {
                    match p.peek_kind() {
                        Kind::Word | Kind::Op(Op::Pipe) => {
                            p.next();
                        }
                        Kind::Op(Op::RParen) => {
                            p.next();
                            break;
                        }
                        _ => {
                            let at = p.peek_start();
                            p.error(at..at, "bad `case` pattern");
                            break;
                        }
                    }
                }
                p.list_until(&[Closer::CaseEnd]);
                match p.peek_kind() {
                    Kind::Op(Op::DSemi | Op::SemiAnd | Op::DSemiAnd) => {
                        p.next();
                    }
                    _ if p.peek_reserved() == Some("esac") => {
                        p.next();
                        break;
                    }
                    _ => {
                        let at = p.peek_start();
                        p.error(kw.start..at.max(kw.start), "missing `esac`");
                        break;
                    }
                }
            }
        });
        self.compound_redirects();
    }

    /// After `name` or `function name`: optional `()`, then the body (a compound command).
    fn function_body(&mut self, id: usize, index: usize) {
        if self.peek_kind() == Kind::Op(Op::LParen) {
            self.next();
            if self.peek_kind() == Kind::Op(Op::RParen) {
                self.next();
            } else {
                let at = self.peek_start();
                self.error(at..at, "expected `)` in function definition");
            }
        }
        self.skip_newlines();
        if self.nest >= MAX_NEST {
            let at = self.peek_start();
            self.error(at..at, "nesting too deep");
            return;
        }
        self.nest += 1;
        self.parse_command(id, index, false);
        self.nest -= 1;
    }

    /// Redirections after a compound command (`done < file`, `} > log`): here-document bodies are
    /// skipped; the redirections are not recorded.
    fn compound_redirects(&mut self) {
        while self.peek_kind() == Kind::Redir {
            if let Some((r, _)) = self.redirect()
                && r.op.is_heredoc()
            {
                self.heredocs.push(PendingHeredoc {
                    target: None,
                    delim: r.target.text.clone(),
                    strip_tabs: r.op == RedirectOp::HereDocStrip,
                    op_range: r.range.clone(),
                    script_for: None,
                });
            }
        }
    }

    /// A redirection token and its target.
    fn redirect(&mut self) -> Option<(Redirect, SpanMap)> {
        let Tok::Redir(fd, op, r) = self.next() else {
            return None;
        };
        self.want_target = true;
        let (target, map) = if self.peek_kind() == Kind::Word {
            match self.next_word() {
                Some(w) => (w.word, w.map),
                None => (
                    Word {
                        text: String::new(),
                        range: r.end..r.end,
                        quoted: false,
                    },
                    Vec::new(),
                ),
            }
        } else {
            self.error(r.clone(), format!("missing target after `{}`", op.as_str()));
            (
                Word {
                    text: String::new(),
                    range: r.end..r.end,
                    quoted: false,
                },
                Vec::new(),
            )
        };
        self.want_target = false;
        let range = r.start..target.range.end.max(r.end);
        Some((
            Redirect {
                fd,
                op,
                target,
                range,
                heredoc_body: None,
            },
            map,
        ))
    }

    fn parse_simple(&mut self, id: usize, index: usize, negated: bool) {
        let start = self.peek_start();
        let conn = self.pending_conn.take();
        let mut assignments = Vec::new();
        let mut argv: Vec<Word> = Vec::new();
        let mut maps: Vec<SpanMap> = Vec::new();
        let mut redirects: Vec<Redirect> = Vec::new();
        let mut redirect_maps: Vec<SpanMap> = Vec::new();
        if self.peek_reserved() == Some("[[") {
            if let Some(w) = self.next_word() {
                argv.push(w.word);
                maps.push(w.map);
            }
            self.cond_mode = true;
            loop {
                if self.peek_kind() != Kind::Word {
                    let at = self.peek_start();
                    self.error(start..at.max(start), "missing `]]`");
                    break;
                }
                let Some(w) = self.next_word() else { break };
                let end = !w.word.quoted && w.word.text == "]]";
                argv.push(w.word);
                maps.push(w.map);
                if end {
                    break;
                }
            }
            self.cond_mode = false;
        }
        loop {
            match self.peek_kind() {
                Kind::Word => {
                    let Some(w) = self.next_word() else { break };
                    if argv.is_empty() && is_assignment_prefix_raw(self.slice(w.word.range.clone()))
                    {
                        assignments.push(w.word);
                        continue;
                    }
                    argv.push(w.word);
                    maps.push(w.map);
                    if argv.len() == 1
                        && assignments.is_empty()
                        && redirects.is_empty()
                        && self.peek_kind() == Kind::Op(Op::LParen)
                    {
                        // `name() compound`
                        self.pending_conn = conn;
                        self.function_body(id, index);
                        return;
                    }
                }
                Kind::Redir => {
                    if let Some((r, map)) = self.redirect() {
                        redirects.push(r);
                        redirect_maps.push(map);
                    }
                }
                _ => break,
            }
        }
        if argv.is_empty() && assignments.is_empty() && redirects.is_empty() {
            self.pending_conn = conn;
            return;
        }
        let end = self.last_end.max(start);
        let ci = self.commands.len();

        // Nested scripts: `sh -c '...'`, or a shell reading stdin from a here-string/here-document.
        let (first, _) = wrappers::unwrap(&argv);
        let input = wrappers::shell_input(&argv, first);
        let mut nested: Option<(String, SpanMap, Range<usize>)> = None;
        let mut stdin_script = false;
        match input {
            Some(ShellInput::Arg(wi, off)) => {
                if let (Some(w), Some(map)) = (argv.get(wi), maps.get(wi)) {
                    let text = w.text.get(off..).unwrap_or("").to_string();
                    let map = map.get(off..).unwrap_or(&[]).to_vec();
                    nested = Some((text, map, w.range.clone()));
                }
            }
            Some(ShellInput::Stdin) => {
                stdin_script = true;
                for (r, map) in redirects.iter().zip(&redirect_maps) {
                    if r.op == RedirectOp::HereString && r.effective_fd() == 0 {
                        nested = Some((r.target.text.clone(), map.clone(), r.target.range.clone()));
                    }
                }
            }
            None => {}
        }
        for (ri, r) in redirects.iter().enumerate() {
            if r.op.is_heredoc() {
                let script = stdin_script && r.effective_fd() == 0;
                self.heredocs.push(PendingHeredoc {
                    target: Some((ci, ri)),
                    delim: r.target.text.clone(),
                    strip_tabs: r.op == RedirectOp::HereDocStrip,
                    op_range: r.range.clone(),
                    script_for: script.then_some((id, index)),
                });
            }
        }
        self.commands.push(Command {
            assignments,
            argv,
            redirects,
            range: start..end,
            pipeline: id,
            pipeline_index: index,
            depth: self.depth,
            negated,
            connector_before: conn,
        });
        if let Some((text, map, bounds)) = nested
            && self.can_nest()
        {
            // Substitutions already analysed in this word are not parsed again.
            let skip: HashSet<usize> = text
                .bytes()
                .enumerate()
                .filter(|&(i, c)| {
                    matches!(c, b'$' | b'`' | b'<' | b'>')
                        && map.get(i).is_some_and(|p| self.subst_starts.contains(&p.0))
                })
                .map(|(i, _)| i)
                .collect();
            self.sub_parse(
                &text,
                &Mapping::Table(&map),
                bounds,
                Some((id, index)),
                skip,
            );
        }
    }
}

/// `NAME=` or `NAME+=` (the start of an array assignment).
fn is_assignment_prefix(s: &str) -> bool {
    let body = s.strip_suffix('=').unwrap_or("");
    let body = body.strip_suffix('+').unwrap_or(body);
    !body.is_empty() && is_name(body)
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A raw word that is an assignment: an unquoted name (optionally `[index]`, `+`) then `=`.
fn is_assignment_prefix_raw(raw: &str) -> bool {
    wrappers::is_assignment_text(raw)
}
