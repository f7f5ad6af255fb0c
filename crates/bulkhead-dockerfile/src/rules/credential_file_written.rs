use super::{CheckContext, DockerfileRule};
use crate::shell::Command;
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a `RUN` that writes a credential file — `~/.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`,
    /// `~/.docker/config.json`, `~/.aws/credentials`, `.pgpass`, a `.env` — with `echo ... >`, `printf ... >>`,
    /// `tee`, `npm config set ...:_authToken`, `git config credential.helper store` + a credential, or
    /// `docker login`, and does not delete it in the same `RUN`.
    ///
    /// ## Why it matters
    /// Whatever the token's origin (an ARG, an ENV, even a BuildKit secret mount), once it is written to a file
    /// that the same `RUN` does not delete, it is part of the layer: a later `RUN rm` hides it from the final
    /// filesystem but not from the image, whose layers anyone with pull access can extract.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN --mount=type=secret,id=npm,env=NPM_TOKEN \
    ///     echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > ~/.npmrc && npm ci
    /// ```
    ///
    /// ## Fix
    /// Mount the file itself as a secret for the one step that needs it
    /// (`RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`), or delete it in the same `RUN`
    /// (`... && npm ci && rm -f ~/.npmrc`).
    pub struct CredentialFileWritten {
        id: "DF024", name: "credential-file-written", title: "Credential file written into a layer", severity: High,
        category: Security, aliases: ["CIS-4.10"], compliance: ["CIS-Docker-4.10", "PCI-DSS-3.5", "SOC2-CC6.1"],
        remediation: "Mount the credential file with `RUN --mount=type=secret,target=...`, or delete it in the same RUN.",
        min_profile: Dev, fixable: false,
    }
}

/// Credential files by their base name (or a path suffix).
fn credential_file(path: &str) -> Option<&'static str> {
    let p = path.trim_matches(|c| c == '"' || c == '\'');
    let base = p.rsplit('/').next().unwrap_or(p);
    match base {
        ".npmrc" => Some(".npmrc"),
        ".yarnrc" | ".yarnrc.yml" => Some(".yarnrc"),
        ".pypirc" => Some(".pypirc"),
        ".netrc" | "_netrc" => Some(".netrc"),
        ".git-credentials" => Some(".git-credentials"),
        ".pgpass" => Some(".pgpass"),
        ".env" => Some(".env"),
        "credentials" if p.contains(".aws/") => Some("~/.aws/credentials"),
        "config.json" if p.contains(".docker/") => Some("~/.docker/config.json"),
        _ => None,
    }
}

/// The credential file a command writes, if any.
fn written_file(c: &Command) -> Option<&'static str> {
    for r in &c.redirects {
        use crate::shell::RedirectOp::*;
        if matches!(r.op, Out | Append | Clobber | OutErr | AppendOutErr)
            && let Some(f) = credential_file(&r.target.text)
        {
            return Some(f);
        }
    }
    let u = c.unwrapped();
    let prog = u.program()?;
    let args: Vec<&str> = u.args().iter().map(|w| w.text.as_str()).collect();
    match prog {
        "tee" => args
            .iter()
            .filter(|a| !a.starts_with('-'))
            .find_map(|a| credential_file(a)),
        "npm" | "yarn" | "pnpm" => {
            let sets = args.first().is_some_and(|a| *a == "config" || *a == "set");
            let token = args.iter().any(|a| {
                a.contains("_authToken") || a.contains("_auth") || a.contains("_password")
            });
            (sets && token && !args.contains(&"delete")).then_some(".npmrc")
        }
        "docker" | "podman" if args.first() == Some(&"login") => Some("~/.docker/config.json"),
        _ => None,
    }
}

/// Whether a command deletes the credential file `name`.
fn deletes(c: &Command, name: &str) -> bool {
    let u = c.unwrapped();
    let base = name.rsplit('/').next().unwrap_or(name);
    match u.program() {
        Some("rm") | Some("shred") | Some("unlink") => u
            .args()
            .iter()
            .any(|w| w.text.trim_matches('"').ends_with(base)),
        Some("npm") | Some("yarn") | Some("pnpm") => u.args().iter().any(|w| w.text == "delete"),
        Some("docker") | Some("podman") => u.args().first().is_some_and(|w| w.text == "logout"),
        _ => false,
    }
}

impl DockerfileRule for CredentialFileWritten {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for scripts in &ctx.scripts {
            let all: Vec<&Command> = scripts
                .iter()
                .flat_map(|rs| rs.script.commands.iter())
                .collect();
            for rs in scripts {
                for c in &rs.script.commands {
                    let Some(file) = written_file(c) else {
                        continue;
                    };
                    if all.iter().any(|d| deletes(d, file)) {
                        continue;
                    }
                    out.push(ctx.script_finding(
                        &Self::META,
                        format!("`{file}` is written here and not deleted in the same RUN, so it stays in the layer"),
                        rs,
                        c.range.clone(),
                    ));
                }
            }
        }
    }
}
