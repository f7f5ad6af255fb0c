use super::history::{self, AssignmentKind};
use super::{ImageCheckContext, ImageRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, Severity, declare_rule};
use bulkhead_dockerfile::secrets::{is_placeholder, is_sensitive_name};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Reads the image history (`docker history --no-trunc`): the `created_by` line every instruction
    /// leaves. It reports secrets those lines reveal:
    /// - build arguments a `RUN` saw, which both builders record with their values
    ///   (`RUN |1 NPM_TOKEN=npm_… /bin/sh -c npm ci`): `--build-arg NPM_TOKEN=…` is *not* a safe way to
    ///   pass a token;
    /// - `ARG` defaults and `ENV` values that are credentials (an `ENV` still in the final environment is
    ///   IM002's, not repeated here);
    /// - secrets written into a `RUN` command (`curl -H "Authorization: Bearer …"`, `https://user:pass@…`,
    ///   tokens on a command line).
    ///
    /// Credentials are recognised as IM002 does: the secret engine's token formats, plus credential names
    /// (`*_PASSWORD`, `*_TOKEN`, `API_KEY`, ...) with a literal, non-placeholder value. The same secret
    /// repeated on several lines (a build argument is recorded on every later `RUN`) is reported once.
    ///
    /// ## Why it matters
    /// The history is part of the image configuration: anyone who can pull the image reads it, even when
    /// the secret never reached a file. Squashing or deleting files does not remove it.
    ///
    /// ## Example
    /// ```text
    /// $ docker history --no-trunc app:1
    /// RUN |1 NPM_TOKEN=npm_aB3d… /bin/sh -c npm ci # buildkit
    /// ```
    ///
    /// ## Fix
    /// Rotate the credential. Pass it with a BuildKit secret mount instead of a build argument, so it is
    /// never recorded:
    /// ```dockerfile
    /// RUN --mount=type=secret,id=npm,env=NPM_TOKEN npm ci
    /// ```
    /// (`docker build --secret id=npm,env=NPM_TOKEN .`), then rebuild and re-push the image.
    pub struct SecretInHistory {
        id: "IM003", name: "secret-in-history", title: "Secret in the image history", severity: Critical,
        category: Security, aliases: ["CIS-4.10", "DS-0031"],
        compliance: ["CIS-Docker-4.10", "PCI-DSS-3.5", "PCI-DSS-8.3.2", "SOC2-CC6.1"],
        remediation: "Rotate the credential and rebuild passing it with a BuildKit secret mount (`RUN --mount=type=secret`), never a build argument or ENV.",
        min_profile: Dev, fixable: false,
    }
}

/// One secret seen in the history, with every entry that repeats it.
struct Seen {
    first: usize,
    also: Vec<usize>,
    message: String,
    evidence: Evidence,
    severity: Severity,
}

impl ImageRule for SecretInHistory {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ImageCheckContext, out: &mut Vec<Finding>) {
        let Some(config) = ctx.config() else {
            return;
        };
        // Keyed by what identifies the secret (name and value, or detector and value): kept in memory
        // only, never shown.
        let mut seen: BTreeMap<(String, String), Seen> = BTreeMap::new();
        let mut order: Vec<(String, String)> = Vec::new();
        let mut record = |key: (String, String), index: usize, make: &dyn Fn() -> Seen| match seen
            .get_mut(&key)
        {
            Some(s) => {
                if s.first != index && !s.also.contains(&index) {
                    s.also.push(index);
                }
            }
            None => {
                let mut s = make();
                s.first = index;
                order.push(key.clone());
                seen.insert(key, s);
            }
        };
        for (index, entry) in config.history.iter().enumerate() {
            let Some(raw) = entry.created_by.as_deref() else {
                continue;
            };
            let mut claimed: Vec<std::ops::Range<usize>> = Vec::new();
            for a in history::assignments(raw) {
                if a.kind == AssignmentKind::Env
                    && config
                        .env
                        .iter()
                        .any(|e| *e == format!("{}={}", a.name, a.value))
                {
                    // Still in the final environment: IM002 reports it.
                    claimed.push(a.value_range.clone());
                    continue;
                }
                let what = match a.kind {
                    AssignmentKind::BuildArg => "build argument",
                    AssignmentKind::Arg => "ARG default",
                    AssignmentKind::Env => "ENV",
                };
                let engine_hit = bulkhead_secrets::Engine::global()
                    .scan_value(Some(&a.name), &a.value)
                    .into_iter()
                    .next();
                let (kind, severity) = if let Some(m) = engine_hit {
                    (format!("{} ({})", m.rule.title, m.rule.id), m.rule.severity)
                } else if is_sensitive_name(&a.name) && !is_placeholder(&a.value) {
                    ("a credential".to_string(), Severity::High)
                } else {
                    continue;
                };
                claimed.push(a.value_range.clone());
                let name = a.name.clone();
                let value = a.value.clone();
                record((name.clone(), value.clone()), index, &|| Seen {
                    first: index,
                    also: Vec::new(),
                    message: format!(
                        "the history records the {what} `{name}` with its value: {kind}"
                    ),
                    evidence: Evidence::redacted(&format!("{name}="), &value),
                    severity,
                });
            }
            for m in bulkhead_secrets::Engine::global().scan_text(raw) {
                let r = m.secret_range.clone();
                if claimed.iter().any(|c| c.start < r.end && r.start < c.end) {
                    continue;
                }
                let Some(secret) = raw.get(r.clone()) else {
                    continue;
                };
                let instruction = history::display(raw);
                let title = m.rule.title;
                let id = m.rule.id;
                let severity = m.rule.severity;
                record((id.to_string(), secret.to_string()), index, &|| Seen {
                    first: index,
                    also: Vec::new(),
                    message: format!(
                        "the history line of `{instruction}` holds a secret: {title} ({id})"
                    ),
                    evidence: Evidence::from_redacted("", &m.redacted),
                    severity,
                });
            }
        }
        for key in order {
            let Some(s) = seen.remove(&key) else { continue };
            let mut message = s.message;
            if !s.also.is_empty() {
                let list: Vec<String> = s.also.iter().map(|i| format!("history[{i}]")).collect();
                message.push_str(&format!(" (also in {})", list.join(", ")));
            }
            out.push(
                ctx.history_finding(&Self::META, message, s.first)
                    .with_severity(s.severity)
                    .with_evidence(s.evidence),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{objects, run};
    use crate::testkit::ImageBuilder;

    const NPM: &str = "npm_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5";

    #[test]
    fn build_args_arg_defaults_env_and_run_lines() {
        let b = ImageBuilder::new("app:1")
            .layer("ADD file:9a8b in / ")
            .history("ARG NPM_TOKEN")
            .history("ARG DEPLOY_PASSWORD=Xk9mQ2vL8pR4tW7")
            .layer(&format!("RUN |2 NPM_TOKEN={NPM} DEPLOY_PASSWORD=Xk9mQ2vL8pR4tW7 /bin/sh -c npm ci # buildkit"))
            .layer(&format!("RUN |2 NPM_TOKEN={NPM} DEPLOY_PASSWORD=Xk9mQ2vL8pR4tW7 /bin/sh -c npm run build # buildkit"))
            .layer("RUN /bin/sh -c curl -fsS -H 'Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0' https://api.internal/x # buildkit")
            .history("ENV API_TOKEN=Qw7Er9Ty2Ui4Op6As8Df")
            .history("ENV API_TOKEN=$API_TOKEN_FROM_RUNTIME");
        let f = run(&SecretInHistory, b);
        let objects: Vec<String> = objects(&f)
            .iter()
            .map(|o| o.split(" sha256:").next().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            objects,
            [
                "history[2] (no layer)",
                "history[3] (layer 2",
                "history[5] (layer 4",
                "history[6] (no layer)",
            ],
            "{f:#?}"
        );
        assert!(
            f[0].message.contains("ARG default `DEPLOY_PASSWORD`"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].message.contains("also in history[3], history[4]"),
            "{}",
            f[0].message
        );
        assert!(
            f[1].message.contains("build argument `NPM_TOKEN`"),
            "{}",
            f[1].message
        );
        assert!(
            f[1].message.contains("also in history[4]"),
            "{}",
            f[1].message
        );
        assert!(f[1].severity >= Severity::High);
        assert!(f[2].message.contains("SC114"), "{}", f[2].message);
        // A generic detector's hit keeps the detector's severity.
        assert!(f[3].message.contains("ENV `API_TOKEN`"), "{}", f[3].message);
        for x in &f {
            let shown = format!("{} {:?} {:?}", x.message, x.evidence, x.location);
            for raw in ["aB3dE5fG7h", "Xk9mQ2vL8p", "9f8e7d6c5b4a", "Qw7Er9Ty2U"] {
                assert!(!shown.contains(raw), "{shown}");
            }
        }
    }

    #[test]
    fn ordinary_histories_pass() {
        let b = ImageBuilder::new("python:3.12")
            .env("GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D")
            .env("DB_PASSWORD=Xk9mQ2vL8pR4tW7")
            .layer("/bin/sh -c #(nop) ADD file:5a1b4e0c5f22d7d1c8b in / ")
            .history("/bin/sh -c #(nop)  CMD [\"bash\"]")
            .history("ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/bin")
            .history("ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D")
            .history("ENV PYTHON_VERSION=3.12.7")
            .history("ENV PYTHON_SHA256=24887b92e2afd4a2ac602419ad4b596372f67ac9b077190f459aba390faf5550")
            // Still in Config.Env: IM002 reports it, not this rule.
            .history("ENV DB_PASSWORD=Xk9mQ2vL8pR4tW7")
            .history("ARG NPM_TOKEN")
            .layer("RUN |1 TARGETARCH=amd64 /bin/sh -c set -eux; wget -O python.tar.xz \"https://www.python.org/ftp/python/${PYTHON_VERSION%%[a-z]*}/Python-$PYTHON_VERSION.tar.xz\"; echo \"$PYTHON_SHA256 *python.tar.xz\" | sha256sum -c - # buildkit")
            .layer("RUN /bin/sh -c gpg --batch --keyserver hkps://keys.openpgp.org --recv-keys \"$GPG_KEY\" # buildkit")
            .history("CMD [\"python3\"]");
        let f = run(&SecretInHistory, b);
        assert!(f.is_empty(), "{f:#?}");
    }
}
