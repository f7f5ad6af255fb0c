use super::{CheckContext, DockerfileRule};
use crate::ast::InstructionKind;
use crate::shell::Command;
use bulkhead_core::{Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds TLS certificate checks and package signature checks switched off:
    /// `curl -k`/`--insecure`, `wget --no-check-certificate`, `pip --trusted-host`, `apk --allow-untrusted`,
    /// `apt-get --allow-unauthenticated`/`--force-yes`/`-o Acquire::https::Verify-Peer=false`,
    /// `yum`/`dnf`/`microdnf --nogpgcheck`, `zypper --no-gpg-checks`, `rpm --nosignature`/`--nodigest`,
    /// `npm`/`yarn config set strict-ssl false`, `git config http.sslVerify false`, `git -c http.sslVerify=false`,
    /// and the environment switches `NODE_TLS_REJECT_UNAUTHORIZED=0`, `PYTHONHTTPSVERIFY=0`,
    /// `GIT_SSL_NO_VERIFY`, `PIP_TRUSTED_HOST`, `NPM_CONFIG_STRICT_SSL=false`, `GOINSECURE`, `GOSUMDB=off`
    /// (in `ENV`, `ARG` defaults, `export` or as a command prefix).
    ///
    /// ## Why it matters
    /// Without certificate or signature checks, anyone on the network path (or a compromised mirror) can
    /// substitute the packages and scripts that end up in the image. An `ENV` switch keeps TLS off for the
    /// application at run time too.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -k https://example.com/tool.tgz | tar xz
    /// ENV NODE_TLS_REJECT_UNAUTHORIZED=0
    /// ```
    ///
    /// ## Fix
    /// Remove the switch. If an internal CA is the reason, add its certificate to the trust store
    /// (`COPY corp-ca.crt /usr/local/share/ca-certificates/ && update-ca-certificates`) or point the tool at
    /// it (`curl --cacert`, `pip --cert`, `NODE_EXTRA_CA_CERTS`).
    pub struct TlsVerificationDisabled {
        id: "DF007", name: "tls-verification-disabled", title: "TLS or signature verification disabled",
        severity: High, category: Security, aliases: [], compliance: ["CIS-Docker-4.2", "PCI-DSS-4.2.1", "SOC2-CC6.7"],
        remediation: "Remove the switch; trust an internal CA explicitly instead of disabling verification.",
        min_profile: Dev, fixable: false,
    }
}

/// Environment switches that disable verification: (name, predicate on the value).
fn env_switch(name: &str, value: &str) -> bool {
    let v = value
        .trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .to_ascii_lowercase();
    match name {
        "NODE_TLS_REJECT_UNAUTHORIZED" | "PYTHONHTTPSVERIFY" => v == "0",
        "GIT_SSL_NO_VERIFY" => !v.is_empty() && v != "0" && v != "false",
        "PIP_TRUSTED_HOST" | "GOINSECURE" | "GONOSUMCHECK" => !v.is_empty(),
        "NPM_CONFIG_STRICT_SSL" | "YARN_STRICT_SSL" | "npm_config_strict_ssl" => {
            v == "false" || v == "0"
        }
        "GOSUMDB" => v == "off",
        "GOFLAGS" => v.contains("-insecure"),
        _ => false,
    }
}

/// What a command disables, if anything.
fn command_issue(c: &Command) -> Option<String> {
    let u = c.unwrapped();
    let prog = u.program()?;
    let args: Vec<&str> = u.args().iter().map(|w| w.text.as_str()).collect();
    let has = |s: &str| {
        args.iter()
            .any(|a| *a == s || a.starts_with(&format!("{s}=")))
    };
    match prog {
        "curl" if u.has_flag(Some('k'), Some("insecure")) || has("--proxy-insecure") => {
            Some("`curl` with `-k/--insecure` skips certificate verification".into())
        }
        "wget" if has("--no-check-certificate") => {
            Some("`wget --no-check-certificate` skips certificate verification".into())
        }
        "pip" | "pip3" | "pip2" if has("--trusted-host") => Some(
            "`pip --trusted-host` accepts that host over plain HTTP or with a bad certificate"
                .into(),
        ),
        p if p.starts_with("python")
            && args
                .windows(2)
                .any(|w| w[0] == "-m" && w[1].starts_with("pip"))
            && has("--trusted-host") =>
        {
            Some(
                "`pip --trusted-host` accepts that host over plain HTTP or with a bad certificate"
                    .into(),
            )
        }
        "apk" if has("--allow-untrusted") => {
            Some("`apk --allow-untrusted` installs unsigned packages".into())
        }
        "apt-get" | "apt" | "aptitude" => {
            if has("--allow-unauthenticated")
                || has("--force-yes")
                || has("--allow-insecure-repositories")
            {
                Some(format!(
                    "`{prog}` is told to accept unauthenticated packages"
                ))
            } else if args.iter().any(|a| {
                let l = a.to_ascii_lowercase();
                l.contains("verify-peer=false")
                    || l.contains("verify-host=false")
                    || l.contains("allowunauthenticated=true")
                    || l.contains("allowinsecurerepositories=true")
                    || l.contains("trusted=yes")
            }) {
                Some(format!("`{prog}` is configured to skip verification"))
            } else {
                None
            }
        }
        "yum" | "dnf" | "microdnf" | "tdnf"
            if has("--nogpgcheck")
                || args.iter().any(|a| {
                    a.contains("gpgcheck=0")
                        || a.contains("sslverify=0")
                        || a.contains("sslverify=false")
                }) =>
        {
            Some(format!(
                "`{prog}` installs packages without checking their signatures"
            ))
        }
        "zypper" if has("--no-gpg-checks") || has("--no-gpg-check") => {
            Some("`zypper --no-gpg-checks` skips signature checks".into())
        }
        "rpm" if has("--nosignature") || has("--nodigest") || has("--nogpgcheck") => {
            Some("`rpm` installs without checking signatures or digests".into())
        }
        "npm" | "yarn" | "pnpm"
            if args.windows(3).any(|w| {
                w[0] == "set"
                    && w[1]
                        .trim_start_matches("--")
                        .eq_ignore_ascii_case("strict-ssl")
                    && w[2] == "false"
            }) || args
                .iter()
                .any(|a| a.eq_ignore_ascii_case("--strict-ssl=false")) =>
        {
            Some(format!("`{prog}` is configured with strict-ssl off"))
        }
        "git"
            if args
                .iter()
                .any(|a| a.to_ascii_lowercase().replace(' ', "") == "http.sslverify=false")
                || args.windows(2).any(|w| {
                    w[0].eq_ignore_ascii_case("http.sslVerify") && (w[1] == "false" || w[1] == "0")
                }) =>
        {
            Some("`git` is configured with `http.sslVerify` off".into())
        }
        "export" | "env" => args.iter().find_map(|a| {
            let (k, v) = a.split_once('=')?;
            env_switch(k, v).then(|| format!("`{k}={v}` disables verification"))
        }),
        _ => None,
    }
}

impl DockerfileRule for TlsVerificationDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        for ins in &ctx.df.instructions {
            if matches!(ins.kind, InstructionKind::Env | InstructionKind::Arg) {
                for kv in ins.key_values() {
                    if let Some(v) = kv.value.as_deref()
                        && env_switch(&kv.key, v)
                    {
                        let range = kv
                            .value_range
                            .clone()
                            .map(|r| kv.key_range.start..r.end)
                            .unwrap_or(kv.key_range.clone());
                        out.push(
                            ctx.finding(
                                &Self::META,
                                format!(
                                    "{} `{}={}` disables verification for everything in the image",
                                    ins.kind.as_str(),
                                    kv.key,
                                    v
                                ),
                                &range,
                            )
                            .with_evidence(crate::rules::evidence(format!("{}={}", kv.key, v))),
                        );
                    }
                }
            }
        }
        for (_, rs) in ctx.run_scripts() {
            for c in &rs.script.commands {
                let mut issue = command_issue(c);
                if issue.is_none() {
                    issue = c.assignments.iter().find_map(|a| {
                        let (k, v) = a.text.split_once('=')?;
                        env_switch(k, v).then(|| format!("`{k}={v}` disables verification"))
                    });
                }
                if let Some(msg) = issue {
                    out.push(ctx.script_finding(&Self::META, msg, rs, c.range.clone()));
                }
            }
        }
    }
}
