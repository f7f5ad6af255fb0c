//! Sensitive-file classification by path, content and directory.

mod context_support;

mod context {
    use bulkhead_core::Severity;
    use bulkhead_dockerfile::sensitive::{
        CONTENT_SNIFF_LEN, SensitiveCategory, classify, classify_dir, classify_with_content,
        is_test_path, wants_content,
    };

    use crate::context_support::{FAKE_CERTIFICATE, FAKE_OPENSSH_KEY, FAKE_PRIVATE_KEY};

    use Severity::{Critical, High, Low, Medium};

    /// Expected (id, severity, in_test_path) of a directory.
    type DirVerdict = (&'static str, Severity, bool);

    /// (path, expected id and severity, or `None`)
    const BY_PATH: &[(&str, Option<(&str, Severity)>)] = &[
        // SSH keys.
        ("id_rsa", Some(("ssh-private-key", Critical))),
        ("id_dsa", Some(("ssh-private-key", Critical))),
        ("id_ecdsa", Some(("ssh-private-key", Critical))),
        ("id_ed25519", Some(("ssh-private-key", Critical))),
        ("deploy/id_ed25519_sk", Some(("ssh-private-key", Critical))),
        ("id_rsa_github", Some(("ssh-private-key", Critical))),
        ("id_rsa.old", Some(("ssh-private-key", Critical))),
        ("id_rsa.pub", None),
        ("id_ed25519.pub", None),
        ("id_rsa_github.pub", None),
        ("id_rsafoo", None),
        ("home/.ssh/id_work", Some(("ssh-private-key", Critical))),
        (".ssh/identity", Some(("ssh-private-key", Critical))),
        (".ssh/config", Some(("ssh-directory-file", Medium))),
        (".ssh/known_hosts", Some(("ssh-directory-file", Medium))),
        (".ssh/id_work.pub", None),
        ("keys/deploy.ppk", Some(("putty-private-key", Critical))),
        // PEM, keys and certificates (by name only).
        ("tls.key", Some(("private-key", High))),
        ("keys/tls.pem", Some(("pem-file", Medium))),
        ("server.pem", Some(("pem-file", Medium))),
        ("certs/ca.pem", None),
        ("ssl/certs/server.pem", None),
        ("ca.pem", None),
        ("cacert.pem", None),
        ("fullchain.pem", None),
        ("ca-bundle.pem", None),
        ("etc/ca-certificates/x.pem", None),
        ("certs/server-key.pem", Some(("pem-file", Medium))),
        ("server.crt", None),
        ("server.cer", None),
        ("server.csr", None),
        ("TLS.KEY", Some(("private-key", High))),
        // Env files.
        (".env", Some(("dotenv", High))),
        (".env.local", Some(("dotenv", High))),
        (".env.production", Some(("dotenv", High))),
        ("services/api/.env", Some(("dotenv", High))),
        ("prod.env", Some(("dotenv", High))),
        (".envrc", Some(("dotenv", High))),
        (".env.example", None),
        (".env.sample", None),
        (".env.template", None),
        (".env.dist", None),
        (".env.local.example", None),
        ("example.env", None),
        (".environment", None),
        ("env", None),
        // Tool credentials.
        (".npmrc", Some(("npmrc", High))),
        (".pypirc", Some(("pypirc", High))),
        (".netrc", Some(("netrc", High))),
        ("_netrc", Some(("netrc", High))),
        (".git-credentials", Some(("git-credentials", Critical))),
        (".gitconfig", None),
        (".docker/config.json", Some(("docker-config", High))),
        ("config.json", None),
        (".dockercfg", Some(("docker-config", High))),
        (
            ".cargo/credentials.toml",
            Some(("registry-credentials", High)),
        ),
        (".gem/credentials", Some(("registry-credentials", High))),
        ("credentials.json", Some(("oauth-credentials", High))),
        (
            "client_secret_1234.apps.googleusercontent.com.json",
            Some(("oauth-credentials", High)),
        ),
        (
            "service-account.json",
            Some(("service-account-key", Medium)),
        ),
        (
            "service-account-prod.json",
            Some(("service-account-key", Medium)),
        ),
        (".aws/credentials", Some(("aws-credentials", Critical))),
        (".aws/config", Some(("aws-config", Low))),
        ("credentials", None),
        (".s3cfg", Some(("cloud-credentials", High))),
        (".kube/config", Some(("kubeconfig", High))),
        ("kubeconfig", Some(("kubeconfig", High))),
        ("deploy/kubeconfig.yaml", Some(("kubeconfig", High))),
        ("config", None),
        // Key stores and vaults.
        ("cert.p12", Some(("pkcs12", High))),
        ("cert.pfx", Some(("pkcs12", High))),
        ("android/release.jks", Some(("java-keystore", High))),
        ("app.keystore", Some(("java-keystore", High))),
        ("passwords.kdbx", Some(("keepass-database", High))),
        ("vpn/client.ovpn", Some(("openvpn-profile", High))),
        (".htpasswd", Some(("htpasswd", Medium))),
        // Infrastructure state.
        ("terraform.tfstate", Some(("terraform-state", High))),
        ("terraform.tfstate.backup", Some(("terraform-state", High))),
        ("envs/prod.tfstate", Some(("terraform-state", High))),
        ("prod.tfvars", Some(("terraform-vars", Medium))),
        ("prod.auto.tfvars.json", Some(("terraform-vars", Medium))),
        ("terraform.tfvars.example", None),
        ("main.tf", None),
        // Application secrets.
        ("config/secrets.yml", Some(("secrets-file", Medium))),
        ("secrets.yaml", Some(("secrets-file", Medium))),
        ("secret.json", Some(("secrets-file", Medium))),
        ("config/master.key", Some(("rails-master-key", Critical))),
        (
            "config/credentials/production.key",
            Some(("rails-master-key", Critical)),
        ),
        ("wp-config.php", Some(("wordpress-config", Medium))),
        ("wp-config-sample.php", None),
        // GnuPG.
        ("secring.gpg", Some(("gpg-secret-keyring", High))),
        ("backup.tar.gpg", Some(("gpg-file", Medium))),
        ("pubring.gpg", None),
        // Misc.
        (".vault-token", Some(("vault-token", High))),
        (".pgpass", Some(("pgpass", High))),
        (".my.cnf", Some(("mysql-config", Medium))),
        ("my.cnf", None),
        ("README.md", None),
        ("src/main.rs", None),
        ("", None),
        ("/", None),
        ("./.env", Some(("dotenv", High))),
        ("/abs/.env", Some(("dotenv", High))),
    ];

    #[test]
    fn context_sensitive_classify_by_path() {
        let mut failures = Vec::new();
        for (path, want) in BY_PATH {
            let got = classify(path).map(|k| (k.id(), k.severity));
            if got != *want {
                failures.push(format!("{path:?}: expected {want:?}, got {got:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn context_sensitive_test_and_dependency_paths_are_lowered() {
        for (path, severity) in [
            ("node_modules/x/.npmrc", Medium),
            ("vendor/github.com/x/.env", Medium),
            ("test/fixtures/id_rsa", High),
            ("tests/keys/server.key", Medium),
            ("pkg/testdata/tls.pem", Low),
            ("src/__tests__/.env", Medium),
            ("spec/.aws/credentials", High),
        ] {
            let kind = classify(path).unwrap_or_else(|| panic!("{path} should be flagged"));
            assert!(kind.in_test_path, "{path}");
            assert_eq!(kind.severity, severity, "{path}");
            assert_eq!(
                kind.severity,
                kind.category.base_severity().lowered(),
                "{path}"
            );
        }
        assert!(!classify(".env").is_some_and(|k| k.in_test_path));
        // A file merely *named* like a test directory is not in one.
        assert!(!is_test_path("test"));
        assert!(!is_test_path("tests.env"));
        assert!(is_test_path("a/fixtures/b"));
        assert!(is_test_path("Tests/x"));
    }

    #[test]
    fn context_sensitive_content_confirms_or_dismisses_keys() {
        let key = FAKE_PRIVATE_KEY.as_bytes();
        let cert = FAKE_CERTIFICATE.as_bytes();

        let confirmed = classify_with_content("keys/tls.pem", key).expect("private key");
        assert_eq!(confirmed.category, SensitiveCategory::PrivateKey);
        assert_eq!(confirmed.severity, Critical);
        assert!(confirmed.content_confirmed);

        // A certificate is not a key, whatever the extension.
        assert_eq!(classify_with_content("keys/tls.pem", cert), None);
        assert_eq!(classify_with_content("server.key", cert), None);
        assert_eq!(classify_with_content("server.crt", cert), None);
        // ... but a private key is a key even under certs/ or named .crt.
        assert_eq!(
            classify_with_content("certs/ca.pem", key).map(|k| (k.id(), k.severity)),
            Some(("private-key", Critical))
        );
        assert_eq!(
            classify_with_content(
                "bundle.crt",
                format!("{FAKE_CERTIFICATE}{FAKE_PRIVATE_KEY}").as_bytes()
            )
            .map(|k| k.id()),
            Some("private-key")
        );
        // SSH keys keep their category when confirmed.
        let ssh =
            classify_with_content("id_ed25519", FAKE_OPENSSH_KEY.as_bytes()).expect("ssh key");
        assert_eq!(
            (ssh.id(), ssh.severity, ssh.content_confirmed),
            ("ssh-private-key", Critical, true)
        );
        // Encrypted keys are still keys, one step lower.
        let encrypted =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(
            classify_with_content("a.key", encrypted.as_bytes()).map(|k| k.severity),
            Some(High)
        );
        let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        assert_eq!(
            classify_with_content("a.pem", legacy.as_bytes()).map(|k| k.severity),
            Some(High)
        );
        let pgp =
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nAAAA\n-----END PGP PRIVATE KEY BLOCK-----\n";
        assert_eq!(
            classify_with_content("key.asc", pgp.as_bytes()).map(|k| k.id()),
            Some("private-key")
        );
        let putty = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n";
        assert_eq!(
            classify_with_content("deploy.ppk", putty.as_bytes()).map(|k| (k.id(), k.severity)),
            Some(("putty-private-key", Critical))
        );
        // Empty files, Keynote documents (ZIP) and PEM-less .pem files hold no key.
        assert_eq!(classify_with_content("empty.key", b""), None);
        assert_eq!(
            classify_with_content("slides.key", b"PK\x03\x04rest-of-zip"),
            None
        );
        assert_eq!(classify_with_content("notes.pem", b"just some text"), None);
        // Unknown binary content keeps the name-based verdict.
        assert_eq!(
            classify_with_content("tls.key", &[0x30, 0x82, 0x04, 0xa4])
                .map(|k| (k.id(), k.severity)),
            Some(("private-key", High))
        );
        // Non-key files are unaffected by content.
        assert_eq!(
            classify_with_content(".env", b"A=1").map(|k| k.id()),
            Some("dotenv")
        );
        assert_eq!(classify_with_content("README.md", b"# hi"), None);
        // Content confirmation in a fixture directory is still lowered.
        let fixture = classify_with_content("testdata/key.pem", key).expect("fixture key");
        assert_eq!((fixture.severity, fixture.in_test_path), (High, true));
        // Only the first CONTENT_SNIFF_LEN bytes are considered.
        let mut late = vec![b'a'; CONTENT_SNIFF_LEN];
        late.extend_from_slice(key);
        assert_eq!(classify_with_content("late.pem", &late), None);
    }

    #[test]
    fn context_sensitive_wants_content_only_for_key_like_files() {
        for path in [
            "a.pem", "b.key", "c.crt", "d.cer", "id_rsa", "e.asc", "X.PEM",
        ] {
            assert!(wants_content(path), "{path}");
        }
        for path in [".env", "id_rsa.pub", "README.md", ".npmrc", "", "dir/"] {
            assert!(!wants_content(path), "{path}");
        }
    }

    #[test]
    fn context_sensitive_directories() {
        let cases: &[(&str, Option<DirVerdict>)] = &[
            (".git", Some(("git-directory", High, false))),
            ("sub/module/.git", Some(("git-directory", High, false))),
            ("node_modules/x/.git", Some(("git-directory", Medium, true))),
            (".hg", Some(("vcs-directory", Medium, false))),
            (".svn", Some(("vcs-directory", Medium, false))),
            (".ssh", Some(("ssh-directory", High, false))),
            ("home/user/.ssh/", Some(("ssh-directory", High, false))),
            (".aws", Some(("aws-directory", High, false))),
            (".kube", Some(("kube-directory", High, false))),
            (".gnupg", Some(("gnupg-directory", High, false))),
            (".github", None),
            ("git", None),
            ("test", None),
            ("", None),
        ];
        for (dir, want) in cases {
            let got = classify_dir(dir).map(|k| (k.id(), k.severity, k.in_test_path));
            assert_eq!(got, *want, "{dir:?}");
        }
        assert!(SensitiveCategory::GitDirectory.reported_as_directory());
        assert!(!SensitiveCategory::SshDirectory.reported_as_directory());
    }

    #[test]
    fn context_sensitive_ids_and_descriptions_are_distinct() {
        let all = SensitiveCategory::ALL;
        let mut ids: Vec<&str> = all.iter().map(|c| c.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
        let mut descriptions: Vec<&str> = all.iter().map(|c| c.description()).collect();
        descriptions.sort_unstable();
        descriptions.dedup();
        assert_eq!(descriptions.len(), all.len());
        for c in all {
            assert!(
                c.id()
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
                "{}",
                c.id()
            );
            assert!(!c.description().is_empty());
        }
    }

    #[test]
    fn context_sensitive_never_panics() {
        let odd = [
            "",
            "/",
            "//",
            ".",
            "..",
            "a/../..",
            "\u{0}",
            "\u{1F600}.pem",
            ".env.\u{301}",
            "id_",
            "....key",
            "a\\b\\.env",
            ".ssh/",
            "x.",
            ".",
        ];
        for path in odd {
            let _ = classify(path);
            let _ = classify_dir(path);
            let _ = wants_content(path);
            for content in [
                &b""[..],
                b"-----BEGIN ",
                b"-----BEGIN PRIVATE KEY",
                b"\xff\xfe\x00",
            ] {
                let _ = classify_with_content(path, content);
            }
        }
    }
}
