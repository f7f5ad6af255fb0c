use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use crate::model::ImageRef;
use bulkhead_core::{Finding, Fix, RuleMeta, TextEdit, declare_rule};

declare_rule! {
    /// ## What it does
    /// Checks that the final stage of the build runs as a non-root user: it has a `USER` instruction (its own
    /// or inherited from the stage it is built `FROM`) that names neither `root` nor UID `0`. A `USER` in an
    /// earlier, unrelated stage does not count: only the final stage becomes the image.
    ///
    /// ## Why it matters
    /// A process running as root inside a container is root on the host's kernel. Any escape (a kernel bug, a
    /// mounted socket, a writable host path) then starts with full privileges. Most base images default to
    /// root, so forgetting `USER` is the most common hardening miss (CIS Docker Benchmark 4.1).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20-alpine
    /// COPY . /app
    /// CMD ["node", "/app/server.js"]
    /// ```
    ///
    /// ## Fix
    /// Create an unprivileged user and switch to it before `CMD`/`ENTRYPOINT`:
    /// ```dockerfile
    /// RUN addgroup -S -g 10001 app && adduser -S -D -H -u 10001 -G app app
    /// USER app
    /// ```
    /// `bulkhead check --fix` inserts the right commands for the base image (adduser on Alpine/BusyBox,
    /// useradd on Debian/RHEL, the existing `node` user on Node images, a numeric UID on scratch/distroless).
    pub struct RootUser {
        id: "DF001", name: "root-user", title: "Final stage runs as root", severity: High,
        category: Security, aliases: ["DL3002", "DS-0002", "CIS-4.1", "CIS-DI-0001"],
        compliance: ["CIS-Docker-4.1", "PCI-DSS-2.2.6", "SOC2-CC6.1"],
        remediation: "Add a non-root user and a `USER` instruction in the final stage.",
        min_profile: Dev, fixable: true,
    }
}

impl DockerfileRule for RootUser {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        let Some(stage) = ctx.model.final_stage() else {
            return;
        };
        match ctx.model.effective_user(ctx.df, stage.index) {
            Some((i, ins)) => {
                let raw = ins.words().first().map(|w| w.0.clone()).unwrap_or_default();
                let user = ctx.model.expand_at(ctx.df, i, &raw);
                if bulkhead_core::hardening::user_is_root(&user) {
                    out.push(
                        ctx.finding(
                            &Self::META,
                            format!("the last USER of the final stage is `{raw}`, so the container runs as root"),
                            &ins.range,
                        )
                        .with_evidence(crate::rules::evidence(ctx.instruction_head(ins))),
                    );
                }
            }
            None => {
                let base = ctx.model.root_base(stage.index).to_string();
                if base_runs_unprivileged(&base) {
                    return;
                }
                let from = &ctx.df.instructions[stage.from];
                let msg = if base.eq_ignore_ascii_case("scratch") {
                    "the final stage is `FROM scratch` with no USER, so the process runs as UID 0"
                        .to_string()
                } else {
                    format!(
                        "the final stage (based on `{base}`) has no USER instruction, so it runs as the base image's user, root by default"
                    )
                };
                let mut f = ctx
                    .finding(&Self::META, msg, &from.range)
                    .with_evidence(crate::rules::evidence(ctx.instruction_head(from)));
                if let Some(fix) = root_fix(ctx, &base) {
                    f = f.with_fix(fix);
                }
                out.push(f);
            }
        }
    }
}

/// Base images documented to run as a non-root user by default.
fn base_runs_unprivileged(base: &str) -> bool {
    let Some(r) = ImageRef::parse(base) else {
        return false;
    };
    let tag = r.tag.as_deref().unwrap_or("");
    tag == "nonroot" || tag.ends_with("-nonroot") || tag.starts_with("nonroot-")
}

/// How to create a user on a base image family.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum UserFamily {
    Busybox,
    Debian,
    Node,
    Numeric,
}

pub(crate) fn family_of(base: &str) -> UserFamily {
    let Some(r) = ImageRef::parse(base) else {
        return UserFamily::Numeric;
    };
    let name = r.short_name().to_ascii_lowercase();
    let tag = r.tag.as_deref().unwrap_or("").to_ascii_lowercase();
    let repo = r.repository.to_ascii_lowercase();
    if base.eq_ignore_ascii_case("scratch")
        || repo.contains("distroless")
        || tag.contains("distroless")
    {
        return UserFamily::Numeric;
    }
    if name == "node" {
        return UserFamily::Node;
    }
    if name == "alpine" || name == "busybox" || tag.contains("alpine") || tag.contains("busybox") {
        return UserFamily::Busybox;
    }
    const DEBIANISH: &[&str] = &[
        "debian",
        "ubuntu",
        "python",
        "ruby",
        "golang",
        "rust",
        "openjdk",
        "eclipse-temurin",
        "php",
        "perl",
        "buildpack-deps",
        "gcc",
        "maven",
        "gradle",
        "fedora",
        "centos",
        "rockylinux",
        "almalinux",
        "oraclelinux",
        "amazonlinux",
        "elixir",
        "erlang",
        "haskell",
        "julia",
        "r-base",
        "swift",
        "clojure",
    ];
    if DEBIANISH.contains(&name.as_str()) && !tag.contains("windows") && !tag.contains("nanoserver")
    {
        return UserFamily::Debian;
    }
    UserFamily::Numeric
}

fn root_fix(ctx: &CheckContext, base: &str) -> Option<Fix> {
    let stage = ctx.model.final_stage()?;
    let body: Vec<usize> = stage.body.clone().collect();
    // Insert before the first CMD/ENTRYPOINT after which no RUN follows; else at the end of the stage.
    let last_run = body.iter().rposition(|&i| {
        matches!(
            ctx.df.instructions[i].kind,
            InstructionKind::Run | InstructionKind::Copy | InstructionKind::Add
        )
    });
    let anchor = body.iter().enumerate().find(|(pos, i)| {
        matches!(
            ctx.df.instructions[**i].kind,
            InstructionKind::Cmd | InstructionKind::Entrypoint
        ) && last_run.is_none_or(|lr| *pos > lr)
    });
    let lines = match family_of(base) {
        UserFamily::Busybox => vec![
            "RUN addgroup -S -g 10001 app && adduser -S -D -H -u 10001 -G app app".to_string(),
            "USER app".to_string(),
        ],
        UserFamily::Debian => vec![
            "RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --no-create-home --shell /usr/sbin/nologin app".to_string(),
            "USER app".to_string(),
        ],
        UserFamily::Node => vec!["USER node".to_string()],
        UserFamily::Numeric => vec!["USER 10001:10001".to_string()],
    };
    let (offset, text) = match anchor {
        Some((_, &i)) => {
            let ins = &ctx.df.instructions[i];
            let line_start = ctx
                .lines
                .line_start(ctx.lines.line_of(ins.keyword_range.start));
            (line_start, lines.join("\n") + "\n")
        }
        None => {
            let end = ctx.df.text.len();
            let sep = if ctx.df.text.ends_with('\n') || ctx.df.text.is_empty() {
                ""
            } else {
                "\n"
            };
            (end, format!("{sep}{}\n", lines.join("\n")))
        }
    };
    Some(Fix {
        description: format!("run as an unprivileged user: {}", lines.join(" / ")),
        safe: true,
        edits: vec![TextEdit {
            path: ctx.path.to_string(),
            start: offset,
            end: offset,
            replacement: text,
        }],
    })
}
