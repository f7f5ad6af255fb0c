//! `bulkhead db`: create, refresh and inspect the vulnerability database.

use bulkhead_vulndb::import::{self, ImportOutcome};
use bulkhead_vulndb::store::{self, Builder, Db, SourceRecord, Status};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct DbArgs {
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Download the OSV project's per-ecosystem exports and build the database (atomically: an interrupted
    /// update leaves the previous database usable).
    Update(UpdateArgs),
    /// Import advisories from files, directories or zips, offline: OSV JSON/YAML, OSV `all.zip` exports,
    /// Alpine secdb (`secfixes`), Debian security tracker DSA/DLA lists, Node.js security WG, RubySec and
    /// FriendsOfPHP advisories.
    Import(ImportArgs),
    /// Show what the database holds: advisories per ecosystem and release, sources, age.
    Status(StatusArgs),
}

#[derive(Args, Debug)]
pub struct DbPathArg {
    /// Database file (default: $BULKHEAD_DB, else ~/.cache/bulkhead/vuln.db).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Files, directories or zips to import.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub db: DbPathArg,
    /// Start from an empty database instead of adding to the current one.
    #[arg(long)]
    pub replace: bool,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    #[command(flatten)]
    pub db: DbPathArg,
    /// Base URL of the OSV exports (a mirror), or a directory laid out the same way
    /// (`<base>/<Ecosystem>/all.zip`).
    #[arg(long, value_name = "URL")]
    pub source: Option<String>,
    /// Only these ecosystems (comma-separated OSV names: Debian, Alpine, PyPI, npm, Go, crates.io, ...).
    #[arg(long, value_delimiter = ',')]
    pub ecosystem: Vec<String>,
    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Seconds before a download is abandoned.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum StatusFormat {
    Human,
    Json,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub db: DbPathArg,
    #[arg(long, short = 'f', value_enum, default_value_t = StatusFormat::Human)]
    pub format: StatusFormat,
    /// Warn when the database is older than this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 3)]
    pub db_max_age: u64,
}

pub fn run(args: DbArgs) -> ExitCode {
    match args.command {
        DbCommand::Import(a) => import_cmd(a),
        DbCommand::Update(a) => update_cmd(a),
        DbCommand::Status(a) => status_cmd(a),
    }
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

fn path_of(arg: &DbPathArg) -> Result<PathBuf, String> {
    crate::vulns::db_path(&arg.db)
}

/// How many skipped files are named before "and N more".
const SKIPPED_SHOWN: usize = 5;

fn describe(path: &str, o: &ImportOutcome) {
    eprintln!(
        "{path}: {} advisories from {} file(s){}",
        o.advisories.len(),
        o.files,
        if o.skipped.is_empty() {
            String::new()
        } else {
            format!(", {} skipped", o.skipped.len())
        }
    );
    for s in o.skipped.iter().take(SKIPPED_SHOWN) {
        eprintln!("  skipped {}: {}", s.path, s.reason);
    }
    if o.skipped.len() > SKIPPED_SHOWN {
        eprintln!("  ... and {} more skipped", o.skipped.len() - SKIPPED_SHOWN);
    }
    for (reason, n) in &o.ignored {
        eprintln!("  left out {n}: {reason}");
    }
}

fn import_cmd(args: ImportArgs) -> ExitCode {
    let db = match path_of(&args.db) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let started = std::time::Instant::now();
    let mut builder = match Builder::start(&db, !args.replace) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let mut failed = 0usize;
    let mut stored = 0usize;
    for path in &args.paths {
        let shown = path.display().to_string();
        let outcome = match import::import_path(path) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: {e}");
                failed += 1;
                continue;
            }
        };
        describe(&shown, &outcome);
        let location = std::fs::canonicalize(path)
            .unwrap_or_else(|_| path.clone())
            .display()
            .to_string();
        let record = SourceRecord {
            name: format!("import:{location}"),
            location,
            kind: "import".into(),
            ..SourceRecord::default()
        };
        match builder.put_source(&record, &outcome.advisories) {
            Ok(n) => stored += n,
            Err(e) => return fail(e),
        }
    }
    if failed == args.paths.len() {
        return fail("nothing was imported; the database is unchanged");
    }
    let status = match builder.commit() {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    eprintln!(
        "imported {stored} advisories in {:.1}s; {} now holds {} advisories",
        started.elapsed().as_secs_f64(),
        status.path,
        status.advisories
    );
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn update_cmd(args: UpdateArgs) -> ExitCode {
    use bulkhead_vulndb::Ecosystem;
    use bulkhead_vulndb::update::{self, Outcome, UpdateOptions};
    let db = match path_of(&args.db) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let mut ecosystems = Vec::new();
    for name in &args.ecosystem {
        match Ecosystem::from_osv(name) {
            Some(e) => ecosystems.push(e),
            None => {
                let known: Vec<&str> = Ecosystem::ALL.iter().map(|e| e.osv_name()).collect();
                return fail(format!(
                    "unknown ecosystem `{name}` (known: {})",
                    known.join(", ")
                ));
            }
        }
    }
    let opts = UpdateOptions {
        source: args
            .source
            .clone()
            .unwrap_or_else(|| update::DEFAULT_SOURCE.to_string()),
        ecosystems: if ecosystems.is_empty() {
            update::DEFAULT_ECOSYSTEMS.to_vec()
        } else {
            ecosystems
        },
        progress: !args.no_progress,
        timeout: std::time::Duration::from_secs(args.timeout),
    };
    let started = std::time::Instant::now();
    let report = match update::update(&db, &opts) {
        Ok(r) => r,
        Err(e) => return fail(format!("{e}\nthe database is unchanged")),
    };
    for u in &report.per_ecosystem {
        match &u.outcome {
            Outcome::Downloaded {
                bytes,
                advisories,
                files,
                skipped,
                ignored,
            } => {
                eprintln!(
                    "{:<12} updated: {advisories} advisories from {files} record(s), {:.1} MiB{}",
                    u.ecosystem.osv_name(),
                    *bytes as f64 / (1024.0 * 1024.0),
                    if skipped.is_empty() {
                        String::new()
                    } else {
                        format!(", {} skipped", skipped.len())
                    }
                );
                for sk in skipped.iter().take(SKIPPED_SHOWN) {
                    eprintln!("  skipped {}: {}", sk.path, sk.reason);
                }
                if skipped.len() > SKIPPED_SHOWN {
                    eprintln!("  ... and {} more skipped", skipped.len() - SKIPPED_SHOWN);
                }
                for (reason, n) in ignored {
                    eprintln!("  left out {n}: {reason}");
                }
            }
            Outcome::NotModified => {
                eprintln!(
                    "{:<12} unchanged since the last update",
                    u.ecosystem.osv_name()
                )
            }
            Outcome::Failed(reason) => eprintln!(
                "{:<12} FAILED (previous records kept): {reason}",
                u.ecosystem.osv_name()
            ),
        }
    }
    eprintln!(
        "{} holds {} advisories ({:.1}s)",
        report.status.path,
        report.status.advisories,
        started.elapsed().as_secs_f64()
    );
    if report.is_complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn status_cmd(args: StatusArgs) -> ExitCode {
    let path = match path_of(&args.db) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let status = match Db::open(&path).and_then(|db| db.status()) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    match args.format {
        StatusFormat::Json => {
            let mut s = serde_json::to_string_pretty(&status).unwrap_or_default();
            s.push('\n');
            print!("{s}");
        }
        StatusFormat::Human => print!("{}", human(&status)),
    }
    if status.age_seconds > (args.db_max_age as i64) * 86_400 {
        eprintln!(
            "warning: the database is {} days old; run `bulkhead db update` to refresh it",
            status.age_seconds / 86_400
        );
    }
    ExitCode::SUCCESS
}

fn age_text(secs: i64) -> String {
    match secs {
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

fn human(s: &Status) -> String {
    let mut out = format!(
        "database   {}\nbuilt      {} ({} ago)\nsize       {:.1} MiB\nadvisories {} ({} withdrawn)\n\n",
        s.path,
        s.built_at,
        age_text(s.age_seconds),
        s.size_bytes as f64 / (1024.0 * 1024.0),
        s.advisories,
        s.withdrawn
    );
    out.push_str(&format!(
        "{:<14} {:<10} {:>10} {:>10}\n",
        "ECOSYSTEM", "RELEASE", "ADVISORIES", "PACKAGES"
    ));
    for e in &s.ecosystems {
        out.push_str(&format!(
            "{:<14} {:<10} {:>10} {:>10}\n",
            e.ecosystem,
            if e.release.is_empty() {
                "-"
            } else {
                &e.release
            },
            e.advisories,
            e.packages
        ));
    }
    out.push_str(&format!(
        "\n{:<44} {:>10}  {:<20} {}\n",
        "SOURCE", "ADVISORIES", "IMPORTED", "AGE"
    ));
    for src in &s.sources {
        out.push_str(&format!(
            "{:<44} {:>10}  {:<20} {}\n",
            src.name,
            src.advisories,
            src.imported_at,
            age_text(store::age_of(&src.imported_at))
        ));
    }
    out
}
