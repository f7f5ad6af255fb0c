//! Secrets inside the files a Dockerfile ships from its build context. These findings carry the secret
//! engine's rule ids (`SC...`) and point at the context file, with the COPY/ADD that ships it in the message.

use super::CheckContext;
use bulkhead_core::{Evidence, Finding, Location, Severity};

/// Findings for every secret in a context file that a COPY/ADD (not `--from`) of this Dockerfile ships.
pub fn context_secrets(ctx: &CheckContext) -> Vec<Finding> {
    let Some(bc) = ctx.context else {
        return Vec::new();
    };
    let root_display = {
        let r = bc.root().display().to_string();
        if r == "." || r.is_empty() {
            String::new()
        } else {
            format!("{}/", r.trim_start_matches("./").trim_end_matches('/'))
        }
    };
    let mut out = Vec::new();
    for (_, _, sources) in ctx.context_copies() {
        for (src, _) in &sources {
            if src.contains("://") || src.starts_with("git@") {
                continue;
            }
            // `COPY . /app` ships everything: start from the files that hold secrets.
            let everything = matches!(src.as_str(), "." | "./" | "/" | "*" | "./*");
            let candidates = if everything {
                bc.files_with_secrets()
            } else {
                bc.sources_matching(src)
            };
            for f in candidates {
                // The Dockerfile's own secrets are reported by the Dockerfile rules.
                if format!("{root_display}{}", f.rel_path) == ctx.path.trim_start_matches("./") {
                    continue;
                }
                let Some(outcome) = bc.secrets_of(f) else {
                    continue;
                };
                if outcome.matches.is_empty() {
                    continue;
                }
                for m in &outcome.matches {
                    // Claimed once per context: covers this Dockerfile's other COPYs too.
                    if !bc.claim_secret(f, m.secret_range.start, m.rule.id) {
                        continue;
                    }
                    let Some(meta) = m.rule.meta() else { continue };
                    let mut sev = m.rule.severity;
                    if m.in_test_path {
                        sev = sev.lowered();
                    }
                    let span = m.span();
                    // One finding per secret however many Dockerfiles share the context (see
                    // `claim_secret`), so the message names no particular Dockerfile.
                    out.push(
                        Finding::new(
                            meta,
                            format!(
                                "{} in `{}`, a build-context file that COPY/ADD ships into the image",
                                m.rule.title, f.rel_path
                            ),
                            Location::file(format!("{root_display}{}", f.rel_path)).with_span(span),
                        )
                        .with_severity(sev.max(Severity::Low))
                        .with_evidence(Evidence::from_redacted("", &m.redacted)),
                    );
                }
            }
        }
    }
    out
}
