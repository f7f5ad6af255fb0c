//! The `bulkhead` command line.

mod audit;
mod check;
mod compose;
mod compose_graph;
mod db;
mod discover;
mod fix;
mod image;
mod mcp;
mod sbom;
mod secrets_only;
mod vulns;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "bulkhead",
    version,
    about = "Harden Docker containers end to end: find, explain and fix what undermines them",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Audit Dockerfiles and their build contexts (finds Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*).
    Check(CheckArgs),
    /// Audit an image: its config (user, secrets in Env and history, ports, healthcheck), its files in every
    /// layer (setuid, world-writable, passwords, secrets, leftovers, including files deleted by later layers),
    /// and the packages it ships.
    ///
    /// IMAGE is a `docker save` tarball, an OCI layout directory (`oci:DIR`), an image in the local engine
    /// (`docker:NAME`, or any name that is not a path), a root filesystem directory (`dir:DIR`), or a
    /// registry reference (`registry:HOST/REPO:TAG`).
    Image(ImageArgs),
    /// List the packages of an image or directory as an SBOM (CycloneDX 1.6, SPDX 2.3), JSON or a table.
    ///
    /// IMAGE is a `docker save` tarball, an OCI layout directory (`oci:DIR`), an image in the local engine
    /// (`docker:NAME`, or any name that is not a path), a root filesystem directory (`dir:DIR`), or a
    /// registry reference (`registry:HOST/REPO:TAG`).
    Sbom(SbomArgs),
    /// Audit a live Docker engine: the daemon, every container, networks and Swarm, against the CIS Docker
    /// Benchmark, with the fix for each finding.
    Audit(audit::AuditArgs),
    /// Create, refresh and inspect the vulnerability database (`db update`, `db import`, `db status`).
    Db(db::DbArgs),
    /// Serve the Model Context Protocol (stdio, or streamable HTTP with --http): Docker inspection tools and
    /// bulkhead's audits for AI agents, read-only, secrets redacted.
    Mcp(mcp::McpArgs),
    /// List the rule catalogue.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
        format: RulesFormat,
    },
    /// Print one rule's documentation (by id, name or alias such as DL3002).
    Rule {
        /// Rule id (DF001), name (root-user) or alias (DL3002).
        id: String,
    },
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
enum RulesFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether human output is coloured: `auto` colours a terminal standard output, unless the report
    /// goes to a file (`to_file`) or `NO_COLOR` is set.
    pub fn enabled(self, to_file: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                !to_file
                    && std::io::IsTerminal::is_terminal(&std::io::stdout())
                    && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum SbomFormat {
    Cyclonedx,
    Spdx,
    Json,
    Table,
}

/// The policy flags every auditing command shares.
#[derive(Args, Debug)]
pub struct PolicyArgs {
    /// Policy profile: dev, staging (default), production, regulated.
    #[arg(long)]
    pub profile: Option<String>,
    /// Exit 1 when a finding is at or above this severity (info, low, medium, high, critical) or `never`.
    #[arg(long)]
    pub fail_on: Option<String>,
    /// Only run these rules (ids, names, aliases or id prefixes; comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Never run these rules (ids, names, aliases or id prefixes; comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Configuration file (default: bulkhead.toml or .bulkhead.toml found upward from the first path, or
    /// from the current directory for images).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
}

/// How to read an image: the flags `image` and `sbom` share.
#[derive(Args, Debug)]
pub struct ImageSourceArgs {
    /// Platform to pick from a multi-platform image (`linux/amd64`, `linux/arm64/v8`).
    #[arg(long)]
    pub platform: Option<String>,
    /// Allow plain HTTP to the registry (always allowed for 127.0.0.1 and localhost).
    #[arg(long)]
    pub insecure_registry: bool,
    /// Abandon a layer that inflates beyond this many MiB (guards against decompression bombs).
    #[arg(long = "max-layer-size", value_name = "MIB")]
    pub max_layer_mb: Option<u64>,
}

#[derive(Args, Debug)]
pub struct ImageArgs {
    /// The image: tarball, `oci:DIR`, `docker:NAME`, `dir:DIR`, `registry:REF`, or an engine image name.
    pub image: String,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Write the report to a file instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub source: ImageSourceArgs,
    /// Do not scan file contents for secrets (sensitive file names are still reported).
    #[arg(long)]
    pub no_secrets: bool,
    /// Also accept these setuid/setgid files quietly (absolute paths, or names in system binary dirs).
    #[arg(long = "allow-setuid", value_delimiter = ',')]
    pub allow_setuid: Vec<String>,
    /// List every package in the human report (the default shows counts by type).
    #[arg(long)]
    pub packages: bool,
    /// When to use colour in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Analyzers to run (comma-separated): `config` (image rules), `secret` (file contents), `vuln`
    /// (vulnerabilities of the packages). Default: all three.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub scanners: Vec<Scanner>,
    #[command(flatten)]
    pub vulns: vulns::VulnArgs,
}

/// An analyzer of `bulkhead image`.
#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum Scanner {
    Config,
    Secret,
    Vuln,
}

impl ImageArgs {
    /// Whether an analyzer runs (`--scanners`, and `--no-secrets` for the secret scanner).
    pub fn runs(&self, s: Scanner) -> bool {
        (self.scanners.is_empty() || self.scanners.contains(&s))
            && !(s == Scanner::Secret && self.no_secrets)
    }
}

#[derive(Args, Debug)]
pub struct SbomArgs {
    /// The image: tarball, `oci:DIR`, `docker:NAME`, `dir:DIR`, `registry:REF`, or an engine image name.
    pub image: String,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = SbomFormat::Cyclonedx)]
    pub format: SbomFormat,
    /// Write the document to a file instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub source: ImageSourceArgs,
    /// Add the packages' vulnerabilities (CycloneDX `vulnerabilities`, a `vulnerabilities` array in JSON,
    /// a section after the table). Needs a database (`bulkhead db update` or `bulkhead db import`).
    #[arg(long)]
    pub vulns: bool,
    #[command(flatten)]
    pub vuln: vulns::VulnArgs,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files or directories to check (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Write the report to a file instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Registries base images may come from (repeatable); overrides `[check] trusted-registries`.
    #[arg(long = "trusted-registry")]
    pub trusted_registries: Vec<String>,
    /// Build context directory (default: each Dockerfile's own directory).
    #[arg(long)]
    pub context: Option<PathBuf>,
    /// Do not read build contexts.
    #[arg(long, conflicts_with = "context")]
    pub no_context: bool,
    /// Apply the safe fixes to the files, then report what remains.
    #[arg(long)]
    pub fix: bool,
    /// Show the safe fixes as a unified diff without changing any file.
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,
    /// Scan every file under PATH for secrets (and sensitive file names) instead of checking Dockerfiles.
    /// Files ignored by .gitignore are scanned too (secrets in ignored files still leak into images) unless
    /// --respect-gitignore is given.
    #[arg(long)]
    pub secrets_only: bool,
    /// With --secrets-only: skip files that .gitignore/.ignore files exclude.
    #[arg(long, requires = "secrets_only")]
    pub respect_gitignore: bool,
    /// When to use colour in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Draw the network topology of the compose projects checked to FILE (`.svg`, `.dot` or `.gv`; with
    /// several projects `FILE-1.svg`, `FILE-2.svg`, ...), with the same drawing as `audit --graph`.
    #[arg(long, value_name = "FILE")]
    pub graph: Option<PathBuf>,
}

impl CheckArgs {
    /// The paths to check: the given ones, or the current directory when none is given.
    pub fn paths_or_cwd(&self) -> Vec<PathBuf> {
        if self.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            self.paths.clone()
        }
    }
}

/// Every rule bulkhead knows: the Dockerfile rules, the image rules, then the secret detectors.
pub fn all_rule_meta() -> Vec<&'static bulkhead_core::RuleMeta> {
    let mut v = bulkhead_dockerfile::rules::all_meta();
    v.extend(bulkhead_compose::rules::all_meta());
    v.extend(bulkhead_image::rules::all_meta());
    v.extend(bulkhead_engine::rules::all_meta());
    v.extend(bulkhead_secrets::rule::all_meta());
    v
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) if args.secrets_only => secrets_only::run(args),
        Command::Check(args) => check::run(args),
        Command::Image(args) => image::run(args),
        Command::Sbom(args) => sbom::run(args),
        Command::Db(args) => db::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Mcp(args) => mcp::run(args),
        Command::Rules { format } => rules(format),
        Command::Rule { id } => rule(&id),
    }
}

fn rules(format: RulesFormat) -> ExitCode {
    let metas = all_rule_meta();
    match format {
        RulesFormat::Json => match serde_json::to_string_pretty(&metas) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: cannot serialise the rule catalogue: {e}");
                return ExitCode::from(2);
            }
        },
        RulesFormat::Markdown => {
            println!("| id | name | severity | category | profile | fix | also known as | title |");
            println!("|---|---|---|---|---|---|---|---|");
            for m in metas {
                println!(
                    "| {} | {} | {} | {:?} | {}+ | {} | {} | {} |",
                    m.id,
                    m.name,
                    m.severity,
                    m.category,
                    m.min_profile,
                    if m.fixable { "yes" } else { "" },
                    m.aliases.join(", "),
                    m.title
                );
            }
        }
        RulesFormat::Human => {
            let w = metas.iter().map(|m| m.name.len()).max().unwrap_or(10);
            for m in metas {
                let profile = if m.min_profile > bulkhead_core::Profile::Dev {
                    format!(" (from profile {})", m.min_profile)
                } else {
                    String::new()
                };
                println!(
                    "{}  {:<w$}  {:<8}  {}  {}{}{}",
                    m.id,
                    m.name,
                    m.severity.as_str(),
                    if m.fixable { "fix" } else { "   " },
                    m.title,
                    if m.aliases.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", m.aliases.join(", "))
                    },
                    profile,
                );
            }
        }
    }
    ExitCode::SUCCESS
}

fn rule(id: &str) -> ExitCode {
    let metas = all_rule_meta();
    let found = metas.iter().find(|m| {
        m.id.eq_ignore_ascii_case(id)
            || m.name.eq_ignore_ascii_case(id)
            || m.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
    });
    match found {
        Some(m) => {
            println!("# {} {}: {}\n", m.id, m.name, m.title);
            println!(
                "Severity: {} · Category: {:?} · Fixable: {}",
                m.severity,
                m.category,
                if m.fixable { "yes" } else { "no" }
            );
            if !m.aliases.is_empty() {
                println!("Also known as: {}", m.aliases.join(", "));
            }
            if !m.compliance.is_empty() {
                println!("Compliance: {}", m.compliance.join(", "));
            }
            if m.min_profile > bulkhead_core::Profile::Dev {
                println!("Runs in profiles: {} and stricter", m.min_profile);
            }
            println!();
            // The doc comment lines carry a leading space.
            for line in m.doc.lines() {
                println!("{}", line.strip_prefix(' ').unwrap_or(line));
            }
            ExitCode::SUCCESS
        }
        None => {
            eprintln!(
                "error: no rule `{id}`; `bulkhead rules` lists them (ids such as DF001, names such as root-user, or aliases such as DL3002)"
            );
            ExitCode::from(2)
        }
    }
}
