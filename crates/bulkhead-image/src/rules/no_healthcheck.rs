use super::{ImageCheckContext, ImageRule};
use bulkhead_core::{Evidence, Finding, RuleMeta, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags a service image without a health check: the configuration has no `Healthcheck`, and the image
    /// runs a long-lived service: it exposes ports, or its command (`Entrypoint` + `Cmd`, past wrappers
    /// such as `docker-entrypoint.sh`, `tini`, `gosu`) is something other than an interactive shell or
    /// interpreter (`sh`, `bash`, `python3`, `node`, ...). An explicit `HEALTHCHECK NONE` (`["NONE"]`) is
    /// a decision and is respected, as in the Dockerfile rule. Low severity.
    ///
    /// ## Why it matters
    /// Without a health check the engine only knows whether the process exists, not whether it serves: a
    /// deadlocked service stays "running", and restart policies and orchestrators never replace it
    /// (CIS Docker Benchmark 4.6).
    ///
    /// ## Example
    /// ```text
    /// $ docker inspect -f '{{json .Config.Healthcheck}} {{json .Config.Cmd}}' web:1
    /// null ["nginx","-g","daemon off;"]
    /// ```
    ///
    /// ## Fix
    /// Add a `HEALTHCHECK` to the Dockerfile
    /// (`HEALTHCHECK --interval=30s --timeout=3s CMD wget -qO- http://127.0.0.1:8080/health || exit 1`), or
    /// rely on the orchestrator's probes (Kubernetes liveness/readiness) and say so with `HEALTHCHECK NONE`.
    pub struct NoHealthcheck {
        id: "IM005", name: "image-no-healthcheck", title: "No health check in a service image", severity: Low,
        category: BestPractice, aliases: ["DS-0026", "CIS-4.6", "CIS-DI-0006"], compliance: ["CIS-Docker-4.6"],
        remediation: "Add a HEALTHCHECK that probes the service (or declare `HEALTHCHECK NONE` when the orchestrator probes it).",
        min_profile: Dev, fixable: false,
    }
}

/// Programs that only wrap the real command.
const WRAPPERS: &[&str] = &[
    "docker-entrypoint.sh",
    "entrypoint.sh",
    "tini",
    "tini-static",
    "dumb-init",
    "gosu",
    "su-exec",
    "catatonit",
    "env",
];

/// Interactive programs: an image whose command is one of these (without a script) is a toolbox or a
/// base image, not a service.
const INTERACTIVE: &[&str] = &[
    "sh",
    "bash",
    "ash",
    "dash",
    "zsh",
    "ksh",
    "fish",
    "busybox",
    "python",
    "python3",
    "python2",
    "node",
    "irb",
    "ruby",
    "php",
    "perl",
    "jshell",
    "ghci",
    "iex",
    "erl",
    "julia",
    "R",
    "lua",
    "pwsh",
    "mysql",
    "psql",
    "redis-cli",
    "deno",
    "bun",
];

/// The command the container runs, past wrappers and their flags: `(program name, its arguments)`.
fn effective_command(argv: &[String]) -> Option<(String, Vec<String>)> {
    let mut i = 0;
    while let Some(word) = argv.get(i) {
        let name = word.rsplit('/').next().unwrap_or(word);
        if WRAPPERS.contains(&name) || word.starts_with('-') {
            i += 1;
            continue;
        }
        return Some((name.to_string(), argv.get(i + 1..).unwrap_or(&[]).to_vec()));
    }
    None
}

impl ImageRule for NoHealthcheck {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, ctx: &ImageCheckContext, out: &mut Vec<Finding>) {
        let Some(config) = ctx.config() else {
            return;
        };
        if config.healthcheck.as_ref().is_some_and(|t| !t.is_empty()) {
            return;
        }
        let argv: Vec<String> = config
            .entrypoint
            .iter()
            .chain(config.cmd.iter())
            .cloned()
            .collect();
        let command = effective_command(&argv);
        let runs_service = match &command {
            Some((prog, args)) => {
                !INTERACTIVE.contains(&prog.as_str()) || args.iter().any(|a| !a.starts_with('-'))
            }
            None => false,
        };
        if config.exposed_ports.is_empty() && !runs_service {
            return;
        }
        let what = if !config.exposed_ports.is_empty() {
            format!("exposes {}", config.exposed_ports.join(", "))
        } else {
            format!("runs `{}`", argv.join(" "))
        };
        out.push(
            ctx.config_finding(
                &Self::META,
                format!("the image {what} but has no health check"),
                "Healthcheck",
            )
            .with_evidence(Evidence::plain(format!("Entrypoint + Cmd: {argv:?}"))),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::run;
    use crate::testkit::ImageBuilder;

    #[test]
    fn services_without_health_check() {
        let nginx = ImageBuilder::new("nginx")
            .entrypoint(&["/docker-entrypoint.sh"])
            .cmd(&["nginx", "-g", "daemon off;"])
            .expose("80/tcp");
        let f = run(&NoHealthcheck, nginx);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].location.object.as_deref(), Some("config Healthcheck"));
        let app = ImageBuilder::new("app").cmd(&["node", "server.js"]);
        assert_eq!(run(&NoHealthcheck, app).len(), 1);
        let script = ImageBuilder::new("app").cmd(&["/bin/sh", "-c", "exec ./server"]);
        assert_eq!(run(&NoHealthcheck, script).len(), 1);
    }

    #[test]
    fn base_images_and_decisions_pass() {
        for cmd in [&["sh"][..], &["/bin/bash"], &["python3"], &["node"]] {
            let b = ImageBuilder::new("base")
                .entrypoint(&["docker-entrypoint.sh"])
                .cmd(cmd);
            assert!(run(&NoHealthcheck, b).is_empty(), "{cmd:?}");
        }
        assert!(run(&NoHealthcheck, ImageBuilder::new("scratch")).is_empty());
        let checked = ImageBuilder::new("web")
            .cmd(&["./server"])
            .healthcheck(&["CMD-SHELL", "wget -qO- http://127.0.0.1/ || exit 1"]);
        assert!(run(&NoHealthcheck, checked).is_empty());
        let none = ImageBuilder::new("web")
            .cmd(&["./server"])
            .healthcheck(&["NONE"]);
        assert!(run(&NoHealthcheck, none).is_empty());
        assert!(run(&NoHealthcheck, ImageBuilder::new("d").no_config()).is_empty());
    }
}
