//! Secret-engine throughput.
//!
//! 1. A deterministic corpus of realistic source and config lines (Rust, Python, JS, Go, YAML, INI,
//!    `.env`, Dockerfile, JSON; URLs, `token`/`key`/`password` identifiers that are not secrets, and a
//!    few planted secrets), generated in memory, scanned single-threaded with `scan_text` (one text)
//!    and with `scan_bytes` (as 16 KiB files): MB/s per core.
//! 2. `scan_tree` over a directory (default `../shared/data` from the repository root, skipped with a
//!    message when absent) on the rayon pool: wall seconds.
//!
//! Each is measured with the real rule set (`rules::all()`) and with a reference rule set of the
//! usual rule shapes (`benches/support/reference_rules.rs`), so figures exist whatever the state of
//! the real rules.
//!
//! ```text
//! cargo bench -p bulkhead-secrets --bench secrets_throughput -- [--size-mb 200] [--runs 3]
//!     [--data DIR] [--rules real|reference|both]
//! ```
//! `bench/secrets_throughput.sh` runs it (and the full-size robustness tests) and prints Markdown.

#[path = "support/reference_rules.rs"]
mod reference_rules;

use bulkhead_secrets::engine::{TreeOptions, scan_tree};
use bulkhead_secrets::{Engine, ScanConfig, SecretRule};
use std::path::PathBuf;
use std::time::{Duration, Instant};

struct Args {
    size_mb: usize,
    runs: usize,
    data: Option<PathBuf>,
    real: bool,
    reference: bool,
    tsv: Option<PathBuf>,
}

fn args() -> Args {
    let mut a = Args {
        size_mb: 200,
        runs: 3,
        data: None,
        real: true,
        reference: true,
        tsv: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--size-mb" => a.size_mb = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.size_mb),
            "--runs" => {
                a.runs = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(a.runs)
                    .max(1)
            }
            "--data" => a.data = it.next().map(PathBuf::from),
            "--rules-tsv" => a.tsv = it.next().map(PathBuf::from),
            "--rules" => match it.next().as_deref() {
                Some("real") => a.reference = false,
                Some("reference") => a.real = false,
                _ => {}
            },
            // cargo bench passes `--bench`.
            _ => {}
        }
    }
    a
}

/// xorshift64*.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
    fn alnum(&mut self, n: usize, out: &mut String) {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        for _ in 0..n {
            out.push(A[self.below(A.len())] as char);
        }
    }
}

const WORDS: &[&str] = &[
    "user", "order", "config", "request", "response", "buffer", "index", "cache", "client",
    "server", "handler", "result", "value", "count", "items", "payload", "session", "account",
    "record", "stream", "parser", "builder", "context", "worker", "queue", "event", "metrics",
    "layer", "image", "build", "stage", "package", "module", "service", "route", "schema",
];

/// Line templates: `@` is replaced by a word, `#` by a number.
const LINES: &[&str] = &[
    "    let @ = @.get(&@).cloned().unwrap_or_default();",
    "    for (i, @) in @.iter().enumerate() {",
    "        if @.len() > # { return Err(Error::TooLong(#)); }",
    "    }",
    "}",
    "",
    "// Returns the @ for the given @, or None when the @ is unknown.",
    "fn @_@(&self, @: &str) -> Option<&@> {",
    "    self.@.insert(@.clone(), #);",
    "import os, sys, json",
    "def @_@(self, @, @=None):",
    "        return self.@[@] + #",
    "    @ = [x for x in @ if x.@ > #]",
    "class @Handler(BaseHandler):",
    "const @ = require('@');",
    "export function @(@, @) { return @.map((x) => x.@ * #); }",
    "  if (!@) { throw new Error('missing @ #'); }",
    "func (s *@) @(ctx context.Context, @ string) (*@, error) {",
    "\tif err != nil {\n\t\treturn nil, fmt.Errorf(\"@: %w\", err)\n\t}",
    "  @:",
    "    replicas: #",
    "    image: registry.local/@/@:1.#.#",
    "      - name: @",
    "        value: \"#\"",
    "[@]",
    "@_timeout = #",
    "LOG_LEVEL=info",
    "@_PORT=#",
    "RUN apt-get update && apt-get install -y --no-install-recommends @ && rm -rf /var/lib/apt/lists/*",
    "COPY --from=build /src/@ /usr/local/bin/@",
    "ENV @_HOME=/opt/@",
    "  \"@\": { \"@\": #, \"@\": \"@-#\" },",
    "<dependency><groupId>org.@</groupId><artifactId>@</artifactId><version>#.#</version></dependency>",
];

/// Lines holding a keyword of a typical rule set (`token`, `key`, `password`, `secret`, `://`,
/// `bearer`, ...) that are not secrets: one line in [`KEYWORD_LINE_EVERY`] on average.
const KEYWORD_LINES: &[&str] = &[
    "    let token_count = @.tokens().count() + #;",
    "    // see https://docs.@.io/@/#",
    "    url = \"https://api.@.com/v#/@\"",
    "    headers.insert(AUTHORIZATION, format!(\"Bearer {}\", self.@_token));",
    "    password_hash = bcrypt.hash(form.password, rounds=#)",
    "  secretName: @-tls",
    "    def get_api_key(self): return os.environ[\"@_API_KEY\"]",
    "    let key = (@.id, #);",
    "    msg.push_str(&@);",
    "DB_PASSWORD=${DB_PASSWORD}",
    "    client_secret: {{ .Values.@.clientSecret }}",
];

/// See [`KEYWORD_LINES`]. Measured on the sources of this workspace's dependencies (89 MB of Rust,
/// TOML, Markdown), the keywords of a typical rule set occur once every 11 to 43 lines, depending on
/// how many short keywords (`key`, `api`, `sk`) it has.
const KEYWORD_LINE_EVERY: usize = 25;

/// Planted secrets (fake, well-formed), one every `PLANT_EVERY` lines.
const PLANT_EVERY: usize = 50_000;

fn corpus(size: usize) -> (String, usize) {
    let mut rng = Rng(0x5EED_5EC2_E75B_0001);
    let mut out = String::with_capacity(size + 4096);
    let mut planted = 0;
    let mut lines = 0usize;
    while out.len() < size {
        lines += 1;
        if lines.is_multiple_of(PLANT_EVERY) {
            planted += 1;
            match planted % 4 {
                0 => {
                    out.push_str("GITHUB_TOKEN=ghp_");
                    rng.alnum(36, &mut out);
                }
                1 => {
                    out.push_str("aws_secret_access_key = ");
                    rng.alnum(40, &mut out);
                }
                2 => {
                    out.push_str("  password: \"");
                    rng.alnum(14, &mut out);
                    out.push('"');
                }
                _ => {
                    out.push_str("DATABASE_URL=postgres://app:");
                    rng.alnum(18, &mut out);
                    out.push_str("@db.internal:5432/app");
                }
            }
            out.push('\n');
            continue;
        }
        let tpl = if rng.below(KEYWORD_LINE_EVERY) == 0 {
            rng.pick(KEYWORD_LINES)
        } else {
            rng.pick(LINES)
        };
        for ch in tpl.chars() {
            match ch {
                '@' => out.push_str(rng.pick(WORDS)),
                '#' => {
                    let n = rng.below(10_000);
                    out.push_str(&n.to_string());
                }
                c => out.push(c),
            }
        }
        out.push('\n');
    }
    (out, planted)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

fn bench_corpus(label: &str, engine: &Engine, text: &str, planted: usize, runs: usize) {
    if engine.rules().next().is_none() {
        println!("| scan_text, 1 core | {label} | (no rules: nothing to measure) | | | |");
        return;
    }
    // One text.
    let _ = engine.scan_text(&text[..text.len().min(8 << 20)]);
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..runs {
        let t = Instant::now();
        found = engine.scan_text(text).len();
        times.push(t.elapsed());
    }
    let d = median(times);
    if std::env::var_os("BENCH_EXPLAIN").is_some() {
        let mut by_rule = std::collections::BTreeMap::new();
        for m in engine.scan_text(text) {
            *by_rule.entry(m.rule.id).or_insert(0usize) += 1;
        }
        eprintln!("{label}: findings by rule {by_rule:?}");
    }
    println!(
        "| scan_text, 1 core | {label} | {:.0} MB generated text, {planted} planted | {:.3} s | **{:.0} MB/s** | {found} findings |",
        mb(text.len()),
        d.as_secs_f64(),
        mb(text.len()) / d.as_secs_f64()
    );
    // As 16 KiB files, cut at line ends.
    let mut files: Vec<&[u8]> = Vec::new();
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let end = (at + 16 * 1024).min(bytes.len());
        let end = memchr_newline(bytes, end).map_or(bytes.len(), |i| i + 1);
        files.push(&bytes[at..end]);
        at = end;
    }
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..runs {
        let t = Instant::now();
        found = files
            .iter()
            .map(|f| engine.scan_bytes("src/file.rs", f).matches.len())
            .sum::<usize>();
        times.push(t.elapsed());
    }
    let d = median(times);
    println!(
        "| scan_bytes, 1 core | {label} | {} files of 16 KiB | {:.3} s | **{:.0} MB/s** | {found} findings |",
        files.len(),
        d.as_secs_f64(),
        mb(text.len()) / d.as_secs_f64()
    );
}

fn memchr_newline(bytes: &[u8], from: usize) -> Option<usize> {
    bytes[from..]
        .iter()
        .position(|b| *b == b'\n')
        .map(|i| from + i)
}

fn bench_tree(label: &str, engine: &Engine, root: &std::path::Path, runs: usize) {
    let opts = TreeOptions::default();
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = scan_tree(engine, root, &opts);
        times.push(t.elapsed());
        last = Some(r);
    }
    let first = times[0];
    let d = median(times);
    if let Some(r) = last {
        let findings: usize = r.files.iter().map(|(_, o)| o.matches.len()).sum();
        println!(
            "| scan_tree, {} threads | {label} | `{}`: {} files scanned ({:.0} MB), {} skipped | **{:.2} s** (first run {:.2} s) | {:.0} MB/s | {findings} findings in {} files, {} sensitive paths |",
            rayon::current_num_threads(),
            root.display(),
            r.files_scanned,
            r.bytes_scanned as f64 / 1e6,
            r.skipped.len(),
            d.as_secs_f64(),
            first.as_secs_f64(),
            r.bytes_scanned as f64 / 1e6 / d.as_secs_f64(),
            r.files.len(),
            r.sensitive_files.len(),
        );
    }
}

/// Rules from a file of `id<TAB>keyword,keyword<TAB>pattern<TAB>entropy` lines (line scope), to
/// measure the engine with another rule set.
fn rules_from_tsv(path: &std::path::Path) -> &'static [SecretRule] {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
    let rules: Vec<SecretRule> = text
        .lines()
        .filter_map(|line| {
            let mut f = line.split('\t');
            let (id, kws, pattern) = (f.next()?, f.next()?, f.next()?);
            let entropy = f.next().and_then(|e| e.parse().ok());
            let keywords: Vec<&'static str> = kws.split(',').map(leak).collect();
            Some(SecretRule {
                id: leak(id),
                name: leak(id),
                title: leak(id),
                severity: bulkhead_core::Severity::High,
                keywords: Box::leak(keywords.into_boxed_slice()),
                pattern: leak(pattern),
                scope: bulkhead_secrets::Scope::Line,
                entropy,
                validate: None,
                allow: &[],
                aliases: &[],
                examples: &[],
                near_misses: &[],
                doc: "",
            })
        })
        .collect();
    Box::leak(rules.into_boxed_slice())
}

fn main() {
    let a = args();
    let mut sets: Vec<(String, &'static [SecretRule])> = Vec::new();
    if let Some(path) = &a.tsv {
        let rules = rules_from_tsv(path);
        sets.push((format!("{} ({})", path.display(), rules.len()), rules));
    }
    if a.real {
        let all = bulkhead_secrets::rules::all();
        sets.push((format!("real rules ({})", all.len()), all));
    }
    if a.reference {
        sets.push((
            format!(
                "reference rules ({})",
                reference_rules::REFERENCE_RULES.len()
            ),
            reference_rules::REFERENCE_RULES,
        ));
    }
    let t = Instant::now();
    let (text, planted) = corpus(a.size_mb << 20);
    eprintln!(
        "corpus: {:.0} MB, {} lines, generated in {:.1?}",
        mb(text.len()),
        text.lines().count(),
        t.elapsed()
    );
    println!(
        "| what | rules | input | time (median of {}) | throughput | result |",
        a.runs
    );
    println!("|---|---|---|---|---|---|");
    let engines: Vec<(String, Engine)> = sets
        .into_iter()
        .map(|(label, rules)| {
            let t = Instant::now();
            let e = Engine::with_rules(ScanConfig::default(), rules);
            eprintln!(
                "{label}: compiled in {:.0?}, {:.1} MB",
                t.elapsed(),
                e.memory_usage() as f64 / 1e6
            );
            if !e.rule_errors().is_empty() {
                eprintln!("{label}: rules left out: {:?}", e.rule_errors());
            }
            (label, e)
        })
        .collect();
    for (label, e) in &engines {
        bench_corpus(label, e, &text, planted, a.runs);
    }
    drop(text);
    let data = a.data.unwrap_or_else(|| {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
    });
    if data.is_dir() {
        for (label, e) in &engines {
            bench_tree(label, e, &data, a.runs);
        }
    } else {
        eprintln!(
            "tree benchmark skipped: {} is absent (it comes with ../shared; pass --data DIR)",
            data.display()
        );
    }
}
