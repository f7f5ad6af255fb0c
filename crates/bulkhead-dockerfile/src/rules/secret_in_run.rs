use super::{CheckContext, DockerfileRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Runs the secret engine over every `RUN` command line and heredoc script: tokens and keys written
    /// inline (`curl -H "Authorization: token ghp_..."`, `git clone https://user:token@host/...`,
    /// `npm config set //registry.npmjs.org/:_authToken npm_...`, `mysql -pS3cret`), whatever the provider.
    ///
    /// ## Why it matters
    /// A `RUN` command line is stored verbatim in the image history: `docker history --no-trunc` prints it
    /// to anyone who can pull the image, and it is in the build cache and CI logs.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN git clone https://ci:glpat-Fq3Tz8Wn2Rb6Yc4Hd9Ks@gitlab.example.com/team/app.git
    /// ```
    ///
    /// ## Fix
    /// Revoke the token first (it is in every copy of the image), then pass it as a BuildKit secret:
    /// `RUN --mount=type=secret,id=gitlab_token,env=GITLAB_TOKEN git clone https://ci:$GITLAB_TOKEN@...`
    /// and `docker build --secret id=gitlab_token,env=GITLAB_TOKEN .`
    pub struct SecretInRun {
        id: "DF023", name: "secret-in-run", title: "Secret in a RUN command", severity: Critical,
        category: Security, aliases: ["CIS-4.10"], compliance: ["CIS-Docker-4.10", "PCI-DSS-3.5", "SOC2-CC6.1"],
        remediation: "Revoke the credential, then pass it with `RUN --mount=type=secret` instead of the command line.",
        min_profile: Dev, fixable: false,
    }
}

impl DockerfileRule for SecretInRun {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        let engine = bulkhead_secrets::Engine::global();
        for (_, rs) in ctx.run_scripts() {
            for m in engine.scan_text(&rs.text) {
                let range = rs.to_source(m.secret_range.clone());
                out.push(
                    ctx.finding(
                        &Self::META,
                        format!(
                            "{} ({}) in a RUN command: it is stored in the image history",
                            m.rule.title, m.rule.id
                        ),
                        &range,
                    )
                    .with_severity(m.rule.severity.max(bulkhead_core::Severity::High))
                    .with_evidence(Evidence::redacted(
                        "",
                        rs.text.get(m.secret_range.clone()).unwrap_or(""),
                    )),
                );
            }
        }
    }
}
