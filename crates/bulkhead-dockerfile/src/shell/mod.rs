//! Shell understanding of `RUN` commands.
//!
//! [`parse_script`] splits a POSIX-ish shell script (the logical text of a shell-form `RUN`, or the body
//! of a `RUN <<EOF` heredoc) into a flat list of simple [`Command`]s with their words and byte ranges
//! into the input. The splitter is hand-written and error tolerant: it never panics, always returns
//! best-effort commands, and reports problems such as an unterminated quote in [`Script::errors`].
//!
//! What it understands:
//!
//! * lists and pipelines: `&&`, `||`, `;`, `&`, newlines, `|`, `|&`, `!`;
//! * quoting: `'...'`, `"..."` (with `\"`, `\$`, `` \` ``, `\\`), `$'...'`, `$"..."`, backslash escapes
//!   and backslash-newline continuations; comments;
//! * expansions: `$(...)`, `` `...` `` and `<(...)`/`>(...)` (their commands are parsed with
//!   `depth + 1`; the substitution stays verbatim in the enclosing word's text), `$((...))` arithmetic
//!   and `${...}` parameter expansions (kept verbatim);
//! * compound commands: `( ... )`, `{ ...; }`, `if`/`elif`/`else`, `while`, `until`, `for`, `select`,
//!   `case` (patterns are not commands), `[[ ... ]]`, `(( ... ))`, function definitions;
//! * redirections with and without a file descriptor, here-documents (their bodies are skipped and
//!   recorded in [`Redirect::heredoc_body`]) and here-strings;
//! * nested scripts: `sh -c 'script'` (any common POSIX shell, also behind `sudo`/`env`/...),
//!   `su -c '...'`, and `sh` fed by a here-document or here-string are parsed too (`depth + 1`), with
//!   ranges inside the script argument.
//!
//! Nesting deeper than [`MAX_DEPTH`] is skipped (with an error entry) instead of analysed.

use std::ops::Range;

mod syntax;
mod wrappers;

/// Commands nested deeper than this (substitutions, subshells, groups, `sh -c`) are not analysed.
pub const MAX_DEPTH: usize = 16;

/// A parsed script: every simple command, in source order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    /// All simple commands, including those nested in substitutions, compound commands and
    /// `sh -c` scripts, sorted by their start offset.
    pub commands: Vec<Command>,
    /// Pipelines, indexed by [`Command::pipeline`].
    pub pipelines: Vec<Pipeline>,
    /// Syntax problems (unterminated quotes, missing `fi`, ...), with the offending range.
    pub errors: Vec<(Range<usize>, String)>,
}

/// One pipeline: `a | b | c`, possibly negated with `!`. A single command is a pipeline of length 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// The pipeline in the input (best effort for nested scripts).
    pub range: Range<usize>,
    /// Number of elements (simple or compound commands).
    pub len: usize,
    /// Written as `! pipeline`.
    pub negated: bool,
    /// When this pipeline runs inside element `k` of another pipeline `p` (a subshell, group, `if`
    /// body, `sh -c` script...), `Some((p, k))`: its output flows into the rest of `p`. `None` at top
    /// level and inside command substitutions (whose output is captured).
    pub parent: Option<(usize, usize)>,
}

/// A word of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word after quote removal and backslash processing. Expansions (`$VAR`, `${...}`, `$(...)`,
    /// `` `...` ``, `$((...))`) are left as written.
    pub text: String,
    /// The raw word in the input.
    pub range: Range<usize>,
    /// Some part of the word was quoted or escaped (`'...'`, `"..."`, `$'...'`, `\x`).
    pub quoted: bool,
}

/// The operator written before a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Connector {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `;`
    Semi,
    /// `&`
    Amp,
    /// A newline.
    Newline,
    /// `|`
    Pipe,
    /// `|&`
    PipeAmp,
}

impl Connector {
    pub fn as_str(self) -> &'static str {
        match self {
            Connector::And => "&&",
            Connector::Or => "||",
            Connector::Semi => ";",
            Connector::Amp => "&",
            Connector::Newline => "\n",
            Connector::Pipe => "|",
            Connector::PipeAmp => "|&",
        }
    }
}

/// A redirection operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedirectOp {
    /// `<`
    In,
    /// `>`
    Out,
    /// `>>`
    Append,
    /// `>|`
    Clobber,
    /// `<>`
    ReadWrite,
    /// `<&`
    DupIn,
    /// `>&`
    DupOut,
    /// `&>` (stdout and stderr)
    OutErr,
    /// `&>>`
    AppendOutErr,
    /// `<<`
    HereDoc,
    /// `<<-`
    HereDocStrip,
    /// `<<<`
    HereString,
}

impl RedirectOp {
    pub fn as_str(self) -> &'static str {
        match self {
            RedirectOp::In => "<",
            RedirectOp::Out => ">",
            RedirectOp::Append => ">>",
            RedirectOp::Clobber => ">|",
            RedirectOp::ReadWrite => "<>",
            RedirectOp::DupIn => "<&",
            RedirectOp::DupOut => ">&",
            RedirectOp::OutErr => "&>",
            RedirectOp::AppendOutErr => "&>>",
            RedirectOp::HereDoc => "<<",
            RedirectOp::HereDocStrip => "<<-",
            RedirectOp::HereString => "<<<",
        }
    }

    /// `<<` or `<<-`.
    pub fn is_heredoc(self) -> bool {
        matches!(self, RedirectOp::HereDoc | RedirectOp::HereDocStrip)
    }

    /// Reads into the command (`<`, `<&`, `<>`, here-documents, here-strings).
    pub fn is_input(self) -> bool {
        matches!(
            self,
            RedirectOp::In
                | RedirectOp::ReadWrite
                | RedirectOp::DupIn
                | RedirectOp::HereDoc
                | RedirectOp::HereDocStrip
                | RedirectOp::HereString
        )
    }
}

/// A redirection of a simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The file descriptor written before the operator (`2>`), if any.
    pub fd: Option<u32>,
    pub op: RedirectOp,
    /// The file, descriptor (`>&2`: `2`), here-document delimiter (quotes removed) or here-string.
    /// Empty, with an empty range at the operator's end, when missing (an error is reported).
    pub target: Word,
    /// From the fd (or operator) to the end of the target.
    pub range: Range<usize>,
    /// For `<<`/`<<-`: the body lines in the input (without the terminator line), once read.
    pub heredoc_body: Option<Range<usize>>,
}

impl Redirect {
    /// The descriptor redirected: the explicit one, else 0 for input operators and 1 for output ones
    /// (`&>` redirects 1 and 2).
    pub fn effective_fd(&self) -> u32 {
        match self.fd {
            Some(fd) => fd,
            None if self.op.is_input() => 0,
            None => 1,
        }
    }
}

/// A simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// Leading `NAME=value` words (`NAME+=value`, `NAME[i]=value` too). `export NAME=value` and
    /// `env NAME=value cmd` keep those words in `argv`; see [`Command::assigned_variables`] and
    /// [`Command::unwrapped`].
    pub assignments: Vec<Word>,
    /// Program and arguments, redirections removed. Wrappers (`sudo`, `env`, ...) are kept: see
    /// [`Command::unwrapped`].
    pub argv: Vec<Word>,
    pub redirects: Vec<Redirect>,
    /// The whole simple command in the input.
    pub range: Range<usize>,
    /// Index into [`Script::pipelines`].
    pub pipeline: usize,
    /// 0 for the first element of the pipeline, 1 after the first `|`, ...
    pub pipeline_index: usize,
    /// 0 at top level (including `if`/loop bodies); +1 per enclosing `$(...)`, `` `...` ``, `( ... )`,
    /// `{ ...; }` or `sh -c` script.
    pub depth: usize,
    /// The command's pipeline is negated with `!`.
    pub negated: bool,
    /// The operator directly before this command. `None` for the first command of a list: of the
    /// script, a substitution, a nested script, a subshell or group, an `if`/`while` condition, a
    /// `then`/`else`/`do` body or a `case` item.
    pub connector_before: Option<Connector>,
}

/// The base name of a path: `/usr/bin/curl` -> `curl`. Slashes inside `$(...)`, `${...}` and
/// backquotes do not count (`$(curl https://x)` stays whole).
pub(crate) fn basename(path: &str) -> &str {
    let mut depth = 0usize;
    let mut in_backquote = false;
    let mut cut = 0;
    for (i, c) in path.char_indices() {
        match c {
            '(' | '{' => depth += 1,
            ')' | '}' => depth = depth.saturating_sub(1),
            '`' => in_backquote = !in_backquote,
            '/' if depth == 0 && !in_backquote => cut = i + 1,
            _ => {}
        }
    }
    path.get(cut..).unwrap_or(path)
}

impl Command {
    /// The base name of `argv[0]`: `/usr/bin/curl` -> `curl`.
    pub fn program(&self) -> Option<&str> {
        self.argv.first().map(|w| basename(&w.text))
    }

    /// `argv[1..]`.
    pub fn args(&self) -> &[Word] {
        self.argv.get(1..).unwrap_or(&[])
    }

    /// The texts of `argv`.
    pub fn argv_text(&self) -> Vec<&str> {
        self.argv.iter().map(|w| w.text.as_str()).collect()
    }

    /// Whether an option is present among the arguments (before `--`): `short` matches inside combined
    /// short flags (`-fsSLk` contains `k`; letters are read up to the first non-alphanumeric
    /// character), `long` matches `--long` and `--long=value` (given with or without the dashes).
    pub fn has_flag(&self, short: Option<char>, long: Option<&str>) -> bool {
        let long = long.map(|l| l.trim_start_matches('-'));
        for arg in self.args() {
            let t = arg.text.as_str();
            if t == "--" {
                break;
            }
            if let Some(rest) = t.strip_prefix("--") {
                let name = rest.split('=').next().unwrap_or(rest);
                if long.is_some_and(|l| l == name) {
                    return true;
                }
            } else if let Some(rest) = t.strip_prefix('-')
                && let Some(s) = short
                && rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .any(|c| c == s)
            {
                return true;
            }
        }
        false
    }

    /// The value of the first occurrence of an option: `-o file`, `-ofile`, `-fsSLo file`,
    /// `--output=file`, `--output file`. Best effort: whether the option takes a value is up to the
    /// caller.
    pub fn flag_value(&self, short: Option<char>, long: Option<&str>) -> Option<&str> {
        self.flag_values(short, long).into_iter().next()
    }

    /// The values of every occurrence of an option (see [`Command::flag_value`]).
    pub fn flag_values(&self, short: Option<char>, long: Option<&str>) -> Vec<&str> {
        let long = long.map(|l| l.trim_start_matches('-'));
        let args = self.args();
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(arg) = args.get(i) {
            let t = arg.text.as_str();
            if t == "--" {
                break;
            }
            if let Some(rest) = t.strip_prefix("--") {
                if let Some(l) = long {
                    if let Some((name, value)) = rest.split_once('=') {
                        if name == l {
                            out.push(value);
                        }
                    } else if rest == l
                        && let Some(next) = args.get(i + 1)
                    {
                        out.push(next.text.as_str());
                        i += 1;
                    }
                }
            } else if let Some(rest) = t.strip_prefix('-')
                && let Some(s) = short
            {
                for (at, c) in rest.char_indices() {
                    if c == s {
                        let value = rest.get(at + c.len_utf8()..).unwrap_or("");
                        if !value.is_empty() {
                            out.push(value);
                        } else if let Some(next) = args.get(i + 1) {
                            out.push(next.text.as_str());
                            i += 1;
                        }
                        break;
                    }
                    if !c.is_ascii_alphanumeric() {
                        break;
                    }
                }
            }
            i += 1;
        }
        out
    }

    /// Arguments that do not look like options (`-` alone counts; everything after `--` counts).
    /// Best effort: values of options (`-o file`) are included.
    pub fn positional(&self) -> Vec<&Word> {
        let mut out = Vec::new();
        let mut options_done = false;
        for arg in self.args() {
            let t = arg.text.as_str();
            if options_done || t == "-" || !t.starts_with('-') {
                out.push(arg);
            } else if t == "--" {
                options_done = true;
            }
        }
        out
    }

    /// The command with leading wrappers removed: `env` (its options and `NAME=value` words, which
    /// are moved to `assignments`), `sudo`/`doas` (with their options), `exec`, `nohup`, `time`,
    /// `command` (not `command -v`), `builtin`, `nice`, `timeout`, `stdbuf`, `gosu`/`su-exec`. Nested
    /// wrappers are removed too (`sudo env X=1 nohup cmd` -> `cmd`). A wrapper with nothing after it
    /// is kept. Everything else (ranges, pipeline, ...) is unchanged.
    pub fn unwrapped(&self) -> Command {
        let (start, env_assignments) = wrappers::unwrap(&self.argv);
        let mut cmd = self.clone();
        for i in env_assignments {
            if let Some(w) = self.argv.get(i) {
                cmd.assignments.push(w.clone());
            }
        }
        cmd.argv = self.argv.get(start..).unwrap_or(&[]).to_vec();
        cmd
    }

    /// Variables this command sets, as `(name, value)` with the value's text as written after quote
    /// removal: leading assignments, `env`/`sudo` assignments, and the `NAME=value` arguments of
    /// `export`, `declare`, `typeset`, `local` and `readonly`.
    pub fn assigned_variables(&self) -> Vec<(&str, &str)> {
        let (start, env_assignments) = wrappers::unwrap(&self.argv);
        let mut words: Vec<&Word> = self.assignments.iter().collect();
        words.extend(env_assignments.iter().filter_map(|&i| self.argv.get(i)));
        if let Some(w) = self.argv.get(start)
            && matches!(
                basename(&w.text),
                "export" | "declare" | "typeset" | "local" | "readonly"
            )
        {
            let args = self.argv.get(start + 1..).unwrap_or(&[]);
            words.extend(
                args.iter()
                    .filter(|a| wrappers::is_assignment_text(&a.text)),
            );
        }
        words
            .into_iter()
            .filter_map(|w| w.text.split_once('='))
            .map(|(name, value)| (name.strip_suffix('+').unwrap_or(name), value))
            .collect()
    }

    /// The argv with leading wrappers removed (see [`Command::unwrapped`]).
    pub fn unwrapped_argv(&self) -> &[Word] {
        let (start, _) = wrappers::unwrap(&self.argv);
        self.argv.get(start..).unwrap_or(&[])
    }

    /// For `sh -c 'script'`, `bash -ec "..."`, `su -c '...'` (also behind wrappers): the script word.
    pub fn shell_script(&self) -> Option<&Word> {
        let (start, _) = wrappers::unwrap(&self.argv);
        wrappers::shell_script_arg(&self.argv, start).and_then(|(i, _)| self.argv.get(i))
    }
}

impl Script {
    /// The commands that (directly or through later pipeline elements) read the output of command
    /// `i` through a pipe: the later elements of its pipeline, including commands nested in them
    /// (`curl x | (cd /tmp && sh)`), and, when command `i` is the last element of a pipeline nested
    /// in a compound command or `sh -c` script, the later elements of the enclosing pipeline
    /// (`{ curl x; } | sh`, `sh -c 'curl x' | bash`). Redirections are not considered.
    pub fn piped_into(&self, i: usize) -> impl Iterator<Item = &Command> + '_ {
        let targets = self.downstream(i);
        self.commands
            .iter()
            .enumerate()
            .filter(move |(j, c)| *j != i && !targets.is_empty() && self.in_slots(c, &targets))
            .map(|(_, c)| c)
    }

    /// The commands directly in pipeline `id`, in order (commands nested in compound elements are not
    /// included).
    pub fn pipeline_commands(&self, id: usize) -> impl Iterator<Item = &Command> + '_ {
        self.commands.iter().filter(move |c| c.pipeline == id)
    }

    /// Indices of the commands for which `f` holds.
    pub fn find<'s>(
        &'s self,
        f: impl Fn(&Command) -> bool + 's,
    ) -> impl Iterator<Item = usize> + 's {
        self.commands
            .iter()
            .enumerate()
            .filter(move |(_, c)| f(c))
            .map(|(i, _)| i)
    }

    /// `(pipeline, first element index)` slots receiving the output of command `i`.
    fn downstream(&self, i: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let Some(c) = self.commands.get(i) else {
            return out;
        };
        let (mut p, mut k) = (c.pipeline, c.pipeline_index);
        for _ in 0..=self.pipelines.len() {
            let Some(pl) = self.pipelines.get(p) else {
                break;
            };
            if k + 1 < pl.len {
                out.push((p, k + 1));
                break;
            }
            match pl.parent {
                Some((pp, pk)) => (p, k) = (pp, pk),
                None => break,
            }
        }
        out
    }

    fn in_slots(&self, c: &Command, slots: &[(usize, usize)]) -> bool {
        let (mut p, mut k) = (c.pipeline, c.pipeline_index);
        for _ in 0..=self.pipelines.len() {
            if slots.iter().any(|&(sp, sk)| sp == p && k >= sk) {
                return true;
            }
            match self.pipelines.get(p).and_then(|pl| pl.parent) {
                Some((pp, pk)) => (p, k) = (pp, pk),
                None => return false,
            }
        }
        false
    }
}

/// Parses a shell script. Never fails; problems are listed in [`Script::errors`].
pub fn parse_script(src: &str) -> Script {
    let mut script = syntax::parse(src);
    script.commands.sort_by_key(|c| c.range.start);
    script
}

/// Whether a `SHELL` instruction's argv keeps POSIX shell analysis on. PowerShell (`powershell`,
/// `pwsh`), `cmd`, and other non-POSIX shells and interpreters (`fish`, `csh`, `tcsh`, `nu`, `python`,
/// ...) turn it off; POSIX-ish shells and anything unknown keep it on. `env` in front is skipped;
/// paths may use `/` or `\`, and `.exe` and letter case are ignored.
pub fn is_posix_shell(shell_argv: &[String]) -> bool {
    let mut iter = shell_argv.iter();
    let Some(first) = iter.next() else {
        return true;
    };
    let name = exe_name(first);
    if name != "env" {
        return !is_non_posix_name(&name);
    }
    // Skip env's options and assignments, then look at the program.
    match iter.find(|a| !a.starts_with('-') && !a.contains('=')) {
        Some(program) => !is_non_posix_name(&exe_name(program)),
        None => true,
    }
}

/// Lower-case base name without `.exe`, for `/` and `\` paths.
fn exe_name(path: &str) -> String {
    let name = path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    match name.strip_suffix(".exe") {
        Some(stem) => stem.to_string(),
        None => name,
    }
}

fn is_non_posix_name(name: &str) -> bool {
    const NON_POSIX: &[&str] = &[
        "powershell",
        "powershell_ise",
        "pwsh",
        "pwsh-preview",
        "cmd",
        "command.com",
        "fish",
        "csh",
        "tcsh",
        "nu",
        "elvish",
        "xonsh",
        "node",
        "perl",
        "ruby",
        "php",
    ];
    NON_POSIX.contains(&name) || name.starts_with("python") || name.starts_with("pwsh")
}
