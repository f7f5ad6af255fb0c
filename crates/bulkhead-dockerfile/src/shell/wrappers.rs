//! Command wrappers (`sudo`, `env`, ...) and nested shell scripts (`sh -c '...'`).

use super::{Word, basename};

/// POSIX-ish shells whose `-c` script (or stdin) is parsed as a nested script.
const SHELLS: &[&str] = &[
    "sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "yash", "posh", "busybox",
];

/// `NAME=value` (also `NAME+=value`, `NAME[i]=value`) as plain text.
pub(super) fn is_assignment_text(t: &str) -> bool {
    let b = t.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {}
        _ => return false,
    }
    let mut i = 1;
    while b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        i += 1;
    }
    if b.get(i) == Some(&b'[') {
        while b.get(i).is_some_and(|c| *c != b']') {
            i += 1;
        }
        i += 1;
    }
    if b.get(i) == Some(&b'+') {
        i += 1;
    }
    b.get(i) == Some(&b'=')
}

/// How a wrapper's options are read.
struct Opts {
    /// Short options taking a value (`-u user`, `-uuser`).
    short_arg: &'static str,
    /// Long options taking a value when written without `=` (`--user user`).
    long_arg: &'static [&'static str],
    /// `NAME=value` words are accepted among the options (moved to assignments).
    assignments: bool,
    /// Extra positional words consumed after the options (`timeout DURATION`, `gosu USER`).
    operands: usize,
    /// `-` alone is an option (`env -`).
    dash_is_option: bool,
}

const NO_OPTS: Opts = Opts {
    short_arg: "",
    long_arg: &[],
    assignments: false,
    operands: 0,
    dash_is_option: false,
};

fn wrapper_opts(name: &str) -> Option<Opts> {
    Some(match name {
        "env" => Opts {
            short_arg: "uCS",
            long_arg: &[
                "unset",
                "chdir",
                "split-string",
                "default-signal",
                "ignore-signal",
                "block-signal",
            ],
            assignments: true,
            dash_is_option: true,
            ..NO_OPTS
        },
        "sudo" => Opts {
            short_arg: "ugCDhprtUTR",
            long_arg: &[
                "user",
                "group",
                "close-from",
                "chdir",
                "host",
                "prompt",
                "role",
                "type",
                "other-user",
                "command-timeout",
                "chroot",
            ],
            assignments: true,
            ..NO_OPTS
        },
        "doas" => Opts {
            short_arg: "uC",
            ..NO_OPTS
        },
        "exec" => Opts {
            short_arg: "a",
            ..NO_OPTS
        },
        "nohup" | "builtin" | "command" => NO_OPTS,
        "time" => Opts {
            short_arg: "fo",
            long_arg: &["format", "output"],
            ..NO_OPTS
        },
        "nice" => Opts {
            short_arg: "n",
            long_arg: &["adjustment"],
            ..NO_OPTS
        },
        "timeout" => Opts {
            short_arg: "sk",
            long_arg: &["signal", "kill-after"],
            operands: 1,
            ..NO_OPTS
        },
        "stdbuf" => Opts {
            short_arg: "ioe",
            long_arg: &["input", "output", "error"],
            ..NO_OPTS
        },
        "gosu" | "su-exec" => Opts {
            operands: 1,
            ..NO_OPTS
        },
        _ => return None,
    })
}

/// Skips a wrapper's options starting at `from`; returns the index of the wrapped command.
/// `None` when the wrapper does not run a command (`command -v x`).
fn skip_wrapper(
    name: &str,
    opts: &Opts,
    argv: &[Word],
    from: usize,
    assignments: &mut Vec<usize>,
) -> Option<usize> {
    let mut j = from;
    while let Some(w) = argv.get(j) {
        let t = w.text.as_str();
        if t == "--" {
            j += 1;
            break;
        }
        if t == "-" && opts.dash_is_option {
            j += 1;
            continue;
        }
        if let Some(long) = t.strip_prefix("--") {
            j += if !long.contains('=') && opts.long_arg.contains(&long) {
                2
            } else {
                1
            };
            continue;
        }
        if let Some(short) = t.strip_prefix('-')
            && !short.is_empty()
        {
            if name == "command" && short.contains(['v', 'V']) {
                return None;
            }
            let mut takes_next = false;
            for (at, c) in short.char_indices() {
                if opts.short_arg.contains(c) {
                    takes_next = at + c.len_utf8() == short.len();
                    break;
                }
            }
            j += if takes_next { 2 } else { 1 };
            continue;
        }
        if opts.assignments && is_assignment_text(t) {
            assignments.push(j);
            j += 1;
            continue;
        }
        break;
    }
    Some(j + opts.operands)
}

/// The index in `argv` of the command run through leading wrappers, and the indices of `env`/`sudo`
/// assignment words skipped on the way.
pub(super) fn unwrap(argv: &[Word]) -> (usize, Vec<usize>) {
    let mut i = 0;
    let mut assignments = Vec::new();
    while let Some(w) = argv.get(i) {
        let name = basename(&w.text);
        let Some(opts) = wrapper_opts(name) else {
            break;
        };
        let mut found = Vec::new();
        match skip_wrapper(name, &opts, argv, i + 1, &mut found) {
            Some(next) if next > i && next < argv.len() => {
                assignments.extend(found);
                i = next;
            }
            _ => break,
        }
    }
    (i, assignments)
}

/// How a shell found at `argv[start]` gets its script.
pub(super) enum ShellInput {
    /// `-c`: the script is `argv[index]`, starting at byte `offset` of its text.
    Arg(usize, usize),
    /// No `-c` and no script file (or `-s`): the script is read from stdin.
    Stdin,
}

/// `sh -c 'script'`, `bash -euxo pipefail -c "..."`, `busybox sh -c`, `su [user] -c '...'`, or a shell
/// reading its script from stdin.
pub(super) fn shell_input(argv: &[Word], start: usize) -> Option<ShellInput> {
    let mut start = start;
    let mut name = basename(&argv.get(start)?.text);
    if name == "busybox" {
        start += 1;
        name = basename(&argv.get(start)?.text);
        if !SHELLS.contains(&name) || name == "busybox" {
            return None;
        }
    }
    if name == "su" || name == "runuser" {
        return su_command(argv, start).map(|(i, off)| ShellInput::Arg(i, off));
    }
    if !SHELLS.contains(&name) {
        return None;
    }
    let mut c_flag = false;
    let mut s_flag = false;
    let mut j = start + 1;
    while let Some(w) = argv.get(j) {
        let t = w.text.as_str();
        if t == "--" || t == "-" {
            j += 1;
            break;
        }
        if let Some(long) = t.strip_prefix("--") {
            j += if matches!(long, "rcfile" | "init-file") {
                2
            } else {
                1
            };
            continue;
        }
        let letters = t.strip_prefix('-').or_else(|| t.strip_prefix('+'));
        if let Some(letters) = letters
            && !letters.is_empty()
        {
            if t.starts_with('-') {
                c_flag |= letters.contains('c');
                s_flag |= letters.contains('s');
            }
            // `-o option` / `-O shopt` take the next word.
            j += if letters.contains(['o', 'O']) { 2 } else { 1 };
            continue;
        }
        break;
    }
    if c_flag {
        return argv.get(j).map(|_| ShellInput::Arg(j, 0));
    }
    if s_flag || argv.get(j).is_none() {
        return Some(ShellInput::Stdin);
    }
    None
}

/// The `-c`/`--command` value of `su`/`runuser`.
fn su_command(argv: &[Word], start: usize) -> Option<(usize, usize)> {
    let mut j = start + 1;
    while let Some(w) = argv.get(j) {
        let t = w.text.as_str();
        if t == "-c" || t == "--command" {
            return argv.get(j + 1).map(|_| (j + 1, 0));
        }
        if t.starts_with("--command=") {
            return Some((j, "--command=".len()));
        }
        if t == "--" {
            return None;
        }
        j += if matches!(
            t,
            "-s" | "--shell" | "-g" | "--group" | "-G" | "--supp-group" | "-u" | "-w"
        ) {
            2
        } else {
            1
        };
    }
    None
}

/// The script word of a shell found through wrappers: `(argv index, byte offset in its text)`.
pub(super) fn shell_script_arg(argv: &[Word], start: usize) -> Option<(usize, usize)> {
    match shell_input(argv, start)? {
        ShellInput::Arg(i, off) => Some((i, off)),
        ShellInput::Stdin => None,
    }
}
