mod common;

use bulkhead_core::{Evidence, Finding, Location, Span};
use bulkhead_report::{InputDiagnostic, render_human};
use common::*;
use std::collections::HashMap;

fn report(findings: &[Finding], diagnostics: &[InputDiagnostic], color: bool) -> String {
    with_input(findings, diagnostics, &sources(), |i| {
        render_human(i, color)
    })
}

#[test]
fn human_report_snapshot() {
    let out = report(&findings(), &diagnostics(), false);
    insta::assert_snapshot!(out);
}

#[test]
fn color_is_off_when_asked_and_on_otherwise() {
    let plain = report(&findings(), &diagnostics(), false);
    assert!(
        !plain.contains('\x1b'),
        "escape sequence in plain output:\n{plain}"
    );
    let colored = report(&findings(), &diagnostics(), true);
    assert!(colored.contains("\x1b["));
    // the same text once the styling is removed
    assert_eq!(strip_ansi(&colored), plain);
}

/// Removes `ESC [ ... m` sequences.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn findings_are_sorted_by_path_line_column_rule() {
    let out = report(&findings(), &[], false);
    let headers: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with(' ') && l.contains(" ["))
        .collect();
    let places: Vec<&str> = headers
        .iter()
        .map(|h| h.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        places,
        [
            "Dockerfile:1:6",
            "Dockerfile:4:15",
            "Dockerfile:5:1",
            "Dockerfile:10:1",
            "Dockerfile:11:1",
            "compose.yaml:3:5",
            "container web / HostConfig.CapDrop",
        ]
    );
}

#[test]
fn summary_lines() {
    let out = report(&findings(), &diagnostics(), false);
    let last = out.lines().last().unwrap();
    assert_eq!(
        last,
        "Found 7 findings (2 critical, 2 high, 1 medium, 1 low, 1 info) in 3 files; 1 fixable with --fix."
    );
    let before = out.lines().rev().nth(1).unwrap();
    assert_eq!(before, "error: Dockerfile.dev:12: unterminated heredoc");

    assert_eq!(report(&[], &[], false), "No findings in 3 files.\n");
    let one = vec![findings().remove(4)];
    let out = report(
        &one,
        &[InputDiagnostic::new("x.yaml", None, "not YAML")],
        false,
    );
    assert!(
        out.ends_with("error: x.yaml: not YAML\nFound 1 finding (1 low) in 3 files.\n"),
        "{out}"
    );
}

#[test]
fn secret_is_masked_in_the_snippet() {
    let out = report(&findings(), &[], false);
    assert!(!out.contains(SECRET), "{out}");
    assert!(!out.contains("AbCdEf"), "{out}");
    assert!(
        out.contains("ENV NPM_TOKEN=****************************************"),
        "{out}"
    );
}

#[test]
fn control_characters_from_inputs_do_not_reach_the_terminal() {
    let text = "FROM a\nRUN echo \x1b[31mred\x1b[0m \u{9b}2J \u{202e}txt\n";
    let files = HashMap::from([("Dockerfile".to_string(), text.to_string())]);
    let span = span_of(text, "RUN echo");
    let f = finding(
        &DF020,
        "bad \x1b]0;title\x07 message\nsecond line",
        Location::file("Dockerfile\x1b[2J").with_span(span),
    )
    .with_evidence(Evidence::plain("\x1b[5m blink"))
    .with_remediation("do \u{9b}31m this");
    let mut f2 = f.clone();
    f2.location.path = Some("Dockerfile".into());
    let d = [InputDiagnostic::new("a\x1bb", Some(1), "m\x1b[1m")];
    for color in [false, true] {
        for fs in [&f, &f2] {
            let out = with_input(std::slice::from_ref(fs), &d, &files, |i| {
                render_human(i, color)
            });
            let cleaned = if color { strip_ansi(&out) } else { out.clone() };
            assert!(!cleaned.contains('\x1b'), "{out:?}");
            assert!(!cleaned.contains('\u{9b}'), "{out:?}");
            assert!(!cleaned.contains('\u{202e}'), "{out:?}");
            assert!(!cleaned.contains('\x07'), "{out:?}");
        }
    }
}

#[test]
fn object_and_sourceless_findings_have_no_snippet() {
    let out = report(&findings(), &[], false);
    let block: Vec<&str> = out
        .split("\n\n")
        .filter(|b| b.starts_with("container web") || b.starts_with("compose.yaml"))
        .collect();
    assert_eq!(block.len(), 2);
    for b in block {
        assert!(!b.contains(" | "), "{b}");
    }
}

/// Spans that do not fit the text, split UTF-8 characters, or point into empty files.
fn hostile_spans() -> Vec<Span> {
    let mut v = vec![
        Span::default(),
        Span {
            start_line: 1,
            start_column: 1,
            end_line: 1,
            end_column: 1,
            byte_start: 0,
            byte_end: 0,
        },
        Span {
            start_line: 999,
            start_column: 1,
            end_line: 999,
            end_column: 5,
            byte_start: 10_000,
            byte_end: 10_005,
        },
        Span {
            start_line: 2,
            start_column: 9999,
            end_line: 1,
            end_column: 1,
            byte_start: 5,
            byte_end: 2,
        },
        Span {
            start_line: usize::MAX,
            start_column: usize::MAX,
            end_line: usize::MAX,
            end_column: usize::MAX,
            byte_start: usize::MAX,
            byte_end: usize::MAX,
        },
        Span {
            start_line: 1,
            start_column: 2,
            end_line: 1,
            end_column: 3,
            byte_start: 1,
            byte_end: 2,
        },
    ];
    // a cheap deterministic generator covering small values densely
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..400 {
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % m) as usize
        };
        v.push(Span {
            start_line: next(6),
            start_column: next(12),
            end_line: next(6),
            end_column: next(12),
            byte_start: next(40),
            byte_end: next(40),
        });
    }
    v
}

#[test]
fn hostile_spans_never_panic() {
    let texts = [
        "",
        "\n",
        "ENV A=♥♥♥\r\nUSER ü\r\n",
        "no newline at end ✓",
        "a\n\n\nb\u{9b}\x1b\n",
        "\t\t\n x",
    ];
    let spans = hostile_spans();
    for text in texts {
        let files = HashMap::from([("f".to_string(), text.to_string())]);
        let fs: Vec<Finding> = spans
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut f = finding(&DF001, "m", Location::file("f").with_span(*s));
                if i % 3 == 0 {
                    f = f.with_evidence(Evidence::redacted("", "0123456789abcdef"));
                }
                f
            })
            .collect();
        with_input(&fs, &[], &files, |i| {
            for color in [false, true] {
                let out = render_human(i, color);
                assert!(out.contains("Found 406 findings"), "{out}");
            }
            let _ = bulkhead_report::render_json(i);
            let sarif: serde_json::Value =
                serde_json::from_str(&bulkhead_report::render_sarif(i)).unwrap();
            assert_eq!(
                sarif["runs"][0]["results"].as_array().unwrap().len(),
                spans.len()
            );
        });
    }
}

#[test]
fn out_of_range_span_gets_a_note_instead_of_a_snippet() {
    let f = finding(
        &DF001,
        "the final stage runs as `root`",
        Location::file("Dockerfile").with_span(Span {
            start_line: 80,
            start_column: 1,
            end_line: 80,
            end_column: 4,
            byte_start: 5000,
            byte_end: 5003,
        }),
    );
    let out = report(&[f], &[], false);
    insta::assert_snapshot!(out, @r"
    Dockerfile:80:1: DF001 [high] Final stage runs as root
     = the final stage runs as `root`
     = note: location 80:1-80:4 is outside the text of Dockerfile
     = help: Add a `USER` instruction with a non-root user to the final stage.

    Found 1 finding (1 high) in 3 files.
    ");
}

#[test]
fn empty_file_and_zero_width_spans_render() {
    let files = HashMap::from([
        ("empty".to_string(), String::new()),
        ("Dockerfile".to_string(), DOCKERFILE.to_string()),
    ]);
    let at_end = DOCKERFILE.len();
    let end = bulkhead_core::text::LineIndex::new(DOCKERFILE).span(DOCKERFILE, at_end, at_end);
    let fs = vec![
        finding(
            &DF010,
            "empty file",
            Location::file("empty").with_span(Span {
                start_line: 1,
                start_column: 1,
                end_line: 1,
                end_column: 1,
                byte_start: 0,
                byte_end: 0,
            }),
        ),
        finding(
            &DF010,
            "at the very end",
            Location::file("Dockerfile").with_span(end),
        ),
    ];
    let out = with_input(&fs, &[], &files, |i| render_human(i, false));
    assert!(out.contains("empty:1:1: DF010"), "{out}");
    assert!(out.contains("Dockerfile:13:1: DF010"), "{out}");
    assert!(out.contains("^ empty file"), "{out}");
    assert!(out.contains("^ at the very end"), "{out}");
}

#[test]
fn secret_is_masked_in_other_findings_snippets_too() {
    let mut fs = findings();
    // another rule pointing at the whole line that holds the secret, and one at the instruction below
    let line = span_of(DOCKERFILE, SECRET_LINE);
    fs.push(finding(
        &DF010,
        "token-like ENV key",
        Location::file("Dockerfile").with_span(line),
    ));
    let mut two_lines = line;
    two_lines.end_line += 1;
    two_lines.end_column = 11;
    two_lines.byte_end += 1 + "RUN npm ci".len();
    fs.push(finding(
        &DF020,
        "spans the secret and the next line",
        Location::file("Dockerfile").with_span(two_lines),
    ));
    let out = report(&fs, &[], false);
    assert!(!out.contains("AbCdEf"), "{out}");
    assert!(out.contains("4 | ENV NPM_TOKEN=****"), "{out}");
    assert!(out.contains("RUN npm ci"), "{out}");
}
