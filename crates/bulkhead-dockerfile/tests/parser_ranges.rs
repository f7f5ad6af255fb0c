//! Byte ranges map back to the right source text: keyword, flags, exec elements, shell text through the
//! segment map across continuation lines (with comment and empty lines in between), directives, comments,
//! CRLF, BOM and `# escape=`.

use bulkhead_dockerfile::{
    Arguments, DiagnosticLevel, Dockerfile, Instruction, InstructionKind, parse, parse_bytes,
};

mod parser_support;
use parser_support::{errors, src};

const CONTINUATION: &str = include_str!("fixtures/parser/continuation.Dockerfile");
const WINDOWS: &str = include_str!("fixtures/parser/windows.Dockerfile");

fn shell(ins: &Instruction) -> (&str, &bulkhead_dockerfile::SegmentMap) {
    match &ins.args {
        Arguments::Shell { text, map } => (text.as_str(), map),
        Arguments::Exec { .. } => panic!("{} is in exec form", ins.keyword),
    }
}

#[test]
fn keyword_flags_and_lines() {
    let df = parse(CONTINUATION);
    assert!(errors(&df).is_empty(), "{:?}", df.diagnostics);
    let kinds: Vec<_> = df.instructions.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [
            InstructionKind::From,
            InstructionKind::Run,
            InstructionKind::Copy,
            InstructionKind::Entrypoint,
            InstructionKind::Cmd
        ]
    );
    let from = &df.instructions[0];
    assert_eq!(src(&df, &from.keyword_range), "FROM");
    assert_eq!(from.flags.len(), 1);
    assert_eq!(from.flags[0].name, "platform");
    assert_eq!(from.flags[0].value.as_deref(), Some("$BUILDPLATFORM"));
    assert_eq!(src(&df, &from.flags[0].range), "--platform=$BUILDPLATFORM");
    assert_eq!(
        src(&df, &from.range),
        "FROM --platform=$BUILDPLATFORM debian:12 AS build"
    );
    assert_eq!((from.start_line, from.end_line), (3, 3));
    let words: Vec<_> = from
        .words()
        .into_iter()
        .map(|(w, r)| (w, src(&df, &r).to_string()))
        .collect();
    assert_eq!(
        words,
        [
            ("debian:12".into(), "debian:12".into()),
            ("AS".into(), "AS".into()),
            ("build".into(), "build".into())
        ]
    );

    let run = &df.instructions[1];
    assert_eq!((run.start_line, run.end_line), (5, 10));
    assert_eq!(
        src(&df, &run.flags[0].range),
        "--mount=type=cache,target=/var/cache/apt"
    );
    assert!(src(&df, &run.range).starts_with("RUN --mount"));
    assert!(src(&df, &run.range).ends_with("curl ca-certificates"));

    let copy = &df.instructions[2];
    let flags: Vec<_> = copy
        .flags
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_deref(), src(&df, &f.range)))
        .collect();
    assert_eq!(
        flags,
        [
            ("from", Some("build"), "--from=build"),
            ("chmod", Some("0755"), "--chmod=0755")
        ]
    );
    let cmd = &df.instructions[4];
    assert_eq!(shell(cmd).0, "echo \"done\"");
}

#[test]
fn exec_elements_map_to_their_literals() {
    let df = parse(CONTINUATION);
    let copy = &df.instructions[2];
    let Arguments::Exec { args, range } = &copy.args else {
        panic!("COPY should be exec form")
    };
    assert_eq!(src(&df, range), r#"["/src/app bin", "/usr/local/bin/"]"#);
    let got: Vec<_> = args
        .iter()
        .map(|a| (a.value.as_str(), src(&df, &a.range)))
        .collect();
    assert_eq!(
        got,
        [
            ("/src/app bin", r#""/src/app bin""#),
            ("/usr/local/bin/", r#""/usr/local/bin/""#)
        ]
    );
    let entry = &df.instructions[3];
    let Arguments::Exec { args, .. } = &entry.args else {
        panic!("ENTRYPOINT should be exec form")
    };
    assert_eq!(
        args.iter().map(|a| a.value.as_str()).collect::<Vec<_>>(),
        ["/usr/local/bin/app", "--serve"]
    );
    assert_eq!(src(&df, &args[1].range), r#""--serve""#);
}

#[test]
fn shell_text_maps_through_continuations_and_dropped_lines() {
    let df = parse(CONTINUATION);
    let run = &df.instructions[1];
    let (text, map) = shell(run);
    // BuildKit joins the lines directly, keeps the continuation lines' indentation, drops the comment line
    // and the empty line.
    assert_eq!(
        text,
        "apt-get update &&     apt-get install -y       curl ca-certificates"
    );
    for word in [
        "apt-get",
        "update",
        "install",
        "-y",
        "curl",
        "ca-certificates",
    ] {
        let mut from = 0;
        while let Some(i) = text.get(from..).and_then(|t| t.find(word)) {
            let at = from + i;
            let r = map.range_to_source(at..at + word.len());
            assert_eq!(src(&df, &r), word, "word {word} at logical {at}");
            from = at + word.len();
        }
    }
    // A range across the joints covers the source in between (continuation marks, comment, empty line).
    let whole = map.range_to_source(0..text.len());
    let covered = src(&df, &whole);
    assert!(covered.starts_with("apt-get update && \\\n"), "{covered:?}");
    assert!(covered.contains("# a comment inside the command"));
    assert!(covered.ends_with("curl ca-certificates"));
    // The dropped comment is still listed, and the empty line gave a warning.
    assert!(
        df.comments
            .iter()
            .any(|c| c.text == "a comment inside the command" && c.line == 7)
    );
    assert!(
        df.diagnostics.iter().any(
            |d| d.level == DiagnosticLevel::Warning && d.message.contains("Empty continuation")
        )
    );
}

#[test]
fn directives_and_comments() {
    let df = parse(CONTINUATION);
    assert_eq!(df.directives.len(), 1);
    let d = &df.directives[0];
    assert_eq!(
        (d.name.as_str(), d.value.as_str()),
        ("syntax", "docker/dockerfile:1.7")
    );
    assert_eq!(src(&df, &d.range), "# syntax=docker/dockerfile:1.7");
    assert_eq!(src(&df, &d.value_range), "docker/dockerfile:1.7");
    let texts: Vec<_> = df.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "base image",
            "hadolint ignore=DL3008",
            "a comment inside the command"
        ]
    );
    assert_eq!(src(&df, &df.comments[1].range), "# hadolint ignore=DL3008");
    // Comments attach to the next instruction the way BuildKit's PrevComment does.
    assert_eq!(df.instructions[0].comments_before, [0]);
    assert_eq!(df.instructions[1].comments_before, [1]);
    assert!(df.instructions[2].comments_before.is_empty());
    // An empty `#` restarts the attached comments (only in the first column, as in BuildKit); blank lines
    // do not.
    let df = parse("FROM a\n# one\n#\n# two\n\n# three\n  #\nRUN x\n");
    let attached: Vec<_> = df.instructions[1]
        .comments_before
        .iter()
        .map(|&i| df.comments[i].text.as_str())
        .collect();
    assert_eq!(attached, ["two", "three", ""]);
}

#[test]
fn crlf_and_bom() {
    let crlf = CONTINUATION.replace('\n', "\r\n");
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(crlf.as_bytes());
    let df = parse_bytes(&bytes);
    assert!(
        df.text.starts_with('\u{feff}'),
        "the BOM is kept in the text"
    );
    assert!(errors(&df).is_empty(), "{:?}", df.diagnostics);
    assert_eq!(
        df.directives.len(),
        1,
        "the directive is recognised after the BOM"
    );
    assert_eq!(
        src(&df, &df.directives[0].range),
        "# syntax=docker/dockerfile:1.7"
    );
    let lf = parse(CONTINUATION);
    let dump_crlf = bulkhead_dockerfile::parser::dump(&df);
    assert_eq!(dump_crlf, bulkhead_dockerfile::parser::dump(&lf));
    let run = &df.instructions[1];
    let (text, map) = shell(run);
    assert_eq!(
        text,
        shell(&lf.instructions[1]).0,
        "no carriage return in the logical text"
    );
    let at = text.find("curl").unwrap_or(0);
    assert_eq!(src(&df, &map.range_to_source(at..at + 4)), "curl");
    assert!(!src(&df, &run.range).ends_with('\r'));
    assert_eq!(src(&df, &df.instructions[4].range), "CMD echo \"done\"");
}

#[test]
fn escape_backtick() {
    let df = parse(WINDOWS);
    assert_eq!(df.escape, '`');
    assert!(errors(&df).is_empty(), "{:?}", df.diagnostics);
    let copy = &df.instructions[2];
    let words: Vec<_> = copy.words().into_iter().map(|(w, _)| w).collect();
    assert_eq!(
        words,
        [r"C:\src\app.exe", r"C:\app\"],
        "backslash is literal, even at the end of the line"
    );
    let run = &df.instructions[3];
    assert_eq!(run.escape, '`');
    assert_eq!(shell(run).0, "Write-Host one;     Write-Host two");
    assert_eq!((run.start_line, run.end_line), (5, 6));
    let shell_ins = &df.instructions[1];
    assert!(shell_ins.args.is_exec());
}

#[test]
fn line_col_counts_chars() {
    let df = parse("FROM alpine\nRUN echo \u{e9}t\u{e9} && true\n");
    let run = &df.instructions[1];
    assert_eq!(df.line_col(run.keyword_range.start), (2, 1));
    let (text, map) = shell(run);
    let at = text.find("&&").unwrap_or(0);
    assert_eq!(df.line_col(map.to_source(at)), (2, 14));
    // A tree built by hand (no line index) still answers.
    let bare = Dockerfile {
        text: df.text.clone(),
        ..Dockerfile::default()
    };
    assert_eq!(bare.line_col(map.to_source(at)), (2, 14));
}

#[test]
fn directive_errors() {
    let dup = parse("# escape=`\n# escape=\\\nFROM x\n");
    assert!(
        errors(&dup)
            .iter()
            .any(|e| e.contains("only one escape parser directive")),
        "{:?}",
        dup.diagnostics
    );
    assert_eq!(dup.escape, '`');
    let bad = parse("# escape=x\nFROM x\n");
    assert!(
        errors(&bad)
            .iter()
            .any(|e| e.contains("invalid escape token")),
        "{:?}",
        bad.diagnostics
    );
    assert_eq!(bad.escape, '\\');
    // Only the top of the file holds directives.
    let late = parse("FROM x\n# escape=`\nRUN a \\\n b\n");
    assert!(late.directives.is_empty());
    assert_eq!(late.escape, '\\');
    assert_eq!(late.instructions[1].args.shell_text(), Some("a  b"));
    let check = parse("# check=skip=JSONArgsRecommended\n# syntax=x\nFROM x\n");
    let names: Vec<_> = check
        .directives
        .iter()
        .map(|d| (d.name.as_str(), d.value.as_str()))
        .collect();
    assert_eq!(
        names,
        [("check", "skip=JSONArgsRecommended"), ("syntax", "x")]
    );
}
