//! Shell splitter: the command API rules use (program, flags, wrappers, pipes) on real-world lines.

// Test paths start with `shell::` so that `cargo test shell` selects them.
mod shell {
    use bulkhead_dockerfile::shell::{Command, Script, is_posix_shell, parse_script};

    fn cmd(src: &str) -> Command {
        let s = parse_script(src);
        assert!(s.errors.is_empty(), "{src}: {:?}", s.errors);
        s.commands.into_iter().next().expect("a command")
    }

    fn find(s: &Script, program: &str) -> usize {
        s.commands
            .iter()
            .position(|c| c.program() == Some(program))
            .unwrap_or_else(|| panic!("no {program}"))
    }

    fn piped_programs(s: &Script, i: usize) -> Vec<&str> {
        s.piped_into(i)
            .filter_map(|c| c.unwrapped_argv().first().map(|w| w.text.as_str()))
            .collect()
    }

    #[test]
    fn program_is_basename() {
        assert_eq!(cmd("/usr/bin/curl -s x").program(), Some("curl"));
        assert_eq!(
            cmd("./configure --prefix=/usr").program(),
            Some("configure")
        );
        assert_eq!(cmd("\"$(dirname $0)\"/bin/tool").program(), Some("tool"));
        assert_eq!(
            cmd("$(command -v curl) x").program(),
            Some("$(command -v curl)")
        );
        assert_eq!(cmd("X=1").program(), None);
        assert_eq!(cmd("curl").args().len(), 0);
    }

    #[test]
    fn flags() {
        let c = cmd("curl -fsSLk --retry 3 --output=/tmp/x -H 'A: b' -H c --proto '=https' -- -z");
        assert!(c.has_flag(Some('k'), Some("insecure")));
        assert!(c.has_flag(Some('L'), None));
        assert!(c.has_flag(None, Some("retry")));
        assert!(c.has_flag(None, Some("--output")));
        assert!(!c.has_flag(Some('z'), None), "after --");
        assert!(
            !c.has_flag(Some('o'), None),
            "not inside --proto or --output"
        );
        assert!(!c.has_flag(None, Some("insecure")));
        assert_eq!(c.flag_value(None, Some("retry")), Some("3"));
        assert_eq!(c.flag_value(Some('o'), Some("output")), Some("/tmp/x"));
        assert_eq!(c.flag_values(Some('H'), Some("header")), vec!["A: b", "c"]);
        assert_eq!(c.flag_value(Some('x'), None), None);

        let w = cmd("wget -qO- https://x");
        assert_eq!(w.flag_value(Some('O'), Some("output-document")), Some("-"));
        assert!(w.has_flag(Some('q'), None));
        let w = cmd("wget -O /tmp/f --no-check-certificate https://x");
        assert_eq!(w.flag_value(Some('O'), None), Some("/tmp/f"));
        assert!(w.has_flag(None, Some("no-check-certificate")));
        let t = cmd("tar -xzf /tmp/a.tgz -C/usr/local");
        assert_eq!(
            t.flag_value(Some('C'), Some("directory")),
            Some("/usr/local")
        );
        assert_eq!(t.flag_value(Some('f'), Some("file")), Some("/tmp/a.tgz"));
    }

    #[test]
    fn positional() {
        let c = cmd("apt-get install -y --no-install-recommends curl git=1:2.39 - -- -weird");
        let p: Vec<_> = c.positional().iter().map(|w| w.text.as_str()).collect();
        assert_eq!(p, vec!["install", "curl", "git=1:2.39", "-", "-weird"]);
    }

    #[test]
    fn unwrapped_wrappers() {
        for (src, argv, assigns) in [
            (
                "sudo apt-get install -y x",
                vec!["apt-get", "install", "-y", "x"],
                vec![],
            ),
            (
                "sudo -E -u root -- apt-get update",
                vec!["apt-get", "update"],
                vec![],
            ),
            (
                "sudo -Eu root apt-get update",
                vec!["apt-get", "update"],
                vec![],
            ),
            (
                "env DEBIAN_FRONTEND=noninteractive apt-get update",
                vec!["apt-get", "update"],
                vec!["DEBIAN_FRONTEND=noninteractive"],
            ),
            (
                "env -i -u HOME PATH=/bin /usr/bin/pip install x",
                vec!["/usr/bin/pip", "install", "x"],
                vec!["PATH=/bin"],
            ),
            ("exec nohup time -p nice -n 5 make", vec!["make"], vec![]),
            ("command curl x", vec!["curl", "x"], vec![]),
            ("builtin cd /x", vec!["cd", "/x"], vec![]),
            ("doas -u root apk add x", vec!["apk", "add", "x"], vec![]),
            ("timeout -s KILL 30 curl x", vec!["curl", "x"], vec![]),
            ("gosu nobody true", vec!["true"], vec![]),
            ("sudo env A=1 nohup cmd", vec!["cmd"], vec!["A=1"]),
            // Not unwrapped: lookups and wrappers without a command.
            ("command -v curl", vec!["command", "-v", "curl"], vec![]),
            ("env", vec!["env"], vec![]),
            ("sudo -v", vec!["sudo", "-v"], vec![]),
            (
                "xargs -r apt-mark manual",
                vec!["xargs", "-r", "apt-mark", "manual"],
                vec![],
            ),
        ] {
            let c = cmd(src);
            let u = c.unwrapped();
            assert_eq!(u.argv_text(), argv, "{src}");
            assert_eq!(
                u.assignments
                    .iter()
                    .map(|w| w.text.as_str())
                    .collect::<Vec<_>>(),
                assigns,
                "{src}"
            );
            assert_eq!(c.unwrapped_argv().len(), argv.len(), "{src}");
            assert_eq!(u.range, c.range);
        }
        // The original argv is kept as written.
        assert_eq!(cmd("sudo apt-get update").program(), Some("sudo"));
        assert_eq!(
            cmd("sudo /usr/bin/apt-get update").unwrapped().program(),
            Some("apt-get")
        );
    }

    #[test]
    fn assigned_variables() {
        let vars = |src: &str| -> Vec<(String, String)> {
            cmd(src)
                .assigned_variables()
                .into_iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        };
        let pair = |n: &str, v: &str| (n.to_string(), v.to_string());
        assert_eq!(
            vars("A=1 B=\"x y\" make"),
            vec![pair("A", "1"), pair("B", "x y")]
        );
        assert_eq!(vars("export TOKEN=abc PATH C"), vec![pair("TOKEN", "abc")]);
        assert_eq!(vars("declare -x D+=4"), vec![pair("D", "4")]);
        assert_eq!(
            vars("env DEBIAN_FRONTEND=noninteractive apt-get install x"),
            vec![pair("DEBIAN_FRONTEND", "noninteractive")]
        );
        assert_eq!(
            vars("sudo HTTP_PROXY=http://p:3128 apt-get update"),
            vec![pair("HTTP_PROXY", "http://p:3128")]
        );
        assert_eq!(vars("echo A=1"), vec![]);
    }

    #[test]
    fn curl_pipe_shell_detection() {
        let src = "curl -fsSL https://x/install.sh | sh -s -- -y";
        let s = parse_script(src);
        let curl = find(&s, "curl");
        assert_eq!(piped_programs(&s, curl), vec!["sh"]);
        let sh = &s.commands[1];
        assert_eq!(sh.argv_text(), vec!["sh", "-s", "--", "-y"]);
        assert_eq!(&src[sh.range.clone()], "sh -s -- -y");

        for (src, receivers) in [
            ("wget -O- https://x | bash -s", vec!["bash"]),
            ("curl https://x | sudo sh", vec!["sh"]),
            ("curl https://x | sudo -E bash -", vec!["bash"]),
            ("curl -sSL https://x | sha256sum -c -", vec!["sha256sum"]),
            ("wget -qO- https://x | tar xz -C /usr/local", vec!["tar"]),
            ("curl x | tee /tmp/a | sh", vec!["tee", "sh"]),
            ("curl x | (cd /tmp && sh)", vec!["cd", "sh"]),
            ("{ curl x; echo; } | bash", vec!["bash"]),
            ("sh -c 'curl x' | bash", vec!["bash"]),
            ("curl x | sh -c 'cat | bash'", vec!["sh", "cat", "bash"]),
            ("curl x > f | sh", vec!["sh"]),
            ("curl x && sh", vec![]),
            ("echo $(curl x | head -1) | sh", vec!["head"]),
        ] {
            let s = parse_script(src);
            let downloader = s
                .commands
                .iter()
                .position(|c| matches!(c.program(), Some("curl" | "wget")))
                .unwrap();
            assert_eq!(piped_programs(&s, downloader), receivers, "{src}");
        }
        // Inside a substitution the pipe does not reach the outer pipeline.
        let s = parse_script("echo $(curl x) | sh");
        assert_eq!(piped_programs(&s, find(&s, "curl")), Vec::<&str>::new());
        assert_eq!(piped_programs(&s, find(&s, "echo")), vec!["sh"]);
    }

    #[test]
    fn real_world_apt_line() {
        let src = "set -eux; apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*";
        let s = parse_script(src);
        assert!(s.errors.is_empty());
        let argvs: Vec<_> = s.commands.iter().map(|c| c.argv_text()).collect();
        assert_eq!(
            argvs,
            vec![
                vec!["set", "-eux"],
                vec!["apt-get", "update"],
                vec![
                    "apt-get",
                    "install",
                    "-y",
                    "--no-install-recommends",
                    "ca-certificates",
                    "curl"
                ],
                vec!["rm", "-rf", "/var/lib/apt/lists/*"],
            ]
        );
        let raws: Vec<_> = s.commands.iter().map(|c| &src[c.range.clone()]).collect();
        assert_eq!(
            raws,
            vec![
                "set -eux",
                "apt-get update",
                "apt-get install -y --no-install-recommends ca-certificates curl",
                "rm -rf /var/lib/apt/lists/*"
            ]
        );
        let install = &s.commands[2];
        assert!(install.has_flag(Some('y'), Some("yes")));
        assert!(install.has_flag(None, Some("no-install-recommends")));
        assert_eq!(&src[install.argv[4].range.clone()], "ca-certificates");
    }

    #[test]
    fn real_world_echo_sha_check() {
        let src = "echo \"$SHA  file\" | sha256sum -c -";
        let s = parse_script(src);
        assert_eq!(s.commands[0].argv_text(), vec!["echo", "$SHA  file"]);
        assert_eq!(&src[s.commands[0].argv[1].range.clone()], "\"$SHA  file\"");
        assert_eq!(s.commands[1].argv_text(), vec!["sha256sum", "-c", "-"]);
        assert_eq!(piped_programs(&s, 0), vec!["sha256sum"]);
    }

    #[test]
    fn real_world_command_v_check() {
        let src = "if ! command -v gpg >/dev/null 2>&1; then apt-get update; apt-get install -y gnupg; fi";
        let s = parse_script(src);
        assert!(s.errors.is_empty());
        let c = &s.commands[0];
        assert_eq!(c.argv_text(), vec!["command", "-v", "gpg"]);
        assert!(c.negated);
        assert_eq!(c.redirects.len(), 2);
        assert_eq!(c.unwrapped().program(), Some("command"));
        assert_eq!(s.commands[1].argv_text(), vec!["apt-get", "update"]);
        assert_eq!(
            s.commands[2].argv_text(),
            vec!["apt-get", "install", "-y", "gnupg"]
        );
    }

    #[test]
    fn real_world_saved_apt_mark() {
        let src = "savedAptMark=\"$(apt-mark showmanual)\"; apt-mark auto '.*' > /dev/null; [ -z \"$savedAptMark\" ] || apt-mark manual $savedAptMark";
        let s = parse_script(src);
        assert!(s.errors.is_empty());
        let argvs: Vec<_> = s
            .commands
            .iter()
            .map(|c| (c.argv_text(), c.depth))
            .collect();
        assert_eq!(
            argvs,
            vec![
                (vec![], 0),
                (vec!["apt-mark", "showmanual"], 1),
                (vec!["apt-mark", "auto", ".*"], 0),
                (vec!["[", "-z", "$savedAptMark", "]"], 0),
                (vec!["apt-mark", "manual", "$savedAptMark"], 0),
            ]
        );
        assert_eq!(
            s.commands[0].assignments[0].text,
            "savedAptMark=$(apt-mark showmanual)"
        );
    }

    #[test]
    fn real_world_official_image_find_pipeline() {
        let src = "find /usr/local -type f -executable -exec ldd '{}' ';' | awk '/=>/ { print $(NF-1) }' | sort -u | xargs -r dpkg-query --search | cut -d: -f1 | sort -u | xargs -r apt-mark manual";
        let s = parse_script(src);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        let programs: Vec<_> = s.commands.iter().filter_map(|c| c.program()).collect();
        assert_eq!(
            programs,
            vec!["find", "awk", "sort", "xargs", "cut", "sort", "xargs"]
        );
        assert!(
            s.commands
                .iter()
                .all(|c| c.depth == 0 && c.pipeline == s.commands[0].pipeline)
        );
        assert_eq!(s.commands[0].argv_text()[6..], ["ldd", "{}", ";"]);
        assert_eq!(s.commands[1].argv[1].text, "/=>/ { print $(NF-1) }");
        assert_eq!(
            &src[s.commands[1].range.clone()],
            "awk '/=>/ { print $(NF-1) }'"
        );
        assert_eq!(s.commands[6].pipeline_index, 6);
        assert_eq!(piped_programs(&s, 0).len(), 6);
    }

    #[test]
    fn real_world_python_image_fragment() {
        let src = "set -eux; \\\n\t\\\n\tsavedAptMark=\"$(apt-mark showmanual)\"; \\\n\tapt-get update; \\\n\tapt-get install -y --no-install-recommends \\\n\t\tdpkg-dev \\\n\t\tgcc \\\n\t; \\\n\t\\\n\twget -O python.tar.xz \"https://www.python.org/ftp/python/${PYTHON_VERSION%%[a-z]*}/Python-$PYTHON_VERSION.tar.xz\"; \\\n\techo \"$PYTHON_SHA256 *python.tar.xz\" | sha256sum -c -; \\\n\tmkdir -p /usr/src/python; \\\n\ttar --extract --directory /usr/src/python --strip-components=1 --file python.tar.xz; \\\n\tgnuArch=\"$(dpkg-architecture --query DEB_BUILD_GNU_TYPE)\"; \\\n\t./configure --build=\"$gnuArch\" --enable-shared; \\\n\tnproc=\"$(nproc)\"; \\\n\tmake -j \"$nproc\" \"EXTRA_CFLAGS=${EXTRA_CFLAGS:-}\"";
        let s = parse_script(src);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        let programs: Vec<_> = s
            .commands
            .iter()
            .map(|c| c.program().unwrap_or("<assign>"))
            .collect();
        assert_eq!(
            programs,
            vec![
                "set",
                "<assign>",
                "apt-mark",
                "apt-get",
                "apt-get",
                "wget",
                "echo",
                "sha256sum",
                "mkdir",
                "tar",
                "<assign>",
                "dpkg-architecture",
                "configure",
                "<assign>",
                "nproc",
                "make"
            ]
        );
        let wget = &s.commands[5];
        assert_eq!(wget.flag_value(Some('O'), None), Some("python.tar.xz"));
        assert!(
            wget.argv[3]
                .text
                .starts_with("https://www.python.org/ftp/python/${PYTHON_VERSION%%[a-z]*}/")
        );
        let tar = &s.commands[9];
        assert_eq!(
            tar.flag_value(None, Some("directory")),
            Some("/usr/src/python")
        );
        assert_eq!(tar.flag_value(None, Some("file")), Some("python.tar.xz"));
        let install = &s.commands[4];
        assert_eq!(
            install.argv_text(),
            vec![
                "apt-get",
                "install",
                "-y",
                "--no-install-recommends",
                "dpkg-dev",
                "gcc"
            ]
        );
    }

    #[test]
    fn nested_sh_c_pipe_found() {
        let src = "bash -c \"curl -k https://x | bash\"";
        let s = parse_script(src);
        let curl = find(&s, "curl");
        assert_eq!(s.commands[curl].depth, 1);
        assert!(s.commands[curl].has_flag(Some('k'), Some("insecure")));
        assert_eq!(piped_programs(&s, curl), vec!["bash"]);
        assert_eq!(
            s.commands[0].shell_script().map(|w| w.text.as_str()),
            Some("curl -k https://x | bash")
        );
    }

    #[test]
    fn posix_shell_detection() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(is_posix_shell(&v(&["/bin/sh", "-c"])));
        assert!(is_posix_shell(&v(&["/bin/bash", "-o", "pipefail", "-c"])));
        assert!(is_posix_shell(&v(&["/bin/ash", "-eo", "pipefail", "-c"])));
        assert!(is_posix_shell(&v(&["/usr/bin/env", "bash", "-c"])));
        assert!(is_posix_shell(&v(&[])));
        assert!(!is_posix_shell(&v(&["powershell", "-command"])));
        assert!(!is_posix_shell(&v(&["pwsh", "-NoProfile", "-Command"])));
        assert!(!is_posix_shell(&v(&["cmd", "/S", "/C"])));
        assert!(!is_posix_shell(&v(&[
            "C:\\Windows\\System32\\cmd.exe",
            "/S",
            "/C"
        ])));
        assert!(!is_posix_shell(&v(&[
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\PowerShell.exe",
            "-Command"
        ])));
        assert!(!is_posix_shell(&v(&["/usr/bin/fish", "-c"])));
        assert!(!is_posix_shell(&v(&["/usr/bin/env", "python3", "-c"])));
    }
}
