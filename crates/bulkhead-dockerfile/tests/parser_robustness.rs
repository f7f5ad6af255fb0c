//! The parser never panics and stays linear: deterministic pseudo-random bytes, mutations of real
//! Dockerfiles, pathological inputs and a 10 MB file. Every range in the tree must be a valid slice of the
//! text.

use std::ops::Range;
use std::time::{Duration, Instant};

use bulkhead_dockerfile::parser::dump;
use bulkhead_dockerfile::{Arguments, Dockerfile, Instruction, parse, parse_bytes};

const FIXTURES: [&str; 4] = [
    include_str!("fixtures/parser/continuation.Dockerfile"),
    include_str!("fixtures/parser/heredocs.Dockerfile"),
    include_str!("fixtures/parser/windows.Dockerfile"),
    include_str!("fixtures/parser/keyvalues.Dockerfile"),
];

/// splitmix64: small, deterministic, good enough to shake the parser.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn check_range(df: &Dockerfile, r: &Range<usize>, what: &str) {
    assert!(
        r.start <= r.end && r.end <= df.text.len(),
        "{what}: {r:?} out of 0..{}",
        df.text.len()
    );
    assert!(
        df.text.get(r.clone()).is_some(),
        "{what}: {r:?} not on character boundaries"
    );
}

fn check_instruction(df: &Dockerfile, ins: &Instruction) {
    check_range(df, &ins.keyword_range, "keyword");
    check_range(df, &ins.range, "instruction");
    assert!(ins.start_line <= ins.end_line);
    for f in &ins.flags {
        check_range(df, &f.range, "flag");
    }
    match &ins.args {
        Arguments::Exec { args, range } => {
            check_range(df, range, "exec");
            for a in args {
                check_range(df, &a.range, "exec element");
            }
        }
        Arguments::Shell { text, map } => {
            check_range(df, &map.range_to_source(0..text.len()), "shell text");
            for (_, r) in ins.words() {
                check_range(df, &r, "word");
            }
        }
    }
    for h in &ins.heredocs {
        check_range(df, &h.body_range, "heredoc body");
        check_range(df, &h.marker_range, "heredoc marker");
    }
    for kv in ins.key_values() {
        check_range(df, &kv.key_range, "key");
        if let Some(r) = &kv.value_range {
            check_range(df, r, "value");
        }
    }
    if let Some(h) = ins.healthcheck() {
        check_range(df, &h.type_range, "healthcheck type");
    }
    if let Some(inner) = &ins.onbuild {
        check_instruction(df, inner);
    }
}

fn check(df: &Dockerfile) {
    for ins in &df.instructions {
        check_instruction(df, ins);
    }
    for c in &df.comments {
        check_range(df, &c.range, "comment");
    }
    for d in &df.directives {
        check_range(df, &d.range, "directive");
        check_range(df, &d.value_range, "directive value");
    }
    for d in &df.diagnostics {
        check_range(df, &d.range, "diagnostic");
    }
    let _ = dump(df);
    let _ = df.line_col(df.text.len());
}

/// Bytes that matter to the parser, plus anything.
const ALPHABET: &[&[u8]] = &[
    b"\n",
    b"\r\n",
    b" ",
    b"\t",
    b"\\",
    b"`",
    b"#",
    b"\"",
    b"'",
    b"[",
    b"]",
    b",",
    b"=",
    b"--",
    b"<<",
    b"<<-",
    b"EOF",
    b"$",
    b"${",
    b"}",
    b"RUN ",
    b"FROM ",
    b"COPY ",
    b"ENV ",
    b"ARG ",
    b"ONBUILD ",
    b"HEALTHCHECK ",
    b"CMD ",
    b"# escape=`\n",
    b"# syntax=x\n",
    b"\xef\xbb\xbf",
    b"\xc3\xa9",
    b"\xe2\x80\x83",
    b"\xff",
    b"\x00",
    b"\xc2\xa0",
    b"\xe0\xa0\x80",
    b"1",
    b"a",
    b"\\u0000",
    b"\"\\ud800\"",
    b"{}",
];

fn random_doc(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    let n = rng.below(60);
    for _ in 0..n {
        if rng.below(8) == 0 {
            out.push((rng.next() & 0xff) as u8);
        } else {
            out.extend_from_slice(ALPHABET[rng.below(ALPHABET.len())]);
        }
    }
    out
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x5eed);
    for _ in 0..20_000 {
        let doc = random_doc(&mut rng);
        check(&parse_bytes(&doc));
    }
}

#[test]
fn mutated_dockerfiles_never_panic() {
    let mut rng = Rng(42);
    for base in FIXTURES {
        for _ in 0..3_000 {
            let mut doc = base.as_bytes().to_vec();
            for _ in 0..1 + rng.below(6) {
                let at = rng.below(doc.len() + 1);
                match rng.below(5) {
                    0 => {
                        let end = (at + rng.below(20)).min(doc.len());
                        doc.drain(at..end);
                    }
                    1 => {
                        let piece = ALPHABET[rng.below(ALPHABET.len())];
                        doc.splice(at..at, piece.iter().copied());
                    }
                    2 if at < doc.len() => doc[at] = (rng.next() & 0xff) as u8,
                    3 => {
                        let end = (at + rng.below(40)).min(doc.len());
                        let copy: Vec<u8> = doc.get(at..end).unwrap_or_default().to_vec();
                        let to = rng.below(doc.len() + 1);
                        doc.splice(to..to, copy);
                    }
                    _ => doc.truncate(at),
                }
            }
            check(&parse_bytes(&doc));
        }
    }
}

/// Generous bound: the tests also run unoptimised on a shared machine.
fn bound(release: u64) -> Duration {
    Duration::from_millis(if cfg!(debug_assertions) {
        release * 40
    } else {
        release
    })
}

fn timed(name: &str, doc: &[u8], limit: Duration) -> Dockerfile {
    let t = Instant::now();
    let df = parse_bytes(doc);
    let took = t.elapsed();
    eprintln!("{name}: {} bytes parsed in {took:?}", doc.len());
    assert!(
        took < limit,
        "{name} took {took:?} (limit {limit:?}): not linear?"
    );
    df
}

#[test]
fn ten_megabyte_dockerfile() {
    let stanza = concat!(
        "# build step\n",
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n",
        "ARG VERSION=1.0 COMMIT\n",
        "ENV CGO_ENABLED=0 GOFLAGS=\"-trimpath -mod=readonly\" \\\n",
        "    PATH=/go/bin:$PATH\n",
        "RUN --mount=type=cache,target=/root/.cache/go-build \\\n",
        "    # comment inside\n",
        "    go build -o /out/app ./cmd/app && \\\n",
        "    strip /out/app\n",
        "COPY --from=build --chmod=0755 [\"/out/app\", \"/usr/local/bin/app\"]\n",
        "RUN <<EOF bash\n",
        "set -eux\n",
        "echo building\n",
        "EOF\n",
        "HEALTHCHECK --interval=30s CMD [\"app\", \"health\"]\n",
        "LABEL org.opencontainers.image.title=\"app\" version=$VERSION\n",
        "ENTRYPOINT [\"/usr/local/bin/app\"]\n\n",
    );
    let mut doc = String::with_capacity(10 * 1024 * 1024 + stanza.len());
    while doc.len() < 10 * 1024 * 1024 {
        doc.push_str(stanza);
    }
    let df = timed("10 MB Dockerfile", doc.as_bytes(), bound(1_500));
    assert_eq!(df.instructions.len(), doc.len().div_ceil(stanza.len()) * 9);
    assert!(df.diagnostics.is_empty(), "{:?}", df.diagnostics.first());
    // Helpers stay cheap on a big tree too.
    let t = Instant::now();
    let pairs: usize = df
        .instructions
        .iter()
        .map(|i| i.key_values().len() + i.words().len())
        .sum();
    assert!(pairs > 0);
    assert!(t.elapsed() < bound(1_500), "helpers took {:?}", t.elapsed());
}

#[test]
fn pathological_inputs_stay_linear() {
    let mb = 2 * 1024 * 1024;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("one huge continued RUN", {
            let mut s = b"FROM a\nRUN x".to_vec();
            while s.len() < mb {
                s.extend_from_slice(b" \\\n  && echo some words here");
            }
            s
        }),
        ("huge single line", {
            let mut s = b"FROM a\nRUN ".to_vec();
            s.resize(mb, b'x');
            s
        }),
        ("deep JSON nesting", {
            let mut s = b"FROM a\nCMD ".to_vec();
            s.extend(std::iter::repeat_n(b'[', mb / 2));
            s.extend(std::iter::repeat_n(b']', mb / 2));
            s
        }),
        ("many heredoc markers", {
            let mut s = b"FROM a\nRUN".to_vec();
            while s.len() < mb {
                s.extend_from_slice(b" <<A");
            }
            s.extend_from_slice(b"\nA\n");
            s
        }),
        (
            "ONBUILD chain",
            b"FROM a\n"
                .iter()
                .copied()
                .chain(b"ONBUILD ".repeat(mb / 8))
                .collect(),
        ),
        ("empty continuation lines", {
            let mut s = b"FROM a\nRUN x \\\n".to_vec();
            s.extend(std::iter::repeat_n(b'\n', mb));
            s.extend_from_slice(b"y\n");
            s
        }),
        ("many comment lines", b"# c\n".repeat(mb / 4)),
        ("only escapes", b"\\\n".repeat(mb / 2)),
        ("nested substitutions", {
            let mut s = b"FROM a\nRUN <<X${a:-".to_vec();
            s.extend(b"${b:-".repeat(mb / 10));
            s.extend(b"}".repeat(mb / 10));
            s.extend_from_slice(b"}\nX\n");
            s
        }),
        ("many ENV pairs", {
            let mut s = b"FROM a\nENV".to_vec();
            while s.len() < mb {
                s.extend_from_slice(b" k=\"v v\"");
            }
            s
        }),
        ("carriage returns only", b"FROM a\r".repeat(mb / 7)),
        ("NUL bytes", vec![0u8; mb]),
    ];
    for (name, doc) in cases {
        let df = timed(name, &doc, bound(1_000));
        check(&df);
    }
}

#[test]
fn overlong_line_is_an_error_like_buildkit() {
    let mut doc = b"FROM a\nRUN ".to_vec();
    doc.resize(doc.len() + 70_000, b'x');
    doc.extend_from_slice(b"\nRUN ok\n");
    let df = parse_bytes(&doc);
    assert!(
        df.diagnostics
            .iter()
            .any(|d| d.message.contains("line greater than max allowed size"))
    );
    assert_eq!(df.instructions.len(), 3, "parsing goes on");
    let fine = parse(&format!("FROM a\nRUN {}\n", "x".repeat(60_000)));
    assert!(fine.diagnostics.is_empty());
}

#[test]
fn invalid_utf8_is_replaced_with_a_warning() {
    let df = parse_bytes(b"FROM a\nRUN echo \xff\xfe ok\n");
    assert_eq!(
        df.instructions[1].args.shell_text(),
        Some("echo \u{fffd}\u{fffd} ok")
    );
    assert!(
        df.diagnostics
            .iter()
            .any(|d| d.message.contains("invalid UTF-8"))
    );
    check(&df);
}
