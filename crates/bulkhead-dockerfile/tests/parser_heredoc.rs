//! Heredocs: several on one line, `<<-` tab stripping, quoted delimiters, file descriptors, JSON form and
//! quoted words (no heredoc), ONBUILD, and unterminated heredocs (error, earlier instructions kept).

use bulkhead_dockerfile::{InstructionKind, parse};

mod parser_support;
use parser_support::{errors, src};

const HEREDOCS: &str = include_str!("fixtures/parser/heredocs.Dockerfile");

#[test]
fn two_heredocs_on_one_line() {
    let df = parse(HEREDOCS);
    assert!(errors(&df).is_empty(), "{:?}", df.diagnostics);
    let run = &df.instructions[1];
    assert_eq!(
        run.args.shell_text(),
        Some("<<EOF cat > /a && 3<<-\"EOT\" cat >&3")
    );
    assert_eq!((run.start_line, run.end_line), (1, 6));
    assert_eq!(run.heredocs.len(), 2);

    let first = &run.heredocs[0];
    assert_eq!(first.name, "EOF");
    assert_eq!(first.fd, None);
    assert!(!first.strip_tabs && !first.quoted);
    assert_eq!(first.content, "first body\n");
    assert_eq!(src(&df, &first.body_range), "first body\n");
    assert_eq!(src(&df, &first.marker_range), "<<EOF");

    let second = &run.heredocs[1];
    assert_eq!(second.name, "EOT");
    assert_eq!(second.fd, Some(3));
    assert!(second.strip_tabs, "<<- strips leading tabs");
    assert!(second.quoted, "a quoted delimiter disables expansion");
    assert_eq!(second.content, "second body\n  keeps inner spaces\n");
    assert_eq!(
        src(&df, &second.body_range),
        "\tsecond body\n\t  keeps inner spaces\n"
    );
    assert_eq!(src(&df, &second.marker_range), "3<<-\"EOT\"");
    assert!(
        src(&df, &run.range).ends_with("\tEOT"),
        "the instruction range ends at the terminator"
    );
}

#[test]
fn quoted_delimiter_and_copy() {
    let df = parse(HEREDOCS);
    let copy = &df.instructions[2];
    assert_eq!(copy.kind, InstructionKind::Copy);
    assert_eq!(copy.heredocs.len(), 1);
    let h = &copy.heredocs[0];
    assert_eq!((h.name.as_str(), h.quoted), ("CONF", true));
    assert_eq!(h.content, "value=$NOT_EXPANDED\n");
    let words: Vec<_> = copy.words().into_iter().map(|(w, _)| w).collect();
    assert_eq!(words, ["<<'CONF'", "/etc/app.conf"]);
}

#[test]
fn no_heredoc_in_json_or_quoted_words() {
    let df = parse(HEREDOCS);
    let json = &df.instructions[3];
    assert!(json.args.is_exec());
    assert!(json.heredocs.is_empty());
    let quoted = &df.instructions[4];
    assert_eq!(
        quoted.args.shell_text(),
        Some(r#"echo "<<NOT" '<<NOT' \<<NOT"#)
    );
    assert!(quoted.heredocs.is_empty());
    // ... so the following lines are instructions again.
    assert_eq!(df.instructions[5].kind, InstructionKind::Onbuild);
}

#[test]
fn heredoc_in_onbuild() {
    let df = parse(HEREDOCS);
    let onbuild = &df.instructions[5];
    let inner = onbuild.onbuild.as_deref().expect("ONBUILD has a trigger");
    assert_eq!(inner.kind, InstructionKind::Run);
    assert_eq!(inner.heredocs.len(), 1);
    assert_eq!(inner.heredocs[0].content, "echo from onbuild\n");
    assert_eq!((onbuild.start_line, onbuild.end_line), (12, 14));
    assert_eq!(df.instructions[6].args.shell_text(), Some("echo after"));
    assert_eq!(df.instructions.len(), 7);
}

#[test]
fn unterminated_heredoc_keeps_earlier_instructions() {
    let df = parse(
        "FROM alpine\nRUN echo before\nRUN <<EOF\necho never closed\nRUN not an instruction\n",
    );
    assert_eq!(errors(&df), ["unterminated heredoc"]);
    let d = df
        .diagnostics
        .iter()
        .find(|d| d.message == "unterminated heredoc")
        .map(|d| d.range.clone());
    assert_eq!(d.as_ref().map(|r| src(&df, r)), Some("<<EOF"));
    assert_eq!(
        df.instructions.len(),
        3,
        "the body runs to the end of the file"
    );
    assert_eq!(df.instructions[1].args.shell_text(), Some("echo before"));
    let h = &df.instructions[2].heredocs[0];
    assert_eq!(h.content, "echo never closed\nRUN not an instruction\n");
    assert_eq!(df.instructions[2].end_line, 4);
}

#[test]
fn terminator_rules() {
    // The terminator must match the whole line; CRLF is fine; leading tabs only with <<-.
    let df =
        parse("FROM a\r\nRUN <<EOF\r\n EOF\r\n\tEOF\r\nEOF \r\nEOF\r\nRUN <<-END\r\n\t\tEND\r\n");
    assert!(errors(&df).is_empty(), "{:?}", df.diagnostics);
    assert_eq!(
        df.instructions[1].heredocs[0].content,
        " EOF\r\n\tEOF\r\nEOF \r\n"
    );
    assert_eq!(df.instructions[2].heredocs[0].content, "");
    assert_eq!(df.instructions.len(), 3);
}

#[test]
fn heredoc_words_follow_buildkit() {
    // `cat<<EOF` is not a heredoc word for BuildKit (the word must start with the marker), nor is `<< EOF`.
    let df = parse("FROM a\nRUN cat<<EOF\nRUN cat << EOF\nRUN <<\"\" x\n");
    assert_eq!(df.instructions.len(), 4);
    assert!(df.instructions.iter().all(|i| i.heredocs.is_empty()));
    // A line the shell lexer rejects (unterminated quote) has no heredocs at all.
    let df = parse("FROM a\nRUN <<EOF echo \"oops\nRUN next\n");
    assert!(df.instructions[1].heredocs.is_empty());
    assert_eq!(df.instructions.len(), 3);
}
