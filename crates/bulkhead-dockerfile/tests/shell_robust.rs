//! Shell splitter robustness: no panics, bounded recursion, every range valid; real Dockerfiles.

// Test paths start with `shell::` so that `cargo test shell` selects them.
mod shell {
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};

    use bulkhead_dockerfile::shell::{MAX_DEPTH, Script, parse_script};

    fn check_range(src: &str, r: &std::ops::Range<usize>, what: &str) {
        assert!(
            r.start <= r.end && r.end <= src.len(),
            "{what} {r:?} out of {} in {src:?}",
            src.len()
        );
        assert!(
            src.is_char_boundary(r.start) && src.is_char_boundary(r.end),
            "{what} {r:?} splits a char in {src:?}"
        );
    }

    /// Every range lies within the input on char boundaries; ids and parents are consistent.
    fn check_script(src: &str, s: &Script) {
        for c in &s.commands {
            check_range(src, &c.range, "command");
            for w in c.assignments.iter().chain(&c.argv) {
                check_range(src, &w.range, "word");
            }
            for r in &c.redirects {
                check_range(src, &r.range, "redirect");
                check_range(src, &r.target.range, "redirect target");
                if let Some(b) = &r.heredoc_body {
                    check_range(src, b, "heredoc body");
                }
            }
            let p = s.pipelines.get(c.pipeline).expect("pipeline id");
            assert!(
                c.pipeline_index < p.len.max(1),
                "index {} of {} in {src:?}",
                c.pipeline_index,
                p.len
            );
            assert!(c.depth <= MAX_DEPTH + 1, "depth {} in {src:?}", c.depth);
        }
        for (i, p) in s.pipelines.iter().enumerate() {
            check_range(src, &p.range, "pipeline");
            if let Some((parent, _)) = p.parent {
                assert!(parent < i, "parent {parent} of pipeline {i} in {src:?}");
            }
        }
        for (r, msg) in &s.errors {
            check_range(src, r, msg);
        }
        for w in s.commands.windows(2) {
            assert!(
                w[0].range.start <= w[1].range.start,
                "commands out of order in {src:?}"
            );
        }
        // (Bounded: piped_into is linear per call.)
        for i in 0..s.commands.len().min(64) {
            let _ = s.piped_into(i).count();
            let c = &s.commands[i];
            let _ = (c.program(), c.unwrapped(), c.positional(), c.shell_script());
            let _ = (
                c.has_flag(Some('x'), Some("x")),
                c.flag_values(Some('o'), Some("output")),
            );
        }
    }

    /// xorshift64*: deterministic pseudo-random numbers without dependencies.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[(self.next() % items.len() as u64) as usize]
        }
    }

    const PIECES: &[&str] = &[
        " ",
        " ",
        " ",
        "\t",
        "\n",
        "\r\n",
        "\\\n",
        "\\",
        "'",
        "\"",
        "`",
        "$",
        "$(",
        "$((",
        "${",
        "((",
        "))",
        "(",
        ")",
        "{",
        "}",
        "[[",
        "]]",
        "[",
        "]",
        "|",
        "||",
        "|&",
        "&",
        "&&",
        ";",
        ";;",
        ";&",
        "<",
        ">",
        ">>",
        "<<",
        "<<-",
        "<<<",
        "<&",
        ">&",
        "&>",
        "2>",
        "<(",
        ">(",
        "#",
        "!",
        "=",
        "a",
        "b",
        "x=1",
        "EOF",
        "\nEOF\n",
        "-c",
        "sh",
        "bash -c",
        "sh -c '",
        "sudo",
        "env",
        "if",
        "then",
        "elif",
        "else",
        "fi",
        "for",
        "in",
        "do",
        "done",
        "while",
        "case",
        "esac",
        "function",
        "curl -fsSL",
        "é",
        "日本",
        "→",
        "\u{0}",
        "$'\\x41",
        "\\'",
        "\\\"",
        "\\`",
        "\\$",
        "-",
        "--",
        "*",
        "~",
        "%",
    ];

    #[test]
    fn random_metacharacter_soup_never_panics() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..4000 {
            let n = 1 + (rng.next() % 40) as usize;
            let src: String = (0..n).map(|_| rng.pick(PIECES)).collect();
            let s = parse_script(&src);
            check_script(&src, &s);
        }
    }

    #[test]
    fn random_byte_level_strings_never_panic() {
        let alphabet: Vec<char> = "ab =$(){}[]'\"`\\|&;<>#!\n\t-~*?é日0123456789"
            .chars()
            .collect();
        let mut rng = Rng(42);
        for _ in 0..4000 {
            let n = (rng.next() % 60) as usize;
            let src: String = (0..n)
                .map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize])
                .collect();
            let s = parse_script(&src);
            check_script(&src, &s);
        }
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let n = 20_000;
        let cases = [
            "$(".repeat(n),
            format!("{}a{}", "$(".repeat(n), ")".repeat(n)),
            "(".repeat(n),
            format!("{}a{}", "(".repeat(n), ")".repeat(n)),
            "{ ".repeat(n),
            "if a; then ".repeat(n),
            "while a; do ".repeat(n),
            "case x in a) ".repeat(n),
            "for x in y; do ".repeat(n),
            "${".repeat(n),
            format!("x={}", "${a:-\"".repeat(n)),
            "\"$(".repeat(n),
            "`".repeat(n),
            // Nested quoting grows geometrically with the level: keep those levels small.
            (0..12).fold(String::from("a"), |acc, _| {
                format!("`echo {}`", acc.replace('\\', "\\\\").replace('`', "\\`"))
            }),
            (0..9).fold(String::from("curl x"), |acc, _| {
                format!("sh -c '{}'", acc.replace('\'', "'\\''"))
            }),
            (0..12).fold(String::from("curl x"), |acc, _| {
                format!(
                    "bash -c \"{}\"",
                    acc.replace('\\', "\\\\").replace('"', "\\\"")
                )
            }),
            "f() ".repeat(n),
            "function f ".repeat(n),
            "! ".repeat(n),
            "<(".repeat(n),
            "[[ ".repeat(n),
            "$((".repeat(n),
            "a=(".repeat(n),
            "<<EOF\n".repeat(n),
        ];
        for src in &cases {
            let s = parse_script(src);
            check_script(src, &s);
        }
    }

    #[test]
    fn nested_scripts_are_analysed_up_to_max_depth() {
        // Nine nested `sh -c` levels are all analysed.
        let src = (0..9).fold(String::from("curl x"), |acc, _| {
            format!("sh -c '{}'", acc.replace('\'', "'\\''"))
        });
        let s = parse_script(&src);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        let curl = s
            .commands
            .iter()
            .find(|c| c.program() == Some("curl"))
            .unwrap();
        assert_eq!(curl.depth, 9);
        assert_eq!(&src[curl.range.clone()], "curl x");
        assert_eq!(s.commands.len(), 10);
        // Deeper nesting stops at MAX_DEPTH with an error.
        let src = format!("sh -c '{}curl x{}'", "$(".repeat(30), ")".repeat(30));
        let s = parse_script(&src);
        let max = s.commands.iter().map(|c| c.depth).max().unwrap();
        assert_eq!(max, MAX_DEPTH);
        assert!(s.errors.iter().any(|(_, m)| m.contains("too deep")));
        check_script(&src, &s);
    }

    #[test]
    fn large_inputs_are_linear_ish() {
        let n = 20_000;
        let cases = [
            "apt-get install -y pkg \\\n  && ".repeat(n),
            "a | ".repeat(n),
            "echo \"$(date) ${x:-y} `id`\"; ".repeat(n),
            "cat <<EOF\nline\nEOF\n".repeat(n),
            format!("echo '{}", "x".repeat(200_000)),
            format!("echo \"{}", "$".repeat(200_000)),
            "sh -c 'a; b | c' && ".repeat(n / 4),
        ];
        for src in &cases {
            let started = Instant::now();
            let s = parse_script(src);
            let took = started.elapsed();
            assert!(
                took < Duration::from_secs(10),
                "{} bytes took {took:?}",
                src.len()
            );
            check_script(src, &s);
        }
    }

    fn data_dir(name: &str) -> PathBuf {
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/dockerfiles"
        ))
        .join(name)
    }

    fn dockerfiles(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                dockerfiles(&p, out);
            } else if p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("Dockerfile"))
            {
                out.push(p);
            }
        }
    }

    /// Crude extraction of shell-form `RUN` scripts: the `RUN` line and following lines while they end
    /// in `\`, joined BuildKit-style (backslash-newline removed, comment lines dropped).
    fn run_scripts(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let t = line.trim_start();
            let Some(rest) = t.strip_prefix("RUN ").or_else(|| t.strip_prefix("run ")) else {
                continue;
            };
            let rest = rest.trim_start();
            if rest.starts_with('[') || rest.starts_with("--") || rest.starts_with("<<") {
                continue;
            }
            let mut script = String::new();
            let mut cur = rest.to_string();
            loop {
                match cur.strip_suffix('\\') {
                    Some(joined) => {
                        script.push_str(joined);
                        match lines.next() {
                            Some(next) if next.trim_start().starts_with('#') => {
                                cur = String::from("\\")
                            }
                            Some(next) => cur = next.to_string(),
                            None => break,
                        }
                    }
                    None => {
                        script.push_str(&cur);
                        break;
                    }
                }
            }
            out.push(script);
        }
        out
    }

    #[test]
    fn docker_library_python_run_lines() {
        let dir = data_dir("docker-library-python");
        if !dir.is_dir() {
            eprintln!("SKIPPED: {} not found; corpus check not run", dir.display());
            return;
        }
        let mut files = Vec::new();
        dockerfiles(&dir, &mut files);
        let mut scripts = 0;
        let mut commands = 0;
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            // Templates hold Go template syntax; Windows images use PowerShell.
            let strict = !f.components().any(|c| c.as_os_str() == "windows")
                && f.extension().is_none_or(|e| e != "template");
            for src in run_scripts(&text) {
                let s = parse_script(&src);
                check_script(&src, &s);
                if strict {
                    assert!(
                        s.errors.is_empty(),
                        "{}: {:?}\n{src}",
                        f.display(),
                        s.errors
                    );
                    assert!(
                        !s.commands.is_empty(),
                        "{}: no command in {src}",
                        f.display()
                    );
                }
                scripts += 1;
                commands += s.commands.len();
            }
        }
        eprintln!(
            "docker-library-python: {} files, {scripts} RUN scripts, {commands} commands",
            files.len()
        );
        assert!(scripts > 0);
    }

    #[test]
    fn other_corpora_run_lines_never_panic() {
        let mut total = 0;
        for name in [
            "docker-library-php",
            "docker-alpine-v3.20",
            "jessfraz-dockerfiles",
            "awesome-compose",
        ] {
            let dir = data_dir(name);
            if !dir.is_dir() {
                eprintln!("SKIPPED: {} not found", dir.display());
                continue;
            }
            let mut files = Vec::new();
            dockerfiles(&dir, &mut files);
            for f in &files {
                let text = std::fs::read_to_string(f).unwrap_or_default();
                for src in run_scripts(&text) {
                    let s = parse_script(&src);
                    check_script(&src, &s);
                    total += 1;
                }
            }
        }
        eprintln!("other corpora: {total} RUN scripts");
    }
}
