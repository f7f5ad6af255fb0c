//! Opening and walking a build context on disk, and the sensitive files found in it.

mod context_support;

mod context {
    use std::path::Path;

    use bulkhead_core::Severity;
    use bulkhead_dockerfile::context::{
        BuildContext, ContextError, ContextOptions, DEFAULT_MAX_ENTRIES, DockerIgnore,
    };

    use crate::context_support::{self as fixture, write};

    fn sent(ctx: &BuildContext) -> Vec<&str> {
        ctx.files().iter().map(|f| f.rel_path.as_str()).collect()
    }

    #[test]
    fn context_sends_exactly_what_docker_sends() {
        let dir = tempfile::tempdir().expect("tempdir");
        fixture::project(dir.path());
        let ctx = BuildContext::open(dir.path(), None).expect("open context");

        assert_eq!(
            ctx.ignore_file(),
            Some(dir.path().join(".dockerignore").as_path())
        );
        assert!(ctx.ignore_diagnostics().is_empty());
        assert_eq!(sent(&ctx), fixture::PROJECT_SENT);
        assert!(!ctx.truncated());
        assert!(ctx.walk_issues().is_empty(), "{:?}", ctx.walk_issues());
        assert_eq!(ctx.options().max_entries, DEFAULT_MAX_ENTRIES);

        let dockerfile = ctx.file("Dockerfile").expect("Dockerfile is sent");
        assert_eq!(dockerfile.size, "FROM alpine\nCOPY . /app\n".len() as u64);
        assert!(!dockerfile.is_symlink);
        assert!(ctx.file("./app/main.py").is_some());
        assert!(ctx.file(".env").is_none());
        assert_eq!(ctx.abs_path(dockerfile), dir.path().join("Dockerfile"));
    }

    #[test]
    fn context_flags_exactly_the_sensitive_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        fixture::project(dir.path());
        let ctx = BuildContext::open(dir.path(), None).expect("open context");

        let flagged: Vec<(&str, &str, Severity, bool, bool)> = ctx
            .sensitive_files()
            .into_iter()
            .map(|(f, k)| {
                (
                    f.rel_path.as_str(),
                    k.id(),
                    k.severity,
                    k.in_test_path,
                    k.content_confirmed,
                )
            })
            .collect();
        assert_eq!(
            flagged,
            [
                // `.git` once, as a directory, represented by its config.
                (".git/config", "git-directory", Severity::High, false, false),
                ("id_rsa", "ssh-private-key", Severity::Critical, false, true),
                (
                    "keys/tls.pem",
                    "private-key",
                    Severity::Critical,
                    false,
                    true
                ),
                // Dependency directories still report, one step lower.
                (
                    "node_modules/x/.npmrc",
                    "npmrc",
                    Severity::Medium,
                    true,
                    false
                ),
            ]
        );

        let dirs: Vec<(String, &str, usize)> = ctx
            .sensitive_dirs()
            .into_iter()
            .map(|d| (d.rel_path, d.kind.id(), d.files))
            .collect();
        assert_eq!(dirs, [(".git".to_string(), "git-directory", 3)]);
    }

    #[test]
    fn context_without_ignore_file_sends_everything() {
        let dir = tempfile::tempdir().expect("tempdir");
        fixture::project(dir.path());
        std::fs::remove_file(dir.path().join(".dockerignore")).expect("remove");
        let ctx = BuildContext::open(dir.path(), None).expect("open context");
        assert_eq!(ctx.ignore_file(), None);
        assert!(ctx.dockerignore().is_empty());
        let files = sent(&ctx);
        assert_eq!(files.len(), 21);
        for secret in [".env", ".env.production", "build/out.bin", "logs/debug.log"] {
            assert!(files.contains(&secret), "{secret} should be sent");
        }
        let ids: Vec<(&str, &str)> = ctx
            .sensitive_files()
            .into_iter()
            .map(|(f, k)| (f.rel_path.as_str(), k.id()))
            .collect();
        assert!(ids.contains(&(".env", "dotenv")));
        assert!(ids.contains(&(".env.production", "dotenv")));
        assert!(!ids.iter().any(|(p, _)| *p == ".env.example"));
    }

    #[test]
    fn context_dockerfile_specific_ignore_file_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(root, "Dockerfile", "FROM scratch\n");
        write(root, ".dockerignore", "a.txt\n");
        write(root, "Dockerfile.dockerignore", "b.txt\n");
        write(root, "a.txt", "a");
        write(root, "b.txt", "b");
        write(root, "build/api.Dockerfile", "FROM scratch\n");
        write(root, "build/api.Dockerfile.dockerignore", "c.txt\nbuild\n");
        write(root, "c.txt", "c");

        // Default Dockerfile: `Dockerfile.dockerignore` beats `.dockerignore`.
        let ctx = BuildContext::open(root, None).expect("open");
        assert_eq!(
            ctx.ignore_file(),
            Some(root.join("Dockerfile.dockerignore").as_path())
        );
        let files = sent(&ctx);
        assert!(files.contains(&"a.txt"));
        assert!(!files.contains(&"b.txt"));

        // Explicit Dockerfile in a subdirectory: its own ignore file, next to it.
        let api = root.join("build/api.Dockerfile");
        let ctx = BuildContext::open(root, Some(&api)).expect("open");
        assert_eq!(
            ctx.ignore_file(),
            Some(root.join("build/api.Dockerfile.dockerignore").as_path())
        );
        let files = sent(&ctx);
        assert!(files.contains(&"a.txt") && files.contains(&"b.txt"));
        assert!(!files.contains(&"c.txt"));
        assert!(!files.iter().any(|f| f.starts_with("build/")));

        // A Dockerfile without its own ignore file falls back to the context's.
        let other = root.join("other.Dockerfile");
        let ctx = BuildContext::open(root, Some(&other)).expect("open");
        assert_eq!(
            ctx.ignore_file(),
            Some(root.join(".dockerignore").as_path())
        );
        assert!(!sent(&ctx).contains(&"a.txt"));
    }

    #[test]
    fn context_ignore_diagnostics_are_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(root, ".dockerignore", "tmp\n[broken\n!\n");
        write(root, "tmp/x", "x");
        write(root, "src/y", "y");
        let ctx = BuildContext::open(root, None).expect("open");
        let lines: Vec<usize> = ctx.ignore_diagnostics().iter().map(|d| d.line).collect();
        assert_eq!(lines, [2, 3]);
        assert_eq!(sent(&ctx), [".dockerignore", "src/y"]);
    }

    #[test]
    fn context_missing_root_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("no-such-context");
        let err = BuildContext::open(&missing, None).expect_err("missing root must fail");
        assert!(matches!(err, ContextError::RootNotFound { ref path } if path == &missing));
        let message = err.to_string();
        assert!(
            message.contains(&missing.display().to_string()),
            "{message}"
        );
        assert!(message.contains("does not exist"), "{message}");

        write(dir.path(), "file.txt", "x");
        let file = dir.path().join("file.txt");
        let err = BuildContext::open(&file, None).expect_err("a file is not a context");
        assert!(matches!(err, ContextError::RootNotDirectory { .. }));
        assert!(err.to_string().contains("is not a directory"));
    }

    #[test]
    fn context_unreadable_ignore_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A directory where the ignore file should be cannot be read as a file.
        std::fs::create_dir_all(dir.path().join(".dockerignore")).expect("mkdir");
        let err = BuildContext::open(dir.path(), None).expect_err("unreadable ignore file");
        assert!(matches!(err, ContextError::IgnoreFileUnreadable { .. }));
        assert!(err.to_string().contains(".dockerignore"), "{err}");
    }

    #[test]
    fn context_truncates_at_the_cap() {
        let dir = tempfile::tempdir().expect("tempdir");
        for i in 0..10 {
            write(dir.path(), &format!("f{i:02}.txt"), "x");
        }
        let small = ContextOptions { max_entries: 3 };
        let ctx = BuildContext::open_with(dir.path(), None, small).expect("open");
        assert_eq!(ctx.files().len(), 3);
        assert!(ctx.truncated());

        let exact = ContextOptions { max_entries: 10 };
        let ctx = BuildContext::open_with(dir.path(), None, exact).expect("open");
        assert_eq!(ctx.files().len(), 10);
        assert!(!ctx.truncated());

        // Excluded files do not count towards the cap.
        write(dir.path(), ".dockerignore", "f0*\n");
        let ctx = BuildContext::open_with(dir.path(), None, exact).expect("open");
        assert_eq!(ctx.files().len(), 1);
        assert!(!ctx.truncated());
    }

    #[test]
    fn context_excluded_directories_with_exceptions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(root, ".dockerignore", "*\n!src\n!**/*.go\n");
        write(root, "src/lib/a.rs", "");
        write(root, "vendor/pkg/b.go", "");
        write(root, "vendor/pkg/c.txt", "");
        write(root, "main.go", "");
        write(root, "README.md", "");
        let ctx = BuildContext::open(root, None).expect("open");
        assert_eq!(sent(&ctx), ["main.go", "src/lib/a.rs", "vendor/pkg/b.go"]);
    }

    #[test]
    fn context_with_explicit_ignore_rules() {
        let dir = tempfile::tempdir().expect("tempdir");
        fixture::project(dir.path());
        let (ignore, _) = DockerIgnore::parse("**\n!app\n");
        let ctx =
            BuildContext::with_ignore(dir.path(), ignore, ContextOptions::default()).expect("open");
        assert_eq!(ctx.ignore_file(), None);
        assert_eq!(sent(&ctx), ["app/config/settings.json", "app/main.py"]);
    }

    #[cfg(unix)]
    #[test]
    fn context_symlinks_are_listed_not_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(root, "app/main.py", "x");
        write(
            root,
            "outside/id_rsa",
            crate::context_support::FAKE_PRIVATE_KEY,
        );
        std::os::unix::fs::symlink(root.join("app"), root.join("current")).expect("symlink");
        std::os::unix::fs::symlink(root.join("outside/id_rsa"), root.join("id_rsa"))
            .expect("symlink");
        write(root, ".dockerignore", "outside\n");
        let ctx = BuildContext::open(root, None).expect("open");
        let files: Vec<(&str, bool)> = ctx
            .files()
            .iter()
            .map(|f| (f.rel_path.as_str(), f.is_symlink))
            .collect();
        assert_eq!(
            files,
            [
                (".dockerignore", false),
                ("app/main.py", false),
                ("current", true),
                ("id_rsa", true),
            ]
        );
        // The link is sent, not the key it points to.
        assert!(ctx.sensitive_files().is_empty());
    }

    #[test]
    fn context_root_given_with_trailing_components() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "sub/x.txt", "x");
        let root = dir.path().join("sub").join(".");
        let ctx = BuildContext::open(Path::new(&root), None).expect("open");
        assert_eq!(sent(&ctx), ["x.txt"]);
    }
}
