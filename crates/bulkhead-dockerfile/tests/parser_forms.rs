//! Argument forms and helpers: JSON versus shell form, the non-string JSON error, unknown instructions,
//! ONBUILD, HEALTHCHECK, ENV/LABEL/ARG key/values, BuildKit's errors and recovery after a bad instruction.

use bulkhead_dockerfile::parser::dump;
use bulkhead_dockerfile::{
    Arguments, DiagnosticLevel, Dockerfile, HealthcheckKind, InstructionKind, KeyValue, parse,
};

mod parser_support;
use parser_support::{errors, src};

const KEYVALUES: &str = include_str!("fixtures/parser/keyvalues.Dockerfile");

fn kv(df: &Dockerfile, k: &KeyValue) -> (String, Option<String>, String, Option<String>) {
    (
        k.key.clone(),
        k.value.clone(),
        src(df, &k.key_range).to_string(),
        k.value_range.as_ref().map(|r| src(df, r).to_string()),
    )
}

fn s(v: &str) -> String {
    v.to_string()
}

#[test]
fn invalid_json_falls_back_to_shell_form() {
    let df = parse(concat!(
        "FROM a\n",
        "CMD ['single', 'quotes']\n",
        "CMD [\"unterminated\"\n",
        "CMD [\"trailing\"] text\n",
        "VOLUME [/a /b]\n",
        "RUN [ \"$HOME\" ]\n",
    ));
    assert!(errors(&df).is_empty(), "{:?}", df.diagnostics);
    let ins = &df.instructions;
    assert_eq!(ins[1].args.shell_text(), Some("['single', 'quotes']"));
    assert_eq!(ins[2].args.shell_text(), Some("[\"unterminated\""));
    assert_eq!(ins[3].args.shell_text(), Some("[\"trailing\"] text"));
    let words: Vec<_> = ins[4].words().into_iter().map(|(w, _)| w).collect();
    assert_eq!(
        words,
        ["[/a", "/b]"],
        "COPY/ADD/VOLUME split the shell form on blanks"
    );
    assert!(ins[5].args.is_exec());
}

#[test]
fn json_with_a_non_string_is_an_error() {
    let df = parse("FROM a\nCMD [\"a\", 1]\nRUN [\"sh\", [\"nested\"]]\nRUN echo still parsed\n");
    let errs = errors(&df);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs.iter().all(|e| *e == "when using JSON array syntax, arrays must be comprised of strings only"));
    let d = &df
        .diagnostics
        .iter()
        .find(|d| d.level == DiagnosticLevel::Error)
        .map(|d| d.range.clone());
    assert_eq!(d.as_ref().map(|r| src(&df, r)), Some("[\"a\", 1]"));
    assert_eq!(
        df.instructions.len(),
        4,
        "a bad instruction does not lose the rest"
    );
    assert_eq!(
        df.instructions[3].args.shell_text(),
        Some("echo still parsed")
    );
}

#[test]
fn json_strings_decode_like_go() {
    let df = parse("FROM a\nCMD [\"\\u00e9\\/\\t\", \"\\ud83d\\ude00\", \"\\ud800\"]\n");
    let Arguments::Exec { args, .. } = &df.instructions[1].args else {
        panic!("exec form")
    };
    let values: Vec<_> = args.iter().map(|a| a.value.as_str()).collect();
    assert_eq!(values, ["\u{e9}/\t", "\u{1f600}", "\u{fffd}"]);
}

#[test]
fn unknown_instruction_is_kept_with_a_warning() {
    let df = parse("FROM a\nFOO bar baz\nRUN ok\n");
    assert_eq!(df.instructions.len(), 3);
    let foo = &df.instructions[1];
    assert_eq!(
        (foo.kind, foo.keyword.as_str()),
        (InstructionKind::Unknown, "FOO")
    );
    assert_eq!(foo.args.shell_text(), Some("bar baz"));
    let warn: Vec<_> = df
        .diagnostics
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Warning)
        .collect();
    assert_eq!(warn.len(), 1);
    assert!(warn[0].message.contains("FOO"), "{}", warn[0].message);
    assert_eq!(src(&df, &warn[0].range), "FOO");
    assert!(errors(&df).is_empty());
}

#[test]
fn onbuild_nests_a_fully_parsed_instruction() {
    let df = parse("FROM a\nonbuild  COPY --from=builder --chown=1:1 [\"a\", \"b\"] \nONBUILD\n");
    let ob = &df.instructions[1];
    assert_eq!(ob.kind, InstructionKind::Onbuild);
    let inner = ob.onbuild.as_deref().expect("trigger");
    assert_eq!(inner.kind, InstructionKind::Copy);
    assert_eq!(src(&df, &inner.keyword_range), "COPY");
    assert_eq!(
        src(&df, &inner.range),
        "COPY --from=builder --chown=1:1 [\"a\", \"b\"] "
    );
    let flags: Vec<_> = inner.flags.iter().map(|f| src(&df, &f.range)).collect();
    assert_eq!(flags, ["--from=builder", "--chown=1:1"]);
    let Arguments::Exec { args, .. } = &inner.args else {
        panic!("exec form")
    };
    assert_eq!(src(&df, &args[1].range), "\"b\"");
    assert_eq!((inner.start_line, inner.end_line), (1, 1));
    assert!(df.instructions[2].onbuild.is_none());
    assert_eq!(
        dump(&df),
        "(from \"a\")\n(onbuild (copy [\"--from=builder\" \"--chown=1:1\"] \"a\" \"b\"))\n(onbuild)\n"
    );
    assert!(errors(&df).contains(&"ONBUILD requires at least one argument"));
}

#[test]
fn onbuild_triggers_buildkit_refuses() {
    let df = parse("FROM a\nONBUILD ONBUILD RUN x\nONBUILD FROM b\nONBUILD maintainer me\n");
    let errs = errors(&df);
    assert!(
        errs.contains(&"Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
        "{errs:?}"
    );
    assert!(
        errs.contains(&"FROM isn't allowed as an ONBUILD trigger"),
        "{errs:?}"
    );
    assert!(
        errs.contains(&"MAINTAINER isn't allowed as an ONBUILD trigger"),
        "{errs:?}"
    );
    // Chains are parsed, but not without bound.
    let deep = format!("FROM a\n{}RUN x\n", "ONBUILD ".repeat(10_000));
    let df = parse(&deep);
    assert_eq!(df.instructions.len(), 2);
}

#[test]
fn healthcheck_forms() {
    let df = parse(concat!(
        "FROM a\n",
        "HEALTHCHECK --interval=30s --timeout=3s CMD curl -f http://localhost/ || exit 1\n",
        "HEALTHCHECK CMD [\"/bin/check\", \"--quick\"]\n",
        "HEALTHCHECK none\n",
        "HEALTHCHECK\n",
        "HEALTHCHECK CONNECT tcp\n",
    ));
    let h = df.instructions[1].healthcheck().expect("healthcheck");
    assert_eq!(h.kind, HealthcheckKind::Cmd);
    assert_eq!(src(&df, &h.type_range), "CMD");
    let Some(Arguments::Shell { text, map }) = &h.command else {
        panic!("shell form")
    };
    assert_eq!(text, "curl -f http://localhost/ || exit 1");
    assert_eq!(src(&df, &map.range_to_source(0..4)), "curl");
    let flags: Vec<_> = df.instructions[1]
        .flags
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_deref()))
        .collect();
    assert_eq!(flags, [("interval", Some("30s")), ("timeout", Some("3s"))]);

    let h = df.instructions[2].healthcheck().expect("healthcheck");
    let Some(Arguments::Exec { args, .. }) = &h.command else {
        panic!("exec form")
    };
    assert_eq!(
        args.iter().map(|a| a.value.as_str()).collect::<Vec<_>>(),
        ["/bin/check", "--quick"]
    );
    assert_eq!(src(&df, &args[0].range), "\"/bin/check\"");

    let h = df.instructions[3].healthcheck().expect("healthcheck");
    assert_eq!(
        (h.kind, h.type_word.as_str(), h.command.is_none()),
        (HealthcheckKind::None, "none", true)
    );
    assert!(df.instructions[4].healthcheck().is_none());
    assert_eq!(
        df.instructions[5].healthcheck().map(|h| h.kind),
        Some(HealthcheckKind::Other)
    );
    assert!(df.instructions[0].healthcheck().is_none());
    let errs = errors(&df);
    assert!(
        errs.contains(&"HEALTHCHECK requires at least one argument"),
        "{errs:?}"
    );
    assert!(
        errs.contains(&"Unknown type \"CONNECT\" in HEALTHCHECK (try CMD)"),
        "{errs:?}"
    );
}

#[test]
fn key_values_env_label_arg() {
    let df = parse(KEYVALUES);
    assert!(errors(&df).is_empty(), "{:?}", df.diagnostics);
    let env: Vec<_> = df.instructions[1]
        .key_values()
        .iter()
        .map(|k| kv(&df, k))
        .collect();
    assert_eq!(
        env,
        [
            (s("PLAIN"), Some(s("value")), s("PLAIN"), Some(s("value"))),
            (
                s("QUOTED"),
                Some(s("two words")),
                s("QUOTED"),
                Some(s("\"two words\""))
            ),
            (s("SINGLE"), Some(s("its")), s("SINGLE"), Some(s("'it''s'"))),
            (s("ESCAPED"), Some(s("a b")), s("ESCAPED"), Some(s("a\\ b"))),
            (
                s("NEXT_LINE"),
                Some(s("yes")),
                s("NEXT_LINE"),
                Some(s("yes"))
            ),
        ]
    );
    let raw: Vec<_> = df.instructions[1]
        .key_values()
        .into_iter()
        .map(|k| k.raw_value)
        .collect();
    assert_eq!(raw[1].as_deref(), Some("\"two words\""));

    let legacy: Vec<_> = df.instructions[2]
        .key_values()
        .iter()
        .map(|k| kv(&df, k))
        .collect();
    assert_eq!(
        legacy,
        [(
            s("LEGACY"),
            Some(s("value with   spaces")),
            s("LEGACY"),
            Some(s("value with   spaces"))
        )]
    );

    let empty: Vec<_> = df.instructions[3]
        .key_values()
        .iter()
        .map(|k| kv(&df, k))
        .collect();
    assert_eq!(empty, [(s("EMPTY"), Some(s("")), s("EMPTY"), Some(s("")))]);

    let label: Vec<_> = df.instructions[4]
        .key_values()
        .iter()
        .map(|k| kv(&df, k))
        .collect();
    assert_eq!(
        label,
        [
            (
                s("org.opencontainers.image.title"),
                Some(s("My App")),
                s("org.opencontainers.image.title"),
                Some(s("\"My App\""))
            ),
            (
                s("quoted key"),
                Some(s("v")),
                s("\"quoted key\""),
                Some(s("v"))
            ),
        ]
    );

    let arg: Vec<_> = df.instructions[5]
        .key_values()
        .iter()
        .map(|k| kv(&df, k))
        .collect();
    assert_eq!(arg, [(s("NO_DEFAULT"), None, s("NO_DEFAULT"), None)]);
    let arg: Vec<_> = df.instructions[6]
        .key_values()
        .iter()
        .map(|k| kv(&df, k))
        .collect();
    assert_eq!(
        arg,
        [
            (
                s("WITH_DEFAULT"),
                Some(s("1.2.3")),
                s("WITH_DEFAULT"),
                Some(s("1.2.3"))
            ),
            (s("OTHER"), Some(s("x y")), s("OTHER"), Some(s("\"x y\""))),
        ]
    );

    // Variable references are kept as written.
    let vars: Vec<_> = df.instructions[7]
        .key_values()
        .into_iter()
        .map(|k| (k.key, k.value))
        .collect();
    assert_eq!(
        vars,
        [
            (s("PATH"), Some(s("/opt/bin:$PATH"))),
            (s("HOME"), Some(s("${HOME:-/root}")))
        ]
    );

    assert!(df.instructions[0].key_values().is_empty());
}

#[test]
fn key_values_follow_the_escape_token() {
    let df = parse("# escape=`\nFROM a\nENV DIR=C:\\app\\ NAME=a` b\n");
    let got: Vec<_> = df.instructions[1]
        .key_values()
        .into_iter()
        .map(|k| (k.key, k.value))
        .collect();
    assert_eq!(
        got,
        [
            (s("DIR"), Some(s("C:\\app\\"))),
            (s("NAME"), Some(s("a b")))
        ]
    );
}

#[test]
fn buildkit_parse_errors() {
    let cases: &[(&str, &str)] = &[
        ("", "file with no instructions"),
        ("# only a comment\n\n", "file with no instructions"),
        ("FROM a\nENV PATH\n", "ENV must have two arguments"),
        (
            "FROM a\nLABEL a=b c\n",
            "Syntax error - can't find = in \"c\". Must be of the form: name=value",
        ),
        ("FROM a\nENV\n", "ENV requires at least one argument"),
        ("FROM a\nENV =x\n", "ENV names can not be blank"),
        (
            "FROM a\nCOPY onlyone\n",
            "COPY requires at least two arguments",
        ),
        ("FROM a\nWORKDIR\n", "WORKDIR requires exactly one argument"),
        ("FROM a\nUSER\n", "USER requires exactly one argument"),
        (
            "FROM a AS b c\n",
            "FROM requires either one or three arguments",
        ),
        ("FROM a AS 1bad\n", "invalid name for build stage"),
        (
            "FROM a\nSHELL /bin/sh -c\n",
            "SHELL requires the arguments to be in JSON form",
        ),
        ("FROM a\nEXPOSE\n", "EXPOSE requires at least one argument"),
        (
            "FROM a\nVOLUME [\"\"]\n",
            "VOLUME specified can not be an empty string",
        ),
        ("FROM a\nARG =x\n", "ARG names can not be blank"),
        (
            "FROM a\nHEALTHCHECK NONE x\n",
            "HEALTHCHECK NONE takes no arguments",
        ),
        (
            "FROM a\nHEALTHCHECK CMD []\n",
            "Missing command after HEALTHCHECK CMD",
        ),
        (
            "FROM a\nCOPY <<EOF <<DEST\nx\nEOF\ny\nDEST\n",
            "COPY cannot accept a heredoc as a destination",
        ),
        ("RUN echo\n", "no build stage in current context"),
        ("ARG V=1\n", "dockerfile contains no stages to build"),
    ];
    for (text, want) in cases {
        let df = parse(text);
        let errs = errors(&df);
        assert!(
            errs.iter().any(|e| e.contains(want)),
            "{text:?}: want {want:?}, got {errs:?}"
        );
    }
    // And the accepted counterparts.
    for ok in [
        "ARG V=1\nFROM a:$V AS b\n",
        "FROM a\nENV A=\n",
        "FROM a\nHEALTHCHECK CMD\n",
        "FROM a\nSHELL [\"pwsh\", \"-c\"]\n",
        "FROM a\nCOPY <<EOF /dest\nx\nEOF\n",
    ] {
        assert!(
            errors(&parse(ok)).is_empty(),
            "{ok:?}: {:?}",
            parse(ok).diagnostics
        );
    }
}

#[test]
fn errors_do_not_stop_parsing() {
    let df = parse("# escape=x\nFROM a\nENV BROKEN\nCMD [\"x\", true]\nCOPY a\nRUN <<EOF\nbody\n");
    let errs = errors(&df);
    for want in [
        "invalid escape token",
        "ENV must have two arguments",
        "arrays must be comprised of strings",
        "COPY requires",
        "unterminated heredoc",
    ] {
        assert!(
            errs.iter().any(|e| e.contains(want)),
            "missing {want:?} in {errs:?}"
        );
    }
    let kinds: Vec<_> = df.instructions.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [
            InstructionKind::From,
            InstructionKind::Env,
            InstructionKind::Cmd,
            InstructionKind::Copy,
            InstructionKind::Run
        ]
    );
}

#[test]
fn flags_like_buildkit() {
    let df = parse(
        "FROM a\nCOPY --link --chown=\"user name\" -- --not-a-flag /dst\nRUN echo --not-a-flag\n",
    );
    let copy = &df.instructions[1];
    let flags: Vec<_> = copy
        .flags
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_deref(), src(&df, &f.range)))
        .collect();
    assert_eq!(
        flags,
        [
            ("link", None, "--link"),
            ("chown", Some("user name"), "--chown=\"user name\"")
        ]
    );
    assert_eq!(copy.args.shell_text(), Some("--not-a-flag /dst"));
    assert!(copy.flag("LINK").is_some());
    assert!(df.instructions[2].flags.is_empty());
}
