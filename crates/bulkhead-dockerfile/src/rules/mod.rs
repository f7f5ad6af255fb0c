//! The Dockerfile rule set. One rule per file; the file's doc comment (through `declare_rule!`) is the rule's
//! documentation. [`registry`] lists every rule; [`check`] runs them over one Dockerfile.

use crate::ast::{Arguments, ByteRange, Dockerfile, Flag, Instruction, InstructionKind};
use crate::context::BuildContext;
use crate::model::Model;
use crate::shell::{self, Script};
use bulkhead_core::text::LineIndex;
use bulkhead_core::{Finding, Location, RuleMeta, Span};

mod add_instead_of_copy;
mod add_remote_without_checksum;
mod apt_no_install_recommends;
mod base_image_not_digest_pinned;
mod base_image_unpinned;
mod build_context_leak;
mod context_secrets;
mod copy_from_root;
mod copy_from_unknown_stage;
mod credential_file_written;
mod duplicate_stage_name;
mod invalid_port;
mod json_form_cmd;
mod multiple_cmd;
mod no_healthcheck;
mod parse_error;
mod password_in_image;
mod pipe_to_shell;
mod relative_workdir;
mod root_user;
mod secret_file_copied;
mod secret_in_arg;
mod secret_in_env;
mod secret_in_run;
mod setuid_added;
mod ssh_server;
mod sudo;
mod tls_verification_disabled;
mod untrusted_registry;
mod update_without_install;
mod workdir_system_dir;
mod world_writable;

/// Options that rules read (from the config file and flags).
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Registries (or `registry/namespace` prefixes) base images may come from. Empty: any registry.
    pub trusted_registries: Vec<String>,
    /// Scan the build-context files that COPY/ADD ship with the secret engine (findings with `SC` ids).
    pub context_secrets: bool,
}

/// A RUN script understood as shell, with the way back to source offsets.
#[derive(Debug, Clone)]
pub struct RunScript {
    pub script: Script,
    /// The text that was parsed.
    pub text: String,
    origin: ScriptOrigin,
}

#[derive(Debug, Clone)]
enum ScriptOrigin {
    /// Shell-form arguments: through the instruction's segment map.
    Shell(crate::ast::SegmentMap),
    /// A heredoc body (or other verbatim source text) starting at this source offset.
    Verbatim(usize),
    /// No exact mapping: everything maps to this range.
    Approx(ByteRange),
}

impl RunScript {
    /// Source range of a range in [`RunScript::text`].
    pub fn to_source(&self, r: std::ops::Range<usize>) -> ByteRange {
        match &self.origin {
            ScriptOrigin::Shell(map) => map.range_to_source(r),
            ScriptOrigin::Verbatim(off) => off + r.start..off + r.end,
            ScriptOrigin::Approx(range) => range.clone(),
        }
    }
}

/// Everything a rule sees for one Dockerfile.
pub struct CheckContext<'a> {
    /// The Dockerfile's path as shown to the user.
    pub path: &'a str,
    pub df: &'a Dockerfile,
    pub model: &'a Model,
    /// The parser's line index of the text.
    pub lines: &'a LineIndex,
    /// The build context, when one was found (the Dockerfile's directory by default).
    pub context: Option<&'a BuildContext>,
    pub options: &'a CheckOptions,
    /// Per instruction index: the shell scripts of a RUN (several with heredocs); empty for others or when the
    /// stage's SHELL is not POSIX.
    pub scripts: Vec<Vec<RunScript>>,
}

impl<'a> CheckContext<'a> {
    pub fn new(
        path: &'a str,
        df: &'a Dockerfile,
        model: &'a Model,
        context: Option<&'a BuildContext>,
        options: &'a CheckOptions,
    ) -> Self {
        let lines = &df.line_index;
        let scripts = df
            .instructions
            .iter()
            .enumerate()
            .map(|(i, ins)| {
                let posix = model
                    .stage_of(i)
                    .and_then(|s| model.posix_shell.get(s.index).copied())
                    .unwrap_or(df.escape != '`');
                if posix { run_scripts(ins) } else { Vec::new() }
            })
            .collect();
        CheckContext {
            path,
            df,
            model,
            lines,
            context,
            options,
            scripts,
        }
    }

    pub fn span(&self, range: &ByteRange) -> Span {
        self.lines.span(&self.df.text, range.start, range.end)
    }

    /// A finding of `meta` at `range`.
    pub fn finding(
        &self,
        meta: &RuleMeta,
        message: impl Into<String>,
        range: &ByteRange,
    ) -> Finding {
        Finding::new(
            meta,
            message,
            Location::file(self.path).with_span(self.span(range)),
        )
    }

    /// A finding of `meta` at `script_range` (a range of [`RunScript::text`], mapped back to the source), with
    /// that script text as evidence.
    pub fn script_finding(
        &self,
        meta: &RuleMeta,
        message: impl Into<String>,
        rs: &RunScript,
        script_range: std::ops::Range<usize>,
    ) -> Finding {
        let range = rs.to_source(script_range.clone());
        self.finding(meta, message, &range)
            .with_evidence(evidence(rs.text.get(script_range).unwrap_or("")))
    }

    /// The source text of a range (for evidence of non-secret things).
    pub fn text(&self, range: &ByteRange) -> &str {
        self.df.text.get(range.clone()).unwrap_or("")
    }

    /// The first line of an instruction, trimmed, for evidence.
    pub fn instruction_head(&self, ins: &Instruction) -> String {
        let t = self.text(&ins.range);
        t.lines().next().unwrap_or("").trim().to_string()
    }

    /// Instructions of the stage containing the final build result.
    pub fn final_stage_instructions(&self) -> impl Iterator<Item = (usize, &'a Instruction)> + '_ {
        let range = self
            .model
            .final_stage()
            .map(|s| s.body.clone())
            .unwrap_or(0..0);
        range.map(move |i| (i, &self.df.instructions[i]))
    }

    /// The external base images of the stages: not `scratch`, not an earlier stage, fully resolved (a base
    /// still holding an unresolved build argument cannot be judged and is left out).
    pub fn external_bases(&self) -> Vec<ExternalBase<'a>> {
        let df = self.df;
        self.model
            .stages
            .iter()
            .filter(|st| {
                st.parent.is_none()
                    && !st.base.is_empty()
                    && !st.base.eq_ignore_ascii_case("scratch")
                    && !st.base.contains('$')
                    && (!st.base_raw.contains('$') || !st.base.ends_with(':'))
            })
            .filter_map(|st| {
                let image = crate::model::ImageRef::parse(&st.base)?;
                let from = df.instructions.get(st.from)?;
                let range = from
                    .words()
                    .first()
                    .map(|w| w.1.clone())
                    .unwrap_or(from.range.clone());
                Some(ExternalBase {
                    base: st.base.clone(),
                    image,
                    range,
                    from,
                })
            })
            .collect()
    }

    /// The `--chmod` flags of every COPY/ADD (ONBUILD triggers are not looked at), with their instruction
    /// and value.
    pub fn copy_chmod_flags(
        &self,
    ) -> impl Iterator<Item = (&'a Instruction, &'a Flag, &'a str)> + 'a {
        self.df
            .instructions
            .iter()
            .filter(|ins| matches!(ins.kind, InstructionKind::Copy | InstructionKind::Add))
            .filter_map(|ins| {
                let f = ins.flag("chmod")?;
                Some((ins, f, f.value.as_deref()?))
            })
    }

    /// The COPY/ADD instructions that read the build context (no `--from`, no heredoc), with their index and
    /// source words (every word but the destination; URLs and Git remotes included). Instructions with no
    /// source are left out.
    pub fn context_copies(
        &self,
    ) -> impl Iterator<Item = (usize, &'a Instruction, Vec<(String, ByteRange)>)> + 'a {
        self.df
            .instructions
            .iter()
            .enumerate()
            .filter(|(_, ins)| {
                matches!(ins.kind, InstructionKind::Copy | InstructionKind::Add)
                    && ins.flag("from").is_none()
                    && ins.heredocs.is_empty()
            })
            .filter_map(|(i, ins)| {
                let mut words = ins.words();
                words.pop();
                (!words.is_empty()).then_some((i, ins, words))
            })
    }

    /// Every (instruction index, RUN script) pair.
    pub fn run_scripts(&self) -> impl Iterator<Item = (usize, &RunScript)> + '_ {
        self.scripts
            .iter()
            .enumerate()
            .flat_map(|(i, v)| v.iter().map(move |s| (i, s)))
    }
}

/// Evidence from Dockerfile text: shown as written, except that well-known tokens and URL passwords in it
/// are redacted.
pub(crate) fn evidence(text: impl Into<String>) -> bulkhead_core::Evidence {
    bulkhead_core::Evidence::plain(crate::secrets::scrub(&text.into()))
}

/// A stage's external base image (see [`CheckContext::external_bases`]).
pub struct ExternalBase<'a> {
    /// The reference with global build arguments expanded.
    pub base: String,
    pub image: crate::model::ImageRef,
    /// The image word of the FROM instruction.
    pub range: ByteRange,
    pub from: &'a Instruction,
}

/// For a `chmod` command (behind wrappers too): its argument texts and the index among them of the mode,
/// the first argument that is not an option.
pub(crate) fn chmod_args(c: &shell::Command) -> Option<(Vec<&str>, usize)> {
    let argv = c.unwrapped_argv();
    if argv.first().map(|w| shell::basename(&w.text)) != Some("chmod") {
        return None;
    }
    let args: Vec<&str> = argv.iter().skip(1).map(|w| w.text.as_str()).collect();
    let mode = args.iter().position(|a| !a.starts_with('-'))?;
    Some((args, mode))
}

/// Shells whose `-c` argument or stdin is a script.
pub(crate) fn is_shell_program(p: &str) -> bool {
    matches!(
        p,
        "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh" | "busybox"
    )
}

fn run_scripts(ins: &Instruction) -> Vec<RunScript> {
    // ONBUILD RUN ...: analyse the trigger.
    if ins.kind == InstructionKind::Onbuild {
        return ins.onbuild.as_deref().map(run_scripts).unwrap_or_default();
    }
    if ins.kind != InstructionKind::Run {
        return Vec::new();
    }
    let mut out = Vec::new();
    match &ins.args {
        Arguments::Shell { text, map } => {
            let only_heredocs =
                !ins.heredocs.is_empty() && text.split_whitespace().all(|w| w.contains("<<"));
            if !only_heredocs {
                out.push(RunScript {
                    script: shell::parse_script(text),
                    text: text.clone(),
                    origin: ScriptOrigin::Shell(map.clone()),
                });
            }
            let first_prog = out
                .first()
                .and_then(|s| s.script.commands.first())
                .and_then(|c| c.unwrapped().program().map(str::to_string));
            for h in &ins.heredocs {
                let is_script =
                    only_heredocs || first_prog.as_deref().is_some_and(is_shell_program);
                if is_script {
                    let origin = if h.strip_tabs {
                        ScriptOrigin::Approx(h.body_range.clone())
                    } else {
                        ScriptOrigin::Verbatim(h.body_range.start)
                    };
                    out.push(RunScript {
                        script: shell::parse_script(&h.content),
                        text: h.content.clone(),
                        origin,
                    });
                }
            }
        }
        Arguments::Exec { args, range } => {
            let argv: Vec<&str> = args.iter().map(|a| a.value.as_str()).collect();
            let prog = argv
                .first()
                .map(|p| p.rsplit('/').next().unwrap_or(p))
                .unwrap_or("");
            if is_shell_program(prog)
                && let Some(pos) = argv.iter().position(|a| *a == "-c")
                && let Some(script) = args.get(pos + 1)
            {
                out.push(RunScript {
                    script: shell::parse_script(&script.value),
                    text: script.value.clone(),
                    origin: ScriptOrigin::Approx(script.range.clone()),
                });
            } else {
                let joined = argv
                    .iter()
                    .map(|a| shell_quote(a))
                    .collect::<Vec<_>>()
                    .join(" ");
                out.push(RunScript {
                    script: shell::parse_script(&joined),
                    text: joined,
                    origin: ScriptOrigin::Approx(range.clone()),
                });
            }
        }
    }
    out
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A Dockerfile rule.
pub trait DockerfileRule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>);
}

/// Every Dockerfile rule, in id order.
pub fn registry() -> Vec<&'static dyn DockerfileRule> {
    let mut v: Vec<&'static dyn DockerfileRule> = vec![
        &parse_error::ParseError,
        &root_user::RootUser,
        &secret_in_env::SecretInEnv,
        &secret_in_arg::SecretInArg,
        &secret_file_copied::SecretFileCopied,
        &build_context_leak::BuildContextLeak,
        &pipe_to_shell::PipeToShell,
        &tls_verification_disabled::TlsVerificationDisabled,
        &add_remote_without_checksum::AddRemoteWithoutChecksum,
        &base_image_unpinned::BaseImageUnpinned,
        &base_image_not_digest_pinned::BaseImageNotDigestPinned,
        &untrusted_registry::UntrustedRegistry,
        &sudo::Sudo,
        &ssh_server::SshServer,
        &world_writable::WorldWritable,
        &setuid_added::SetuidAdded,
        &password_in_image::PasswordInImage,
        &workdir_system_dir::WorkdirSystemDir,
        &copy_from_root::CopyFromRoot,
        &update_without_install::UpdateWithoutInstall,
        &no_healthcheck::NoHealthcheck,
        &apt_no_install_recommends::AptNoInstallRecommends,
        &add_instead_of_copy::AddInsteadOfCopy,
        &secret_in_run::SecretInRun,
        &credential_file_written::CredentialFileWritten,
        &multiple_cmd::MultipleCmd,
        &json_form_cmd::JsonFormCmd,
        &relative_workdir::RelativeWorkdir,
        &copy_from_unknown_stage::CopyFromUnknownStage,
        &duplicate_stage_name::DuplicateStageName,
        &invalid_port::InvalidPort,
    ];
    v.sort_by_key(|r| r.meta().id);
    v
}

/// Metadata of every Dockerfile rule.
pub fn all_meta() -> Vec<&'static RuleMeta> {
    registry().into_iter().map(|r| r.meta()).collect()
}

/// Runs every rule in `rules` over one Dockerfile and applies inline suppressions
/// (`# bulkhead ignore=ID[,ID] [reason]` on the line(s) just above an instruction).
pub fn check(ctx: &CheckContext, rules: &[&'static dyn DockerfileRule]) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in rules {
        r.check(ctx, &mut out);
    }
    if ctx.options.context_secrets {
        out.extend(context_secrets::context_secrets(ctx));
    }
    let suppressions = suppressions(ctx.df);
    if !suppressions.is_empty() {
        let metas = all_meta();
        out.retain(|f| {
            let Some(span) = f.location.span else {
                return true;
            };
            let Some(meta) = metas.iter().find(|m| m.id == f.rule_id) else {
                return true;
            };
            // Which instruction holds the finding?
            let Some(idx) = ctx.df.instructions.iter().position(|ins| {
                ins.range.start <= span.byte_start && span.byte_start <= ins.range.end
            }) else {
                return true;
            };
            !suppressions
                .iter()
                .any(|(i, sels)| *i == idx && sels.iter().any(|s| meta.matches(s)))
        });
    }
    // BuildKit cannot parse this file: an edit could land inside a broken construct (an unterminated
    // heredoc swallows everything after it), so fixes are shown but never applied automatically.
    if ctx.df.has_errors() {
        for f in &mut out {
            if let Some(fix) = &mut f.fix {
                fix.safe = false;
            }
        }
    }
    out.sort_by_key(|f| f.sort_key());
    out
}

/// (instruction index, selectors) for each `# bulkhead ignore=...` comment directly above an instruction.
fn suppressions(df: &Dockerfile) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    for (i, ins) in df.instructions.iter().enumerate() {
        for &c in &ins.comments_before {
            let Some(comment) = df.comments.get(c) else {
                continue;
            };
            let t = comment.text.trim();
            let Some(rest) = t.strip_prefix("bulkhead") else {
                continue;
            };
            let rest = rest.trim_start();
            let Some(list) = rest
                .strip_prefix("ignore=")
                .or_else(|| rest.strip_prefix("ignore ="))
            else {
                continue;
            };
            let list = list.split_whitespace().next().unwrap_or("");
            out.push((
                i,
                list.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
            ));
        }
    }
    out
}
