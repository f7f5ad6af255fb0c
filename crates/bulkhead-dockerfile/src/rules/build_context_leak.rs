use super::{CheckContext, DockerfileRule};
use bulkhead_core::{Finding, Fix, RuleMeta, Severity, TextEdit, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reads the real build context and its `.dockerignore` (or `<Dockerfile>.dockerignore`, which BuildKit
    /// prefers) with Docker's matching rules, and reports every `COPY`/`ADD` from the context (`COPY . .`,
    /// `ADD . /app`, `COPY config/ ...`) that would ship sensitive files that exist there: `.git/`, `.env`,
    /// private keys, `.npmrc`, cloud credentials, Terraform state, ...
    ///
    /// ## Why it matters
    /// `COPY . .` copies whatever is in the directory, not what the author had in mind. A `.env` with
    /// production credentials or a `.git` directory with the full history ends up in a layer that anyone
    /// with pull access can read.
    ///
    /// ## Example
    /// A context with `.env` and `.git/`, no `.dockerignore`, and:
    /// ```dockerfile
    /// COPY . /app
    /// ```
    ///
    /// ## Fix
    /// Exclude them in `.dockerignore` (`bulkhead check --fix` adds the entries):
    /// ```text
    /// .git
    /// .env
    /// ```
    /// or copy only what the application needs (`COPY package.json server.js /app/`).
    pub struct BuildContextLeak {
        id: "DF005", name: "build-context-leak", title: "Sensitive files from the build context copied into the image",
        severity: High, category: Security, aliases: ["CIS-4.10", "CIS-DI-0010"],
        compliance: ["CIS-Docker-4.10", "PCI-DSS-3.5", "SOC2-CC6.1"],
        remediation: "Exclude the files in .dockerignore or copy only the paths the image needs.",
        min_profile: Dev, fixable: true,
    }
}

impl DockerfileRule for BuildContextLeak {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &CheckContext, out: &mut Vec<Finding>) {
        let Some(bc) = ctx.context else { return };
        let sensitive = bc.sensitive_files();
        if sensitive.is_empty() {
            return;
        }
        // Walks every context file: computed once, and only when a leaked file is reported by directory.
        let dirs = std::cell::OnceCell::new();
        for (i, ins, sources) in ctx.context_copies() {
            let mut leaked: Vec<(String, String)> = Vec::new();
            let mut worst = Severity::Info;
            // (URLs and Git remotes select no context file.)
            for (src, _) in &sources {
                // Sources named explicitly as secret files are DF004's business.
                if crate::sensitive::classify(src.trim_start_matches("./")).is_some() {
                    continue;
                }
                for f in bc.sources_matching(src) {
                    let Some((_, kind)) =
                        sensitive.iter().find(|(sf, _)| sf.rel_path == f.rel_path)
                    else {
                        continue;
                    };
                    let shown = if kind.category.reported_as_directory() {
                        dirs.get_or_init(|| bc.sensitive_dirs())
                            .iter()
                            .find(|d| f.rel_path.starts_with(&format!("{}/", d.rel_path)))
                            .map(|d| d.rel_path.clone())
                            .unwrap_or_else(|| f.rel_path.clone())
                    } else {
                        f.rel_path.clone()
                    };
                    if !leaked.iter().any(|(p, _)| *p == shown) {
                        worst = worst.max(kind.severity);
                        leaked.push((shown, kind.description().to_string()));
                    }
                }
            }
            if leaked.is_empty() {
                continue;
            }
            let in_final = ctx.model.in_final_lineage(i);
            let list = leaked
                .iter()
                .map(|(p, d)| format!("`{p}` ({d})"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut f = ctx
                .finding(
                    &Self::META,
                    format!(
                        "this {} ships {list} from the build context",
                        ins.kind.as_str()
                    ),
                    &ins.range,
                )
                .with_evidence(crate::rules::evidence(ctx.instruction_head(ins)));
            let sev = worst.max(Severity::Medium);
            f = f.with_severity(if in_final { sev } else { sev.lowered() });
            f = f.with_fix(ignore_fix(
                bc,
                &leaked.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>(),
            ));
            out.push(f);
        }
    }
}

/// Appends the leaked paths to the ignore file in force (creating `.dockerignore` when there is none).
fn ignore_fix(bc: &crate::context::BuildContext, paths: &[String]) -> Fix {
    let (path, existing) = match bc.ignore_file() {
        Some(p) => (
            p.to_path_buf(),
            std::fs::read_to_string(p).unwrap_or_default(),
        ),
        None => (bc.root().join(".dockerignore"), String::new()),
    };
    let mut text = String::new();
    if !existing.is_empty() && !existing.ends_with('\n') {
        text.push('\n');
    }
    if existing.is_empty() {
        text.push_str(
            "# Keep secrets and VCS metadata out of the build context (added by bulkhead)\n",
        );
    }
    for p in paths {
        text.push_str(&format!("/{p}\n"));
    }
    Fix {
        description: format!("exclude {} in {}", paths.join(", "), path.display()),
        safe: true,
        edits: vec![TextEdit {
            path: path.display().to_string(),
            start: existing.len(),
            end: existing.len(),
            replacement: text,
        }],
    }
}
