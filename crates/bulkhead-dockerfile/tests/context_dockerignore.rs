//! `.dockerignore` semantics, as a table of (ignore file, path, excluded?) cases.

mod context {
    use bulkhead_dockerfile::context::{DiagnosticLevel, DockerIgnore};

    /// (ignore-file lines, path, expected `is_excluded`)
    const CASES: &[(&[&str], &str, bool)] = &[
        // Plain names are anchored at the root and exclude everything below them.
        (&["foo"], "foo", true),
        (&["foo"], "foo/bar", true),
        (&["foo"], "foo/bar/baz.txt", true),
        (&["foo"], "a/foo", false),
        (&["foo"], "foobar", false),
        (&["foo"], "fo", false),
        (&["node_modules"], "node_modules/x/index.js", true),
        (&["node_modules"], "packages/a/node_modules/x.js", false),
        (&["**/node_modules"], "packages/a/node_modules/x.js", true),
        (&["**/node_modules"], "node_modules/x.js", true),
        (&[".git"], ".git", true),
        (&[".git"], ".git/objects/ab/cdef", true),
        (&[".git"], ".gitignore", false),
        (&[".git"], "sub/.git/config", false),
        // `*`, `?`, classes and escapes.
        (&["*.md"], "README.md", true),
        (&["*.md"], "docs/guide.md", false),
        (&["*.md"], "README.mdx", false),
        (&["*"], "anything", true),
        (&["*"], "a/b/c", true),
        (&["dir/*"], "dir/a", true),
        (&["dir/*"], "dir/a/b", true),
        (&["dir/*"], "dir", false),
        (&[".*"], ".env", true),
        (&[".*"], "config/.env", false),
        (&["*/temp*"], "somedir/temporary.txt", true),
        (&["*/temp*"], "somedir/sub/temp", false),
        (&["*/temp*"], "temp", false),
        (&["*/*/temp*"], "a/b/temp.txt", true),
        (&["temp?"], "tempa", true),
        (&["temp?"], "temp", false),
        (&["temp?"], "tempab", false),
        (&["a?c"], "abc", true),
        (&["a?c"], "a/c", false),
        (&["[abc].txt"], "b.txt", true),
        (&["[abc].txt"], "d.txt", false),
        (&["[a-c]*"], "beta", true),
        (&["[a-c]*"], "delta", false),
        (&["[^abc].txt"], "d.txt", true),
        (&["[^abc].txt"], "a.txt", false),
        // Go classes negate with `^` only: `!` is an ordinary member.
        (&["[!a].txt"], "!.txt", true),
        (&["[!a].txt"], "b.txt", false),
        (&["[!a].txt"], "a.txt", true),
        (&["\\*.txt"], "*.txt", true),
        (&["\\*.txt"], "a.txt", false),
        (&["foo\\[x]"], "foo[x]", true),
        (&["foo\\[x]"], "foox", false),
        // Regex metacharacters with no glob meaning are literal.
        (&["foo.{a,b}"], "foo.{a,b}", true),
        (&["foo.{a,b}"], "foo.a", false),
        (&["a+b(1)|$"], "a+b(1)|$", true),
        (&["file.txt"], "fileXtxt", false),
        // `**` spans any number of directories, including none.
        (&["**/*.pem"], "tls.pem", true),
        (&["**/*.pem"], "a/b/c/tls.pem", true),
        (&["**/*.pem"], "a/tls.pem.bak", false),
        (&["**/.env"], "services/api/.env", true),
        (&["docs/**/*.md"], "docs/a.md", true),
        (&["docs/**/*.md"], "docs/x/y/a.md", true),
        (&["docs/**/*.md"], "docs/a.txt", false),
        (&["docs/**/*.md"], "a.md", false),
        (&["docs/**/*.md"], "other/docs/a.md", false),
        (&["foo/**"], "foo/bar", true),
        (&["foo/**"], "foo/bar/baz", true),
        (&["foo/**"], "foo", false),
        (&["a/**/b"], "a/b", true),
        (&["a/**/b"], "a/x/y/b", true),
        (&["a/**/b"], "a/x/b/c", true),
        (&["a/**/b"], "a/xb", false),
        (&["**"], "anything/at/all", true),
        (&["**/"], "x", true),
        (&["**/foo"], "foo", true),
        (&["**/foo"], "a/b/foo", true),
        (&["**/foo"], "afoo", false),
        (&["**/foo/**"], "a/foo/b", true),
        (&["**/foo/**"], "foo/b", true),
        // Docker's literal fast paths: `X**` is a prefix test, `**X` a suffix test.
        (&["foo**"], "foobar", true),
        (&["foo**"], "foo/x", true),
        (&["**foo"], "a/bfoo", true),
        (&["**.pem"], "deep/dir/key.pem", true),
        (&["**.pem"], "xpem", false),
        // Cleaning: leading `/`, `./`, `..`, duplicate and trailing slashes.
        (&["/abs"], "abs", true),
        (&["/abs"], "abs/x", true),
        (&["/abs/x"], "abs/x/y", true),
        (&["./foo"], "foo", true),
        (&["foo/"], "foo/x", true),
        (&["a//b"], "a/b", true),
        (&["a/../b"], "b", true),
        (&["a/../b"], "a/b", false),
        (&["a/./b"], "a/b", true),
        (&["../x"], "x", false),
        (&["!/keep"], "keep", false),
        // Comments, whitespace, blank lines.
        (&["#foo"], "#foo", false),
        (&["# foo", "bar"], "bar", true),
        (&["  #foo"], "#foo", true),
        (&["  foo  "], "foo", true),
        (&["", "   ", "foo"], "foo", true),
        (&["foo\r"], "foo", true),
        (&["\u{feff}foo"], "foo", true),
        // Exceptions and ordering: the last matching pattern wins.
        (&["*.md", "!README.md"], "README.md", false),
        (&["*.md", "!README.md"], "CHANGELOG.md", true),
        (&["*.md", "!README.md", "README.md"], "README.md", true),
        (&["!README.md", "*.md"], "README.md", true),
        (&["*.md", "! README.md"], "README.md", false),
        (
            &["*.md", "!README*.md", "README-secret.md"],
            "README-secret.md",
            true,
        ),
        (
            &["*.md", "!README*.md", "README-secret.md"],
            "README.md",
            false,
        ),
        (
            &["*.md", "README-secret.md", "!README*.md"],
            "README-secret.md",
            false,
        ),
        (&["docs", "!docs/keep.md"], "docs/keep.md", false),
        (&["docs", "!docs/keep.md"], "docs/other.md", true),
        (&["docs", "!docs/keep"], "docs/keep/deep/x", false),
        (&["**/*.md", "!**/README.md"], "docs/README.md", false),
        (&["**/*.md", "!**/README.md"], "docs/guide.md", true),
        (&["*", "!src"], "src/main.rs", false),
        (&["*", "!src"], "lib/x.rs", true),
        (&["*", "!src/**"], "src/a/b.rs", false),
        (&["*", "!*.go"], "main.go", false),
        (&["*", "!*.go"], "pkg/x.go", true),
        (&["*", "!**/*.go"], "pkg/x.go", false),
        (&["/secrets", "!/secrets/public"], "secrets/public/x", false),
        (&["/secrets", "!/secrets/public"], "secrets/private/x", true),
        (&["a/b", "!a"], "a/b/c", true),
        // Parent results are threaded down as BuildKit does: the final `a` was skipped at `a`
        // (already excluded) and does not match `a/b` itself, so `a/b` is sent.
        (&["a", "!a/b", "a"], "a/b", false),
        (&["a", "!a/b", "a"], "a/c", true),
        // Invalid lines are skipped and do not disturb the others.
        (&["[", "foo"], "foo", true),
        (&["!", "foo"], "foo", true),
        // The root is never excluded; paths may carry `./` or `/`.
        (&["*"], "", false),
        (&["*"], ".", false),
        (&["foo"], "./foo/bar", true),
        (&["foo"], "/foo", true),
        (&[], "anything", false),
    ];

    #[test]
    fn dockerignore_table() {
        let mut failures = Vec::new();
        for (lines, path, want) in CASES {
            let (ignore, _) = DockerIgnore::parse(&lines.join("\n"));
            let got = ignore.is_excluded(path);
            if got != *want {
                failures.push(format!("{lines:?} on {path:?}: expected {want}, got {got}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} cases failed:\n{}",
            failures.len(),
            CASES.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn dockerignore_patterns_are_cleaned_and_split() {
        let text = "# comment\n/abs/\n./rel\n! /inverted/abs/path\na/../b\n\n   spaced   \n";
        let (ignore, diagnostics) = DockerIgnore::parse(text);
        let got: Vec<(usize, String, bool)> = ignore
            .patterns()
            .iter()
            .map(|p| (p.line, p.pattern.clone(), p.exception))
            .collect();
        assert_eq!(
            got,
            [
                (2, "abs".to_string(), false),
                (3, "rel".to_string(), false),
                (4, "inverted/abs/path".to_string(), true),
                (5, "b".to_string(), false),
                (7, "spaced".to_string(), false),
            ]
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
    }

    #[test]
    fn dockerignore_errors_name_the_line() {
        let text = "ok\n!\n[abc\nfoo\\\n! \n!/\n[]\nfine";
        let (ignore, diagnostics) = DockerIgnore::parse(text);
        let errors: Vec<usize> = diagnostics
            .iter()
            .filter(|d| d.level == DiagnosticLevel::Error)
            .map(|d| d.line)
            .collect();
        assert_eq!(errors, [2, 3, 4, 5, 6, 7]);
        assert!(diagnostics[0].to_string().starts_with("line 2: error:"));
        assert!(diagnostics[0].message.contains("illegal exclusion pattern"));
        assert!(
            diagnostics[1].message.contains("`[abc`"),
            "{}",
            diagnostics[1]
        );
        let kept: Vec<&str> = ignore
            .patterns()
            .iter()
            .map(|p| p.pattern.as_str())
            .collect();
        assert_eq!(kept, ["ok", "fine"]);
    }

    #[test]
    fn dockerignore_warnings() {
        let (_, diagnostics) = DockerIgnore::parse("!README.md\n  # not a comment\n../up\n*.md");
        let warnings: Vec<(usize, DiagnosticLevel)> =
            diagnostics.iter().map(|d| (d.line, d.level)).collect();
        assert_eq!(
            warnings,
            [
                (1, DiagnosticLevel::Warning),
                (2, DiagnosticLevel::Warning),
                (3, DiagnosticLevel::Warning),
            ]
        );
        assert!(diagnostics[0].message.contains("no effect"));
        assert!(diagnostics[1].message.contains("not a comment"));
        assert!(diagnostics[2].message.contains("outside the build context"));
    }

    #[test]
    fn dockerignore_may_reinclude_under() {
        // (ignore file, directory, expected)
        let cases: &[(&[&str], &str, bool)] = &[
            (&["docs"], "docs", false),
            (&["docs", "!docs/keep.md"], "docs", true),
            (&["docs", "!docs/keep.md"], "other", false),
            (&["docs", "!docs/keep.md"], "doc", false),
            (&["a", "!a/b/c"], "a", true),
            (&["a", "!a/b/c"], "a/b", true),
            (&["a", "!a/b/c"], "a/x", false),
            (&["*", "!src/**"], "src", true),
            (&["*", "!src/**"], "lib", false),
            (&["*", "!src/*"], "src", true),
            // Any glob in an exception turns BuildKit's skip optimisation off for every directory.
            (&["*", "!**/*.go"], "vendor", true),
            (&["docs", "!*.md"], "docs", true),
            (&["docs", "!docs/[ab].md"], "x", true),
            (&["/docs", "!/docs/keep"], "/docs", true),
        ];
        for (lines, dir, want) in cases {
            let (ignore, _) = DockerIgnore::parse(&lines.join("\n"));
            assert_eq!(
                ignore.may_reinclude_under(dir),
                *want,
                "{lines:?} under {dir:?}"
            );
        }
    }

    #[test]
    fn dockerignore_is_sent_follows_the_walk() {
        let (ignore, _) = DockerIgnore::parse("docs\n!docs/keep.md\nnode_modules");
        assert!(ignore.is_sent("docs/keep.md"));
        assert!(!ignore.is_sent("docs/other.md"));
        assert!(!ignore.is_sent("node_modules/a/b.js"));
        assert!(ignore.is_sent("src/main.rs"));
        assert!(DockerIgnore::empty().is_sent("anything"));
    }

    #[test]
    fn dockerignore_incremental_matching_agrees_with_is_excluded() {
        let (ignore, _) = DockerIgnore::parse("a\n!a/b\na\n**/*.log\n!keep/**\ndocs/**/*.md");
        let paths = [
            "a/b/c",
            "a/c/d",
            "x/y/z.log",
            "keep/deep/z.log",
            "docs/x/y.md",
            "docs/y.txt",
        ];
        for path in paths {
            let mut state = None;
            let mut excluded = false;
            let parts: Vec<&str> = path.split('/').collect();
            for i in 1..=parts.len() {
                let prefix = parts[..i].join("/");
                let (ex, next) = ignore.match_with_parent(&prefix, state.as_ref());
                excluded = ex;
                state = Some(next);
            }
            assert_eq!(excluded, ignore.is_excluded(path), "{path}");
        }
    }

    #[test]
    fn dockerignore_never_panics_on_odd_input() {
        let inputs = [
            "\0",
            "[",
            "]",
            "\\",
            "!!",
            "!!!x",
            "**/**/**",
            "***",
            "[\\",
            "[^",
            "a[b-a]c",
            "\u{1F600}*",
            "*\u{301}",
            "/",
            "!/",
            "..",
            "../../..",
            "!..",
            "\r\n\r\n",
            "[[:alpha:]]",
            "(?i)x",
            "x{1,2}",
        ];
        for input in inputs {
            let (ignore, _) = DockerIgnore::parse(input);
            for path in ["", ".", "a", "a/b", "\u{1F600}", "[", "x{1,2}", "../a"] {
                let _ = ignore.is_excluded(path);
                let _ = ignore.is_sent(path);
                let _ = ignore.may_reinclude_under(path);
            }
        }
    }
}
