//! Resolving COPY/ADD sources against the files actually sent.

mod context_support;

mod context {
    use bulkhead_dockerfile::context::BuildContext;

    use crate::context_support as fixture;

    #[test]
    fn context_copy_sources_resolve_like_buildkit() {
        let dir = tempfile::tempdir().expect("tempdir");
        fixture::project(dir.path());
        let ctx = BuildContext::open(dir.path(), None).expect("open context");
        let app: &[&str] = &["app/config/settings.json", "app/main.py"];

        // (source, files selected)
        let cases: &[(&str, &[&str])] = &[
            (".", fixture::PROJECT_SENT),
            ("./", fixture::PROJECT_SENT),
            ("/", fixture::PROJECT_SENT),
            ("*", fixture::PROJECT_SENT),
            ("app", app),
            ("app/", app),
            ("./app", app),
            ("/app/", app),
            ("app/.", app),
            ("app/main.py", &["app/main.py"]),
            ("app/../server.crt", &["server.crt"]),
            ("../app/main.py", &["app/main.py"]),
            ("*.crt", &["server.crt"]),
            ("keys/*.pem", &["keys/tls.pem"]),
            ("*/*.pem", &["certs/ca.pem", "keys/tls.pem"]),
            ("id_rsa*", &["id_rsa", "id_rsa.pub"]),
            ("ap?/main.py", &["app/main.py"]),
            (
                "[ak]*",
                &["app/config/settings.json", "app/main.py", "keys/tls.pem"],
            ),
            ("app/**", app),
            // `**` is only `*`: it does not cross directories.
            ("**/*.json", &[]),
            ("app/*/*.json", &["app/config/settings.json"]),
            (".env*", &[".env.example"]),
            // Excluded or missing sources select nothing.
            (".env", &[]),
            ("build", &[]),
            ("logs", &["logs/keep.log"]),
            ("missing", &[]),
            ("appx", &[]),
            ("ap", &[]),
            // Remote sources are not in the context.
            ("https://example.com/archive.tgz", &[]),
            ("git@github.com:org/repo.git", &[]),
            // A malformed glob selects nothing instead of failing.
            ("[", &[]),
        ];
        let mut failures = Vec::new();
        for (src, want) in cases {
            let got: Vec<&str> = ctx
                .sources_matching(src)
                .iter()
                .map(|f| f.rel_path.as_str())
                .collect();
            if got != *want {
                failures.push(format!("{src:?}: expected {want:?}, got {got:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
