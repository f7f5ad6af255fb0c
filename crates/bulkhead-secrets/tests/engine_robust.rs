//! Bounded time on hostile shapes (one huge line, a million `=`, keyword floods) and no panic on
//! random bytes. The sizes here keep a debug run fast; the `#[ignore]`d full-size versions run in
//! release from `bench/secrets_throughput.sh` (or `cargo test --release -- --ignored`).

use bulkhead_core::Severity;
use bulkhead_secrets::{Engine, ScanConfig, Scope, SecretMatch, SecretRule};
use std::time::{Duration, Instant};

mod support;
use support::{GITHUB, TOKEN, rule};

static RULES: &[SecretRule] = &[
    GITHUB,
    SecretRule {
        entropy: Some(2.0),
        ..rule(
            "T002",
            Severity::Medium,
            &["password", "secret", "token", "key", "="],
            // Deliberately greedy over `=` and word characters: the shape that makes `=` floods costly.
            r#"(?i)[\w.-]{0,40}(?:password|secret|token|key)[\w.-]{0,20}\s*[=:]+\s*["']?(?P<secret>[\w.=+/-]{8,})"#,
            Scope::Line,
        )
    },
    rule(
        "T003",
        Severity::Critical,
        &["-----begin"],
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
        Scope::Text,
    ),
];

fn engine() -> Engine {
    Engine::with_rules(ScanConfig::default(), RULES)
}

fn timed<T>(what: &str, limit: Duration, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    let took = t.elapsed();
    eprintln!("{what}: {took:.2?}");
    assert!(took < limit, "{what} took {took:?} (limit {limit:?})");
    out
}

/// Every range lies in the text, on char boundaries for valid UTF-8, secret inside the text.
fn check(text: &[u8], ms: &[SecretMatch]) {
    for m in ms {
        assert!(m.secret_range.start < m.secret_range.end, "{m:?}");
        assert!(m.secret_range.end <= text.len(), "{m:?}");
        assert!(m.match_range.end <= text.len(), "{m:?}");
        assert!(m.line >= 1 && m.column >= 1);
        assert!(m.redacted.contains("****"));
    }
}

fn one_huge_line(size: usize) -> String {
    let mut t = String::with_capacity(size + 200);
    let filler = "lorem ipsum dolor sit amet, consectetur adipiscing elit; x = 42; ";
    while t.len() < size / 2 {
        t.push_str(filler);
    }
    t.push_str(&format!(" github_token = {TOKEN} "));
    while t.len() < size {
        t.push_str(filler);
    }
    t
}

fn huge_line(size: usize, limit: Duration) {
    let t = one_huge_line(size);
    let ms = timed(&format!("{} MB single line", size >> 20), limit, || {
        engine().scan_text(&t)
    });
    check(t.as_bytes(), &ms);
    let found: Vec<&str> = ms.iter().map(|m| &t[m.secret_range.clone()]).collect();
    assert_eq!(found, [TOKEN]);
    assert_eq!(ms[0].line, 1);
}

#[test]
fn a_huge_single_line_is_scanned_in_bounded_time() {
    huge_line(4 << 20, Duration::from_secs(10));
}

#[test]
#[ignore = "full size: run in release (bench/secrets_throughput.sh)"]
fn a_50_mb_single_line_is_scanned_in_bounded_time() {
    huge_line(50 << 20, Duration::from_secs(3));
}

fn equals_floods(n: usize, limit: Duration) {
    let e = engine();
    let shapes: Vec<(&str, Vec<u8>)> = vec![
        ("= alone", vec![b'='; n]),
        ("password then =", {
            let mut v = b"password".to_vec();
            v.extend(std::iter::repeat_n(b'=', n));
            v
        }),
        ("= lines", b"=\n".repeat(n / 2)),
        ("key= repeated", b"key=".repeat(n / 4)),
        ("token= lines", b"token=\n".repeat(n / 7)),
        (
            "begin flood",
            b"-----BEGIN RSA PRIVATE KEY-----".repeat(n / 31),
        ),
    ];
    for (name, bytes) in shapes {
        let ms = timed(&format!("{name} ({} bytes)", bytes.len()), limit, || {
            e.scan_text(&String::from_utf8_lossy(&bytes))
        });
        check(&bytes, &ms);
    }
}

#[test]
fn a_million_equals_signs_in_bounded_time() {
    equals_floods(1_000_000, Duration::from_secs(10));
}

#[test]
#[ignore = "full size: run in release (bench/secrets_throughput.sh)"]
fn ten_million_equals_signs_in_bounded_time() {
    let big = Engine::with_rules(
        ScanConfig {
            max_file_size: u64::MAX,
            ..ScanConfig::default()
        },
        RULES,
    );
    let bytes = vec![b'='; 10_000_000];
    let ms = timed("10M =", Duration::from_secs(3), || {
        big.scan_text(std::str::from_utf8(&bytes).unwrap_or(""))
    });
    assert!(ms.is_empty());
    equals_floods(8_000_000, Duration::from_secs(3));
}

#[test]
fn keyword_floods_on_many_lines() {
    let e = engine();
    let mut t = String::new();
    for i in 0..20_000 {
        t.push_str(&format!("key_{i} = token secret password key {i}\n"));
    }
    let ms = timed("20k keyword lines", Duration::from_secs(10), || {
        e.scan_text(&t)
    });
    check(t.as_bytes(), &ms);
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn never_panics_on_random_bytes() {
    let engines = [
        engine(),
        Engine::with_rules(
            ScanConfig {
                max_line_len: 32,
                line_window: 8,
                include_minified: true,
                ..ScanConfig::default()
            },
            RULES,
        ),
    ];
    let global = Engine::global();
    let pieces: &[&[u8]] = &[
        b"password",
        b"PASSWORD=",
        b"ghp_",
        TOKEN.as_bytes(),
        b"-----BEGIN RSA PRIVATE KEY-----",
        b"-----END RSA PRIVATE KEY-----",
        b"=",
        b"\n",
        b"\r\n",
        b"\xff",
        b"\xe2\x82",
        "é♥".as_bytes(),
        b"\0",
        b"secret: ",
        b"\"",
        b"AKIA",
        b"${",
        b"}",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..1500 {
        let len = rng.below(if round % 100 == 0 { 20_000 } else { 600 });
        let mut bytes = Vec::with_capacity(len + 64);
        while bytes.len() < len {
            if rng.below(4) == 0 {
                bytes.extend_from_slice(pieces[rng.below(pieces.len())]);
            } else {
                let r = rng.next().to_le_bytes();
                bytes.extend_from_slice(&r[..1 + rng.below(8)]);
            }
        }
        for e in engines.iter().chain([global]) {
            let out = e.scan_bytes("r/a.txt", &bytes);
            check(&bytes, &out.matches);
            let text = String::from_utf8_lossy(&bytes);
            check(text.as_bytes(), &e.scan_text(&text));
            let split = text
                .char_indices()
                .nth(rng.below(text.len()))
                .map_or(0, |(i, _)| i);
            let (name, value) = text.split_at(split);
            check(value.as_bytes(), &e.scan_value(Some(name), value));
        }
    }
}

/// Hostile texts built from one rule's own keywords and examples: keyword floods with and without
/// separators, a keyword followed by a long run of secret-like characters, examples repeated on one
/// line and on many lines.
fn floods_of(rule: &SecretRule, size: usize, keywords: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for kw in rule.keywords.iter().take(keywords) {
        if kw.is_empty() {
            continue;
        }
        let n = size / kw.len().max(1);
        out.push((format!("{kw:?} x{n}"), kw.repeat(n)));
        out.push((format!("{kw:?}= x{n}"), format!("{kw}= ").repeat(n / 2)));
        out.push((format!("{kw:?} lines"), format!("{kw}\n").repeat(n)));
        let mut run = format!("{kw}=");
        run.push_str(&"aB3+/".repeat(size / 5));
        out.push((format!("{kw:?} then a long value"), run));
    }
    for ex in rule.examples.iter().take(3) {
        let n = (size / ex.len().max(1)).max(1);
        out.push(("example x one line".into(), ex.replace('\n', " ").repeat(n)));
        out.push(("example x lines".into(), format!("{ex}\n").repeat(n)));
    }
    out
}

fn every_rule_on_its_floods(size: usize, keywords: usize, limit: Duration) {
    let e = Engine::global();
    let mut slowest = (Duration::ZERO, String::new());
    for rule in bulkhead_secrets::rules::all() {
        for (what, text) in floods_of(rule, size, keywords) {
            let t = Instant::now();
            let ms = e.scan_text(&text);
            let took = t.elapsed();
            check(text.as_bytes(), &ms);
            let label = format!("{} on {what} ({} bytes)", rule.id, text.len());
            assert!(took < limit, "{label} took {took:?} (limit {limit:?})");
            if took > slowest.0 {
                slowest = (took, label);
            }
        }
    }
    eprintln!("slowest rule flood: {}: {:.2?}", slowest.1, slowest.0);
}

#[test]
fn every_real_rule_is_bounded_on_floods_of_its_keywords() {
    // Small in debug: the regex engines are some 50 times slower unoptimised.
    every_rule_on_its_floods(1024, 2, Duration::from_secs(5));
}

#[test]
#[ignore = "full size: run in release (bench/secrets_throughput.sh)"]
fn every_real_rule_is_fast_on_one_mib_floods_of_its_keywords() {
    every_rule_on_its_floods(1 << 20, usize::MAX, Duration::from_secs(2));
}
