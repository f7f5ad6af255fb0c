//! Shell splitter: one test per construct, checking argv texts and raw ranges.

// Test paths start with `shell::` so that `cargo test shell` selects them.
mod shell {
    use bulkhead_dockerfile::shell::{Connector, RedirectOp, Script, parse_script};

    fn argvs(s: &Script) -> Vec<Vec<&str>> {
        s.commands.iter().map(|c| c.argv_text()).collect()
    }

    fn raws<'a>(src: &'a str, s: &Script) -> Vec<&'a str> {
        s.commands.iter().map(|c| &src[c.range.clone()]).collect()
    }

    fn no_errors(s: &Script) {
        assert!(s.errors.is_empty(), "unexpected errors: {:?}", s.errors);
    }

    #[test]
    fn and_or_semicolon_amp_newline() {
        let src = "a 1 && b 2 || c; d & e\nf";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec!["a", "1"],
                vec!["b", "2"],
                vec!["c"],
                vec!["d"],
                vec!["e"],
                vec!["f"]
            ]
        );
        assert_eq!(raws(src, &s), vec!["a 1", "b 2", "c", "d", "e", "f"]);
        let conns: Vec<_> = s.commands.iter().map(|c| c.connector_before).collect();
        assert_eq!(
            conns,
            vec![
                None,
                Some(Connector::And),
                Some(Connector::Or),
                Some(Connector::Semi),
                Some(Connector::Amp),
                Some(Connector::Newline)
            ]
        );
        assert!(
            s.commands
                .iter()
                .all(|c| c.depth == 0 && c.pipeline_index == 0)
        );
    }

    #[test]
    fn pipes_and_pipe_amp() {
        let src = "a | b |& c";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(argvs(&s), vec![vec!["a"], vec!["b"], vec!["c"]]);
        let p = s.commands[0].pipeline;
        assert!(s.commands.iter().all(|c| c.pipeline == p));
        assert_eq!(
            s.commands
                .iter()
                .map(|c| c.pipeline_index)
                .collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        assert_eq!(s.commands[1].connector_before, Some(Connector::Pipe));
        assert_eq!(s.commands[2].connector_before, Some(Connector::PipeAmp));
        assert_eq!(s.pipelines[p].len, 3);
        assert_eq!(&src[s.pipelines[p].range.clone()], src);
    }

    #[test]
    fn line_break_after_operators() {
        let s = parse_script("a &&\n  b |\n c");
        no_errors(&s);
        assert_eq!(argvs(&s), vec![vec!["a"], vec!["b"], vec!["c"]]);
        assert_eq!(s.commands[2].pipeline_index, 1);
    }

    #[test]
    fn single_and_double_quotes() {
        let src = r#"echo 'a b' "c $HOME d" 'it'\''s' "x\"y\$z\`w\\v\q""#;
        let s = parse_script(src);
        no_errors(&s);
        let c = &s.commands[0];
        assert_eq!(
            c.argv_text(),
            vec!["echo", "a b", "c $HOME d", "it's", "x\"y$z`w\\v\\q"]
        );
        assert_eq!(&src[c.argv[1].range.clone()], "'a b'");
        assert_eq!(&src[c.argv[3].range.clone()], r"'it'\''s'");
        assert!(c.argv[1].quoted && !c.argv[0].quoted);
    }

    #[test]
    fn ansi_c_and_locale_quotes() {
        let s = parse_script(r#"printf $'a\tb\n\x41\101\u00e9\'' $"hi there""#);
        no_errors(&s);
        assert_eq!(
            s.commands[0].argv_text(),
            vec!["printf", "a\tb\nAAé'", "hi there"]
        );
    }

    #[test]
    fn backslash_escapes_and_continuations() {
        let src = "apt-get install -y \\\n    curl \\\n    git\\ lfs a\\\\b";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            s.commands[0].argv_text(),
            vec!["apt-get", "install", "-y", "curl", "git lfs", "a\\b"]
        );
        assert_eq!(&src[s.commands[0].argv[4].range.clone()], "git\\ lfs");
        assert_eq!(&src[s.commands[0].range.clone()], src);
        // A continuation inside a word joins it.
        let s = parse_script("ec\\\nho hi");
        assert_eq!(s.commands[0].argv_text(), vec!["echo", "hi"]);
    }

    #[test]
    fn comments() {
        let src = "# leading comment\necho a # trailing; rm -rf /\necho b#not-a-comment '#quoted'";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec!["echo", "a"],
                vec!["echo", "b#not-a-comment", "#quoted"]
            ]
        );
    }

    #[test]
    fn command_substitution_is_parsed_and_kept_in_word() {
        let src =
            r#"savedAptMark="$(apt-mark showmanual)"; echo "v=$(cat /x | tr -d ' ')" $(a $(b))"#;
        let s = parse_script(src);
        no_errors(&s);
        let assign = &s.commands[0];
        assert!(assign.argv.is_empty());
        assert_eq!(
            assign.assignments[0].text,
            "savedAptMark=$(apt-mark showmanual)"
        );
        assert_eq!(
            &src[assign.assignments[0].range.clone()],
            r#"savedAptMark="$(apt-mark showmanual)""#
        );
        let mark = s
            .commands
            .iter()
            .find(|c| c.program() == Some("apt-mark"))
            .unwrap();
        assert_eq!(mark.depth, 1);
        assert_eq!(&src[mark.range.clone()], "apt-mark showmanual");
        let echo = s
            .commands
            .iter()
            .find(|c| c.program() == Some("echo"))
            .unwrap();
        assert_eq!(
            echo.argv_text(),
            vec!["echo", "v=$(cat /x | tr -d ' ')", "$(a $(b))"]
        );
        let tr = s
            .commands
            .iter()
            .find(|c| c.program() == Some("tr"))
            .unwrap();
        assert_eq!(tr.argv_text(), vec!["tr", "-d", " "]);
        assert_eq!(tr.pipeline_index, 1);
        let b = s
            .commands
            .iter()
            .find(|c| c.program() == Some("b"))
            .unwrap();
        assert_eq!(b.depth, 2);
        assert_eq!(&src[b.range.clone()], "b");
        // Source order: outer command before its substitutions.
        let order: Vec<_> = s.commands.iter().filter_map(|c| c.program()).collect();
        assert_eq!(order, vec!["apt-mark", "echo", "cat", "tr", "a", "b"]);
    }

    #[test]
    fn backquotes() {
        let src = r#"echo `date +%s` "`uname -m`" `echo \`id -u\``"#;
        let s = parse_script(src);
        no_errors(&s);
        let progs: Vec<_> = s
            .commands
            .iter()
            .map(|c| (c.program().unwrap(), c.depth))
            .collect();
        assert_eq!(
            progs,
            vec![
                ("echo", 0),
                ("date", 1),
                ("uname", 1),
                ("echo", 1),
                ("id", 2)
            ]
        );
        for c in &s.commands[1..] {
            assert!(c.range.start > 0 && c.range.end <= src.len());
        }
        assert_eq!(&src[s.commands[1].range.clone()], "date +%s");
        assert_eq!(&src[s.commands[4].range.clone()], "id -u");
        assert_eq!(s.commands[0].argv[1].text, "`date +%s`");
    }

    #[test]
    fn arithmetic_is_not_a_command() {
        let src = "echo $((1 + (2 * 3))) $(( x > 2 )); (( i++ )); x=$((y)) foo";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec!["echo", "$((1 + (2 * 3)))", "$(( x > 2 ))"],
                vec!["foo"]
            ]
        );
        assert_eq!(s.commands[1].assignments[0].text, "x=$((y))");
        // Command substitutions inside arithmetic are commands.
        let s = parse_script(
            "make -j$(( $(nproc) + 1 )); (( $(id -u) == 0 )) && for ((i=`a`; i<3; i++)); do b; done",
        );
        no_errors(&s);
        let progs: Vec<_> = s
            .commands
            .iter()
            .map(|c| (c.program().unwrap(), c.depth))
            .collect();
        assert_eq!(
            progs,
            vec![("make", 0), ("nproc", 1), ("id", 1), ("a", 1), ("b", 0)]
        );
        assert_eq!(s.commands[0].argv[1].text, "-j$(( $(nproc) + 1 ))");
        // `$( (a) )` is a substitution holding a subshell, not arithmetic.
        let s = parse_script("echo $( (a) | b)");
        assert_eq!(
            s.commands
                .iter()
                .filter_map(|c| c.program())
                .collect::<Vec<_>>(),
            vec!["echo", "a", "b"]
        );
    }

    #[test]
    fn parameter_expansion_with_nested_quotes() {
        let src = r#"echo ${A:-"x y"} "${B:-'}'}" ${C//\}/x} ${D:-$(id -un)} ${#E}"#;
        let s = parse_script(src);
        no_errors(&s);
        let echo = &s.commands[0];
        assert_eq!(echo.argv.len(), 6);
        assert_eq!(echo.argv[1].text, r#"${A:-"x y"}"#);
        assert_eq!(echo.argv[2].text, "${B:-'}'}");
        assert_eq!(echo.argv[3].text, r"${C//\}/x}");
        assert_eq!(echo.argv[5].text, "${#E}");
        let id = &s.commands[1];
        assert_eq!(id.argv_text(), vec!["id", "-un"]);
        assert_eq!(id.depth, 1);
    }

    #[test]
    fn subshells_and_groups() {
        let src = "(cd /src && make) ; { echo a; echo b; } > log";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec!["cd", "/src"],
                vec!["make"],
                vec!["echo", "a"],
                vec!["echo", "b"]
            ]
        );
        assert!(s.commands.iter().all(|c| c.depth == 1));
        assert_eq!(raws(src, &s), vec!["cd /src", "make", "echo a", "echo b"]);
        assert_eq!(s.commands[0].connector_before, None);
        assert_eq!(s.commands[1].connector_before, Some(Connector::And));
        // `{a,b}` and a `}` argument are words, not a group.
        let s = parse_script("echo {a,b} }");
        assert_eq!(argvs(&s), vec![vec!["echo", "{a,b}", "}"]]);
    }

    #[test]
    fn if_elif_else() {
        let src = "if [ -f x ]; then apt-get install -y foo; elif test -d y; then echo y; else echo z; fi";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec!["[", "-f", "x", "]"],
                vec!["apt-get", "install", "-y", "foo"],
                vec!["test", "-d", "y"],
                vec!["echo", "y"],
                vec!["echo", "z"]
            ]
        );
        assert_eq!(&src[s.commands[0].range.clone()], "[ -f x ]");
        assert!(s.commands.iter().all(|c| c.depth == 0));
    }

    #[test]
    fn negation() {
        let src = "if ! command -v foo >/dev/null 2>&1; then echo missing; fi; ! a | b";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec!["command", "-v", "foo"],
                vec!["echo", "missing"],
                vec!["a"],
                vec!["b"]
            ]
        );
        assert!(s.commands[0].negated && !s.commands[1].negated);
        assert!(s.commands[2].negated && s.commands[3].negated);
        assert!(s.pipelines[s.commands[2].pipeline].negated);
        assert_eq!(
            &src[s.commands[0].range.clone()],
            "command -v foo >/dev/null 2>&1"
        );
    }

    #[test]
    fn loops() {
        let src = "for x in a b $(seq 3); do echo $x; done\nwhile read -r l; do echo \"$l\"; done < f\nuntil false; do :; done\nfor ((i=0; i<3; i++)); do b; done\nfor y\ndo c; done";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec!["seq", "3"],
                vec!["echo", "$x"],
                vec!["read", "-r", "l"],
                vec!["echo", "$l"],
                vec!["false"],
                vec![":"],
                vec!["b"],
                vec!["c"]
            ]
        );
        assert_eq!(s.commands[0].depth, 1);
    }

    #[test]
    fn case_patterns_are_not_pipes() {
        let src = "case \"$arch\" in\n  amd64|x86_64) a=x64 ;;\n  (arm64) b ;;\n  *.tar.gz | *.tgz) tar xzf \"$f\" ;&\n  *) echo \"unsupported\"; exit 1 ;;\nesac; after";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec![],
                vec!["b"],
                vec!["tar", "xzf", "$f"],
                vec!["echo", "unsupported"],
                vec!["exit", "1"],
                vec!["after"]
            ]
        );
        assert_eq!(s.commands[0].assignments[0].text, "a=x64");
        assert!(s.commands.iter().all(|c| c.pipeline_index == 0));
        // A case inside a substitution.
        let s = parse_script("x=$(case $y in a) echo A;; esac) && z");
        no_errors(&s);
        assert_eq!(
            s.commands
                .iter()
                .filter_map(|c| c.program())
                .collect::<Vec<_>>(),
            vec!["echo", "z"]
        );
    }

    #[test]
    fn reserved_words_only_in_command_position() {
        let s = parse_script("echo if then fi done; in a");
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![vec!["echo", "if", "then", "fi", "done"], vec!["in", "a"]]
        );
    }

    #[test]
    fn functions() {
        let src = "f() { echo hi; }\nfunction g { rm -rf /tmp/x; }\nfunction h() ( ls )\nf";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec!["echo", "hi"],
                vec!["rm", "-rf", "/tmp/x"],
                vec!["ls"],
                vec!["f"]
            ]
        );
    }

    #[test]
    fn double_brackets() {
        let src = "[[ -f a && ( -d b || $x < 3 ) ]] && echo ok";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec![
                    "[[", "-f", "a", "&&", "(", "-d", "b", "||", "$x", "<", "3", ")", "]]"
                ],
                vec!["echo", "ok"]
            ]
        );
        assert_eq!(
            &src[s.commands[0].range.clone()],
            "[[ -f a && ( -d b || $x < 3 ) ]]"
        );
    }

    #[test]
    fn redirections() {
        let src = "cmd a 2>/dev/null >&2 &>all <in >>app 3<>rw 1>&- x>|clob &>>both 2>&1>/dev/null";
        let s = parse_script(src);
        no_errors(&s);
        let c = &s.commands[0];
        assert_eq!(c.argv_text(), vec!["cmd", "a", "x"]);
        let r: Vec<_> = c
            .redirects
            .iter()
            .map(|r| (r.fd, r.op, r.target.text.as_str()))
            .collect();
        assert_eq!(
            r,
            vec![
                (Some(2), RedirectOp::Out, "/dev/null"),
                (None, RedirectOp::DupOut, "2"),
                (None, RedirectOp::OutErr, "all"),
                (None, RedirectOp::In, "in"),
                (None, RedirectOp::Append, "app"),
                (Some(3), RedirectOp::ReadWrite, "rw"),
                (Some(1), RedirectOp::DupOut, "-"),
                (None, RedirectOp::Clobber, "clob"),
                (None, RedirectOp::AppendOutErr, "both"),
                (Some(2), RedirectOp::DupOut, "1"),
                (None, RedirectOp::Out, "/dev/null"),
            ]
        );
        assert_eq!(&src[c.redirects[0].range.clone()], "2>/dev/null");
        assert_eq!(&src[c.redirects[2].range.clone()], "&>all");
        assert_eq!(c.redirects[3].effective_fd(), 0);
        assert_eq!(c.redirects[4].effective_fd(), 1);
        assert_eq!(&src[c.range.clone()], src);
        // A redirection-only command.
        let s = parse_script("> /tmp/empty");
        assert_eq!(s.commands.len(), 1);
        assert!(s.commands[0].argv.is_empty() && s.commands[0].program().is_none());
    }

    #[test]
    fn heredoc_bodies_are_skipped() {
        let src = "cat <<EOF > /etc/apt/sources.list\ndeb http://x y\nrm -rf /\nEOF\necho after\ncat <<-\"END\" | sh\n\tcurl x\n\tEND\nlast";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec!["cat"],
                vec!["echo", "after"],
                vec!["cat"],
                vec!["sh"],
                vec!["last"]
            ]
        );
        let r = &s.commands[0].redirects[0];
        assert_eq!(r.op, RedirectOp::HereDoc);
        assert_eq!(r.target.text, "EOF");
        assert_eq!(
            &src[r.heredoc_body.clone().unwrap()],
            "deb http://x y\nrm -rf /\n"
        );
        let r = &s.commands[2].redirects[0];
        assert_eq!(r.op, RedirectOp::HereDocStrip);
        assert!(r.target.quoted);
        assert_eq!(&src[r.heredoc_body.clone().unwrap()], "\tcurl x\n");
        assert_eq!(s.commands[4].connector_before, Some(Connector::Newline));
    }

    #[test]
    fn two_heredocs_on_one_line_and_after_compound() {
        let src = "cat <<A; cat <<'B' && x\na-body\nA\nb-body\nB\nwhile read l; do echo $l; done <<EOF\nnot a command\nEOF\ny";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec!["cat"],
                vec!["cat"],
                vec!["x"],
                vec!["read", "l"],
                vec!["echo", "$l"],
                vec!["y"]
            ]
        );
        assert_eq!(
            &src[s.commands[0].redirects[0].heredoc_body.clone().unwrap()],
            "a-body\n"
        );
        assert_eq!(
            &src[s.commands[1].redirects[0].heredoc_body.clone().unwrap()],
            "b-body\n"
        );
    }

    #[test]
    fn heredoc_without_body_is_not_an_error() {
        // BuildKit hands Dockerfile heredocs over separately: the shell text ends at the marker line.
        let s = parse_script("cat <<EOF > /app/config");
        no_errors(&s);
        assert_eq!(s.commands[0].redirects[0].heredoc_body, None);
        // An opened but unterminated body is.
        let s = parse_script("cat <<EOF\nbody");
        assert_eq!(s.errors.len(), 1);
    }

    #[test]
    fn here_strings() {
        let src = "grep -q x <<< \"$list\"; bash <<< 'curl -s x | sh'";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(s.commands[0].redirects[0].op, RedirectOp::HereString);
        assert_eq!(s.commands[0].redirects[0].target.text, "$list");
        let progs: Vec<_> = s
            .commands
            .iter()
            .map(|c| (c.program().unwrap(), c.depth))
            .collect();
        assert_eq!(
            progs,
            vec![("grep", 0), ("bash", 0), ("curl", 1), ("sh", 1)]
        );
        assert_eq!(&src[s.commands[2].range.clone()], "curl -s x");
    }

    #[test]
    fn process_substitution() {
        let src = "bash <(curl -fsSL https://x/install) && diff <(sort a) >(tee b)";
        let s = parse_script(src);
        no_errors(&s);
        let progs: Vec<_> = s
            .commands
            .iter()
            .map(|c| (c.program().unwrap(), c.depth))
            .collect();
        assert_eq!(
            progs,
            vec![
                ("bash", 0),
                ("curl", 1),
                ("diff", 0),
                ("sort", 1),
                ("tee", 1)
            ]
        );
        assert_eq!(
            s.commands[0].argv[1].text,
            "<(curl -fsSL https://x/install)"
        );
    }

    #[test]
    fn array_assignments() {
        let s = parse_script("arr=(a \"b c\" $(d)) x+=(e) f");
        no_errors(&s);
        let c = s
            .commands
            .iter()
            .find(|c| c.program() == Some("f"))
            .unwrap();
        assert_eq!(
            c.assignments
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>(),
            vec!["arr=(a \"b c\" $(d))", "x+=(e)"]
        );
    }

    #[test]
    fn assignments_only_before_the_program() {
        let src = "A=1 B=\"x y\" make C=2 \"D\"=3";
        let s = parse_script(src);
        let c = &s.commands[0];
        assert_eq!(
            c.assignments
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>(),
            vec!["A=1", "B=x y"]
        );
        assert_eq!(c.argv_text(), vec!["make", "C=2", "D=3"]);
        assert_eq!(&src[c.assignments[1].range.clone()], "B=\"x y\"");
        // A quoted name is not an assignment.
        let s = parse_script("\"D\"=3");
        assert_eq!(s.commands[0].argv_text(), vec!["D=3"]);
    }

    #[test]
    fn sh_c_scripts_are_parsed() {
        let src = "bash -c \"curl -k https://x | bash\"";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec!["bash", "-c", "curl -k https://x | bash"],
                vec!["curl", "-k", "https://x"],
                vec!["bash"]
            ]
        );
        let (curl, bash) = (&s.commands[1], &s.commands[2]);
        assert_eq!((curl.depth, bash.depth), (1, 1));
        assert_eq!(curl.pipeline, bash.pipeline);
        assert_eq!(bash.pipeline_index, 1);
        assert_eq!(&src[curl.range.clone()], "curl -k https://x");
        assert_eq!(&src[bash.range.clone()], "bash");
        assert_eq!(&src[curl.argv[2].range.clone()], "https://x");
        let inner: Vec<_> = s.piped_into(1).map(|c| c.argv_text()).collect();
        assert_eq!(inner, vec![vec!["bash"]]);
    }

    #[test]
    fn sh_c_variants() {
        for (src, inner) in [
            ("sh -c 'apt-get update'", "apt-get"),
            ("/bin/sh -ec 'apt-get update'", "apt-get"),
            ("bash -euxo pipefail -c 'apt-get update'", "apt-get"),
            ("sudo -u root sh -c 'apt-get update'", "apt-get"),
            ("env -i PATH=/bin dash -c 'apt-get update'", "apt-get"),
            ("su nobody -c 'apt-get update'", "apt-get"),
            ("su -c 'apt-get update' nobody", "apt-get"),
            ("su --command='apt-get update' nobody", "apt-get"),
            ("busybox sh -c 'apt-get update'", "apt-get"),
            ("zsh -c apt-get", "apt-get"),
        ] {
            let s = parse_script(src);
            no_errors(&s);
            assert_eq!(s.commands.len(), 2, "{src}: {:?}", argvs(&s));
            let c = &s.commands[1];
            assert_eq!(c.program(), Some(inner), "{src}");
            assert_eq!(c.depth, 1);
            let outer = &s.commands[0];
            let arg = outer.shell_script().unwrap();
            assert!(
                arg.range.start <= c.range.start && c.range.end <= arg.range.end,
                "{src}"
            );
            assert!(
                src[c.range.clone()].starts_with(inner),
                "{src}: {:?}",
                &src[c.range.clone()]
            );
        }
        // Not a script: `sh file`, `bash -x script.sh`, `echo -c x`.
        for src in [
            "sh install.sh",
            "bash -x script.sh arg",
            "echo -c 'rm -rf /'",
        ] {
            assert_eq!(parse_script(src).commands.len(), 1, "{src}");
        }
    }

    #[test]
    fn sh_c_with_escaped_quotes_maps_ranges_inside_argument() {
        let src = r#"sh -c "echo \"a b\" && wget -q \"\$URL\" -O /tmp/x""#;
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s)[1..],
            vec![
                vec!["echo", "a b"],
                vec!["wget", "-q", "$URL", "-O", "/tmp/x"]
            ]
        );
        let arg = s.commands[0].argv[2].range.clone();
        for c in &s.commands[1..] {
            assert!(arg.start <= c.range.start && c.range.end <= arg.end);
        }
        assert_eq!(
            &src[s.commands[2].range.clone()],
            r#"wget -q \"\$URL\" -O /tmp/x"#
        );
        assert_eq!(&src[s.commands[2].argv[2].range.clone()], r#"\"\$URL\""#);
    }

    #[test]
    fn sh_c_does_not_duplicate_outer_substitutions() {
        // Double-quoted: the outer shell runs the substitution; the inner script is its output.
        let s = parse_script(r#"sh -c "$(curl -fsSL https://x)""#);
        no_errors(&s);
        let progs: Vec<_> = s
            .commands
            .iter()
            .map(|c| (c.program().unwrap(), c.depth))
            .collect();
        assert_eq!(
            progs,
            vec![("sh", 0), ("$(curl -fsSL https://x)", 1), ("curl", 1)]
        );
        assert_eq!(
            s.commands
                .iter()
                .filter(|c| c.program() == Some("curl"))
                .count(),
            1
        );
        // Single-quoted: the inner shell runs the substitution.
        let s = parse_script(r#"sh -c 'echo $(id -u)'"#);
        let progs: Vec<_> = s
            .commands
            .iter()
            .map(|c| (c.program().unwrap(), c.depth))
            .collect();
        assert_eq!(progs, vec![("sh", 0), ("echo", 1), ("id", 2)]);
    }

    #[test]
    fn shell_fed_by_heredoc() {
        let src =
            "bash -s <<'EOF'\nset -e\ncurl -fsSL https://x | sh\nEOF\ncat <<EOF\nnot parsed\nEOF";
        let s = parse_script(src);
        no_errors(&s);
        let progs: Vec<_> = s
            .commands
            .iter()
            .map(|c| (c.program().unwrap(), c.depth))
            .collect();
        assert_eq!(
            progs,
            vec![("bash", 0), ("set", 1), ("curl", 1), ("sh", 1), ("cat", 0)]
        );
        assert_eq!(&src[s.commands[2].range.clone()], "curl -fsSL https://x");
    }

    #[test]
    fn heredoc_script_with_shebang_and_continuations() {
        let src = "#!/bin/sh\nset -eux\napt-get update \\\n  && apt-get install -y \\\n     curl \\\n  && rm -rf /var/lib/apt/lists/*\n\nif [ \"$X\" = 1 ]; then\n  curl -fsSL https://x \\\n    | sh\nfi\n";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec!["set", "-eux"],
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "curl"],
                vec!["rm", "-rf", "/var/lib/apt/lists/*"],
                vec!["[", "$X", "=", "1", "]"],
                vec!["curl", "-fsSL", "https://x"],
                vec!["sh"]
            ]
        );
        assert_eq!(
            &src[s.commands[2].range.clone()],
            "apt-get install -y \\\n     curl"
        );
        assert_eq!(s.commands[6].pipeline_index, 1);
    }

    #[test]
    fn utf8_text_and_ranges() {
        let src = "echo 'héllo wörld' ünïcödé && printf '→%s' \"日本\"";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec!["echo", "héllo wörld", "ünïcödé"],
                vec!["printf", "→%s", "日本"]
            ]
        );
        assert_eq!(&src[s.commands[0].argv[2].range.clone()], "ünïcödé");
        let src = "sh -c \"echo 'é\\\"ü' \\\"ö\\\"\"";
        let s = parse_script(src);
        assert_eq!(s.commands[1].argv_text(), vec!["echo", "é\"ü", "ö"]);
        assert_eq!(&src[s.commands[1].argv[2].range.clone()], "\\\"ö\\\"");
    }

    #[test]
    fn errors_are_reported_with_best_effort_commands() {
        for (src, progs) in [
            ("echo 'unterminated && rm -rf /", vec!["echo"]),
            ("echo \"unterminated; b", vec!["echo"]),
            ("a && $(b c", vec!["a", "$(b c", "b"]),
            ("if true; then a", vec!["true", "a"]),
            ("(a; b", vec!["a", "b"]),
            ("a ) b", vec!["a", "b"]),
            ("fi; done; x", vec!["x"]),
            ("case x in a) b", vec!["b"]),
            ("echo ${x", vec!["echo"]),
            ("echo `a", vec!["echo", "a"]),
            ("cat > ", vec!["cat"]),
        ] {
            let s = parse_script(src);
            assert!(!s.errors.is_empty(), "{src}: expected an error");
            let got: Vec<_> = s.commands.iter().filter_map(|c| c.program()).collect();
            assert_eq!(got, progs, "{src}");
            for (r, _) in &s.errors {
                assert!(r.start <= r.end && r.end <= src.len(), "{src}: {r:?}");
            }
        }
    }

    #[test]
    fn crlf_line_endings() {
        let src = "#!/bin/sh\r\nset -e\r\napt-get update \\\r\n  && apt-get install -y curl\r\ncat <<EOF > /x\r\nbody\r\nEOF\r\necho done\r\n";
        let s = parse_script(src);
        no_errors(&s);
        assert_eq!(
            argvs(&s),
            vec![
                vec!["set", "-e"],
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "curl"],
                vec!["cat"],
                vec!["echo", "done"]
            ]
        );
        assert_eq!(
            &src[s.commands[3].redirects[0].heredoc_body.clone().unwrap()],
            "body\r\n"
        );
    }

    #[test]
    fn pipeline_helpers() {
        let src = "a | { b; c; } | d && e";
        let s = parse_script(src);
        no_errors(&s);
        let top = s.commands[0].pipeline;
        let direct: Vec<_> = s
            .pipeline_commands(top)
            .map(|c| c.program().unwrap())
            .collect();
        assert_eq!(direct, vec!["a", "d"]);
        assert_eq!(s.pipelines[top].len, 3);
        assert_eq!(&src[s.pipelines[top].range.clone()], "a | { b; c; } | d");
        let b = &s.commands[1];
        assert_eq!(s.pipelines[b.pipeline].parent, Some((top, 1)));
        let into_a: Vec<_> = s.piped_into(0).map(|c| c.program().unwrap()).collect();
        assert_eq!(into_a, vec!["b", "c", "d"]);
        let into_c: Vec<_> = s.piped_into(2).map(|c| c.program().unwrap()).collect();
        assert_eq!(into_c, vec!["d"]);
        assert_eq!(s.piped_into(4).count(), 0);
        assert_eq!(s.find(|c| c.depth == 1).collect::<Vec<_>>(), vec![1, 2]);
    }
}
