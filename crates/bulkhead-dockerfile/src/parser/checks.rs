//! The argument checks BuildKit's `instructions` package makes on every instruction before building.

use super::diag;
use super::heredoc::parse_heredoc_word;
use super::instruction::{NodeValue, healthcheck, node_values};
use super::words::{go_quote, go_to_lower, go_to_upper};
use crate::ast::{DiagnosticLevel, Instruction, InstructionKind, ParseDiagnostic};

/// The argument checks BuildKit's `instructions` package makes before building (on every instruction of
/// the file, ONBUILD triggers excepted), and the stage structure checks.
pub(super) fn check_instructions(
    instructions: &[Instruction],
    diags: &mut Vec<ParseDiagnostic>,
    len: usize,
) {
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
