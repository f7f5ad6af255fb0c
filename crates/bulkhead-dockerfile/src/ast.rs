//! The syntax tree of a Dockerfile. Lossless: every node keeps byte offsets into [`Dockerfile::text`], and
//! nothing is re-serialised (fixes are byte-range edits on the original text).

use std::ops::Range;

use bulkhead_core::text::LineIndex;

/// Byte range into [`Dockerfile::text`].
pub type ByteRange = Range<usize>;

/// A parsed Dockerfile. Parsing never fails: problems are [`ParseDiagnostic`]s and the rest is kept.
#[derive(Debug, Clone, Default)]
pub struct Dockerfile {
    /// The source text (invalid UTF-8 replaced by U+FFFD, a leading BOM kept; offsets index this string).
    pub text: String,
    /// Parser directives at the top of the file (`# syntax=`, `# escape=`, `# check=`).
    pub directives: Vec<Directive>,
    /// The escape token in force (`\\` or `` ` ``).
    pub escape: char,
    /// Every instruction in source order (ONBUILD's inner instruction is nested, not listed here).
    pub instructions: Vec<Instruction>,
    /// Every comment line (outside heredoc bodies), including those dropped from continuations. Parser
    /// directives are in [`Dockerfile::directives`] instead.
    pub comments: Vec<Comment>,
    /// Parse problems, sorted by position; `Error` ones are what BuildKit would reject (its parser, and the
    /// argument checks its `instructions` package makes before building), `Warning` ones what it warns
    /// about or accepts only at parse time (unknown instruction, empty continuation line, invalid UTF-8).
    pub diagnostics: Vec<ParseDiagnostic>,
    /// Line starts of [`Dockerfile::text`] (filled by the parser; [`Dockerfile::line_col`] rebuilds it when empty).
    pub line_index: LineIndex,
}

impl Dockerfile {
    /// 1-based line and column (counted in chars) of a byte offset into [`Dockerfile::text`].
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        if self.line_index.line_count() == 0 {
            return LineIndex::new(&self.text).position(&self.text, offset);
        }
        self.line_index.position(&self.text, offset)
    }

    /// Whether any diagnostic is an error (BuildKit would reject the file).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.level == DiagnosticLevel::Error)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Lower-cased key: `syntax`, `escape` or `check`.
    pub name: String,
    pub value: String,
    /// The whole directive line (without its line ending).
    pub range: ByteRange,
    pub value_range: ByteRange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Text after `#`, trimmed.
    pub text: String,
    /// The whole comment line (without its line ending).
    pub range: ByteRange,
    /// 0-based line number.
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DiagnosticLevel {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDiagnostic {
    pub level: DiagnosticLevel,
    /// Message in BuildKit's words where BuildKit has one (e.g. `unterminated heredoc`).
    pub message: String,
    pub range: ByteRange,
}

/// Instruction keywords. `Unknown` keeps whatever word was there (BuildKit's parser accepts it, dispatch fails).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstructionKind {
    From,
    Run,
    Cmd,
    Entrypoint,
    Label,
    Maintainer,
    Expose,
    Env,
    Add,
    Copy,
    Volume,
    User,
    Workdir,
    Arg,
    Onbuild,
    Stopsignal,
    Healthcheck,
    Shell,
    Unknown,
}

impl InstructionKind {
    /// The kind of a keyword, case-insensitively (Unicode lower-casing, like BuildKit's `strings.ToLower`).
    pub fn from_keyword(word: &str) -> InstructionKind {
        match crate::parser::go_to_lower(word).as_str() {
            "from" => Self::From,
            "run" => Self::Run,
            "cmd" => Self::Cmd,
            "entrypoint" => Self::Entrypoint,
            "label" => Self::Label,
            "maintainer" => Self::Maintainer,
            "expose" => Self::Expose,
            "env" => Self::Env,
            "add" => Self::Add,
            "copy" => Self::Copy,
            "volume" => Self::Volume,
            "user" => Self::User,
            "workdir" => Self::Workdir,
            "arg" => Self::Arg,
            "onbuild" => Self::Onbuild,
            "stopsignal" => Self::Stopsignal,
            "healthcheck" => Self::Healthcheck,
            "shell" => Self::Shell,
            _ => Self::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::From => "FROM",
            Self::Run => "RUN",
            Self::Cmd => "CMD",
            Self::Entrypoint => "ENTRYPOINT",
            Self::Label => "LABEL",
            Self::Maintainer => "MAINTAINER",
            Self::Expose => "EXPOSE",
            Self::Env => "ENV",
            Self::Add => "ADD",
            Self::Copy => "COPY",
            Self::Volume => "VOLUME",
            Self::User => "USER",
            Self::Workdir => "WORKDIR",
            Self::Arg => "ARG",
            Self::Onbuild => "ONBUILD",
            Self::Stopsignal => "STOPSIGNAL",
            Self::Healthcheck => "HEALTHCHECK",
            Self::Shell => "SHELL",
            Self::Unknown => "UNKNOWN",
        }
    }
}

/// A `--name=value` (or `--name`) flag before the arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Name without the dashes, as written (`from`, `mount`, `chown`).
    pub name: String,
    /// Value after `=`, or `None` for a bare `--link`.
    pub value: Option<String>,
    /// The whole `--name=value` word in the source.
    pub range: ByteRange,
}

/// One element of an exec-form (JSON array) argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecArg {
    /// The decoded JSON string.
    pub value: String,
    /// The JSON string literal in the source, quotes included.
    pub range: ByteRange,
}

/// Maps offsets of a logical (continuation-joined) string back to the source.
/// Each segment says: logical bytes `logical_start..logical_start+len` come from source bytes
/// `source_start..source_start+len`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SegmentMap {
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub logical_start: usize,
    pub source_start: usize,
    pub len: usize,
}

impl SegmentMap {
    /// Index of the last segment whose `logical_start` satisfies `pred`, if any.
    fn last_where(&self, pred: impl Fn(usize) -> bool) -> Option<&Segment> {
        let n = self.segments.partition_point(|s| pred(s.logical_start));
        n.checked_sub(1).and_then(|i| self.segments.get(i))
    }

    /// Source offset of a logical offset. An offset on a boundary between two segments maps to the start
    /// of the later one.
    pub fn to_source(&self, logical: usize) -> usize {
        match self.last_where(|start| start <= logical) {
            Some(s) => s.source_start + (logical - s.logical_start).min(s.len),
            None => self.segments.first().map(|s| s.source_start).unwrap_or(0),
        }
    }

    /// Source offset of a logical *end* offset: on a boundary, the end of the earlier segment.
    pub fn to_source_end(&self, logical: usize) -> usize {
        match self.last_where(|start| start < logical) {
            Some(s) => s.source_start + (logical - s.logical_start).min(s.len),
            None => self.to_source(logical),
        }
    }

    /// Source range of a logical range.
    pub fn range_to_source(&self, logical: Range<usize>) -> ByteRange {
        let start = self.to_source(logical.start);
        if logical.end <= logical.start {
            return start..start;
        }
        let end = self.to_source_end(logical.end);
        start..end.max(start)
    }

    /// The map of the logical sub-range `range`, re-based so that `range.start` becomes logical offset 0.
    pub fn slice(&self, range: Range<usize>) -> SegmentMap {
        let mut out = Vec::new();
        if range.end > range.start {
            let first = self
                .segments
                .partition_point(|s| s.logical_start + s.len <= range.start);
            for s in self.segments.get(first..).unwrap_or(&[]) {
                if s.logical_start >= range.end {
                    break;
                }
                let lo = s.logical_start.max(range.start);
                let hi = (s.logical_start + s.len).min(range.end);
                if hi > lo {
                    out.push(Segment {
                        logical_start: lo - range.start,
                        source_start: s.source_start + (lo - s.logical_start),
                        len: hi - lo,
                    });
                }
            }
        }
        if out.is_empty() {
            // Keep an anchor so that an empty text still maps to where it would have been.
            out.push(Segment {
                logical_start: 0,
                source_start: self.to_source(range.start),
                len: 0,
            });
        }
        SegmentMap { segments: out }
    }
}

/// Arguments after the keyword and flags, in the form BuildKit reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arguments {
    /// Shell form: the logical text (continuations joined, comment lines dropped, surrounding blanks
    /// trimmed; for a heredoc instruction only its first line) and its map back to the source. Every
    /// instruction that is not in exec form has this, including ENV/LABEL/ARG (see
    /// [`Instruction::key_values`]), HEALTHCHECK (type word and command, see [`Instruction::healthcheck`])
    /// and ONBUILD (the trigger text, parsed in [`Instruction::onbuild`]).
    Shell { text: String, map: SegmentMap },
    /// Exec form: a valid JSON array of strings (RUN/CMD/ENTRYPOINT/SHELL/ADD/COPY/VOLUME only; a
    /// HEALTHCHECK's exec-form command is in [`Instruction::healthcheck`]).
    Exec {
        args: Vec<ExecArg>,
        range: ByteRange,
    },
}

impl Arguments {
    pub fn is_exec(&self) -> bool {
        matches!(self, Arguments::Exec { .. })
    }
    /// Shell-form text, if shell form.
    pub fn shell_text(&self) -> Option<&str> {
        match self {
            Arguments::Shell { text, .. } => Some(text),
            Arguments::Exec { .. } => None,
        }
    }
}

/// A heredoc attached to RUN/COPY/ADD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word without quotes (`EOF`).
    pub name: String,
    /// The file descriptor number written before `<<`, if any.
    pub fd: Option<u32>,
    /// `<<-`: leading tabs stripped from body lines and the terminator.
    pub strip_tabs: bool,
    /// The delimiter was quoted: no variable expansion in the body.
    pub quoted: bool,
    /// The body as BuildKit passes it (tabs stripped for `<<-`), ending with a newline per line.
    pub content: String,
    /// The body lines in the source (excluding the terminator line).
    pub body_range: ByteRange,
    /// The `<<EOF` word in the source.
    pub marker_range: ByteRange,
}

/// One instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub kind: InstructionKind,
    /// The keyword as written (`run`, `RUN`).
    pub keyword: String,
    pub keyword_range: ByteRange,
    /// From the keyword to the end of the last argument line or heredoc terminator (no trailing newline).
    pub range: ByteRange,
    /// 0-based first and last source line (inclusive; heredoc bodies included).
    pub start_line: usize,
    pub end_line: usize,
    pub flags: Vec<Flag>,
    pub args: Arguments,
    /// Heredocs of RUN/COPY/ADD, in the order of their markers. For `ONBUILD RUN <<EOF` they belong to the
    /// trigger instruction in [`Instruction::onbuild`].
    pub heredocs: Vec<Heredoc>,
    /// For ONBUILD: the trigger instruction, fully parsed, with ranges into the file and the same lines.
    pub onbuild: Option<Box<Instruction>>,
    /// Indices into [`Dockerfile::comments`] of the comments attached to this instruction the way BuildKit
    /// attaches them (`PrevComment`): the comment lines since the previous instruction, blank lines allowed
    /// in between, restarted by an empty `#` line; parser directives and comments inside a continuation are
    /// not included.
    pub comments_before: Vec<usize>,
    /// The escape token in force for this instruction (`\\` or `` ` ``).
    pub escape: char,
}

impl Instruction {
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags
            .iter()
            .filter(move |f| f.name.eq_ignore_ascii_case(name))
    }

    /// The arguments as words: exec elements, or the shell text split on runs of blanks (`[ \t\v\f\r]`,
    /// BuildKit's `parseStringsWhitespaceDelimited`, used for COPY/ADD/VOLUME/EXPOSE/FROM...). Each word
    /// carries its source range.
    pub fn words(&self) -> Vec<(String, ByteRange)> {
        match &self.args {
            Arguments::Exec { args, .. } => args
                .iter()
                .map(|a| (a.value.clone(), a.range.clone()))
                .collect(),
            Arguments::Shell { text, map } => crate::parser::split_blank_runs(text)
                .into_iter()
                .map(|r| {
                    (
                        text.get(r.clone()).unwrap_or_default().to_string(),
                        map.range_to_source(r),
                    )
                })
                .collect(),
        }
    }

    /// The `key=value` pairs of ENV, LABEL and ARG, split the way BuildKit splits them (`ENV a=b c="d e"`,
    /// the legacy `ENV a b c` form giving key `a` and value `b c`, `ARG name` without a value). Keys and
    /// values have their quotes removed and escapes processed like BuildKit's word expansion, with variable
    /// references left as written (`$HOME` stays `$HOME`). Empty for other instructions, and for an
    /// instruction BuildKit cannot split (see the diagnostics).
    pub fn key_values(&self) -> Vec<KeyValue> {
        crate::parser::key_values(self)
    }

    /// HEALTHCHECK's type (`NONE`, `CMD` or another word) and, after it, the command in exec or shell form.
    /// `None` for other instructions and for a HEALTHCHECK without arguments.
    pub fn healthcheck(&self) -> Option<Healthcheck> {
        crate::parser::healthcheck(self)
    }
}

/// One `key=value` (or bare `key`) of ENV, LABEL or ARG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// The key, quotes removed and escapes processed.
    pub key: String,
    /// The value, quotes removed and escapes processed; `None` for `ARG name`.
    pub value: Option<String>,
    /// The key as written in the source.
    pub key_range: ByteRange,
    /// The value as written in the source (may be empty for `ENV a=`).
    pub value_range: Option<ByteRange>,
    /// The value as written (continuations joined), before quote removal.
    pub raw_value: Option<String>,
}

/// The type word of a HEALTHCHECK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthcheckKind {
    /// `HEALTHCHECK NONE`: disables any inherited health check.
    None,
    /// `HEALTHCHECK CMD ...`.
    Cmd,
    /// Any other word (BuildKit rejects it: "Unknown type ... in HEALTHCHECK (try CMD)").
    Other,
}

/// A parsed HEALTHCHECK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Healthcheck {
    pub kind: HealthcheckKind,
    /// The type word as written (`CMD`, `none`...).
    pub type_word: String,
    pub type_range: ByteRange,
    /// What follows the type word: exec form when it is a JSON array of strings, else shell form. `None`
    /// when nothing follows (`HEALTHCHECK NONE`, or a bare `HEALTHCHECK CMD`).
    pub command: Option<Arguments>,
}
