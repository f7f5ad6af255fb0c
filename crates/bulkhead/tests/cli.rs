//! The `bulkhead` binary end to end: discovery, formats, exit codes, fixes, bad input.

mod image_support;

use image_support::{repo_root, rule_ids};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bulkhead"));
    c.env("NO_COLOR", "1");
    c
}

fn run(args: &[&str], cwd: &Path) -> Output {
    bin()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run bulkhead")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

const INSECURE: &str = "FROM node:latest\nWORKDIR /app\nENV DB_PASSWORD=Xk9mQ2vL8pR4tW7z\nCOPY . .\nRUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash -\nRUN apt-get update && apt-get install -y build-essential\nADD ./src /app/src\nEXPOSE 3000\nCMD npm start\n";

#[test]
fn the_node_story_is_caught_in_json() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", INSECURE);
    write(dir.path(), ".env", "STRIPE_KEY=not-a-real-key-0000\n");
    write(dir.path(), "src/index.js", "console.log(1)\n");
    let o = run(&["check", "--format", "json", "."], dir.path());
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    let out = stdout(&o);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let ids = rule_ids(&v);
    for id in [
        "DF001", "DF002", "DF005", "DF006", "DF009", "DF021", "DF022", "DF031",
    ] {
        assert!(ids.iter().any(|i| i == id), "{id} missing from {ids:?}");
    }
    // The secret never appears in any output.
    assert!(!out.contains("Xk9mQ2vL8pR4tW7z"), "secret leaked into JSON");
    let human = stdout(&run(&["check", "--format", "human", "."], dir.path()));
    assert!(
        !human.contains("Xk9mQ2vL8pR4tW7z"),
        "secret leaked into human output:\n{human}"
    );
    let sarif = stdout(&run(&["check", "--format", "sarif", "."], dir.path()));
    assert!(
        !sarif.contains("Xk9mQ2vL8pR4tW7z"),
        "secret leaked into SARIF"
    );
}

#[test]
fn exit_codes_follow_fail_on_and_profiles() {
    let dir = tempfile::tempdir().unwrap();
    // Only a low-severity finding (shell-form CMD) and a medium one (latest tag).
    write(
        dir.path(),
        "Dockerfile",
        "FROM alpine:latest\nUSER 1000\nHEALTHCHECK CMD true\nCMD sleep 1\n",
    );
    assert_eq!(
        run(&["check", "."], dir.path()).status.code(),
        Some(0),
        "staging fails on high only"
    );
    assert_eq!(
        run(&["check", "--fail-on", "low", "."], dir.path())
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        run(&["check", "--profile", "regulated", "."], dir.path())
            .status
            .code(),
        Some(1),
        "regulated fails on medium"
    );
    assert_eq!(
        run(
            &["check", "--fail-on", "never", "--profile", "regulated", "."],
            dir.path()
        )
        .status
        .code(),
        Some(0)
    );
    // usage errors are 2, with a message that says what to do
    let o = run(&["check", "--fail-on", "bogus", "."], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown severity `bogus`"),
        "{}",
        stderr(&o)
    );
    let o = run(&["check", "--ignore", "NOPE999", "."], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bulkhead rules"), "{}", stderr(&o));
    let o = run(&["check", "does-not-exist"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does-not-exist"), "{}", stderr(&o));
}

#[test]
fn config_file_is_discovered_upward_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bulkhead.toml",
        "profile = \"production\"\nignore = [\"DL3025\"]\n[check]\ntrusted-registries = [\"registry.example.com\"]\n",
    );
    write(
        dir.path(),
        "svc/api/Dockerfile",
        "FROM python:3.12-slim\nUSER 1000\nCMD python app.py\n",
    );
    let o = run(
        &["check", "--format", "json", "--fail-on", "never", "svc"],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ids = rule_ids(&v);
    assert!(
        ids.iter().any(|i| i == "DF010"),
        "production profile enables digest pinning: {ids:?}"
    );
    assert!(
        ids.iter().any(|i| i == "DF011"),
        "trusted registries from config: {ids:?}"
    );
    assert!(
        !ids.iter().any(|i| i == "DF031"),
        "ignored by alias DL3025: {ids:?}"
    );
    let o = run(
        &[
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--profile",
            "dev",
            "svc",
        ],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ids = rule_ids(&v);
    assert!(
        !ids.iter().any(|i| i == "DF010"),
        "--profile dev overrides: {ids:?}"
    );
    // a broken config names the file and line
    write(
        dir.path(),
        "bulkhead.toml",
        "profile = \"production\"\nfail_on = 3\n",
    );
    let o = run(&["check", "svc"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bulkhead.toml:2"), "{}", stderr(&o));
}

#[test]
fn fix_and_diff() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20\nRUN apk add --no-cache curl\nADD ./app /app\nCOPY . /srv\nCMD /app/run --serve\n",
    );
    write(dir.path(), ".env", "TOKEN=not-a-real-token\n");
    write(dir.path(), "app/run", "#!/bin/sh\n");
    let o = run(&["check", "--diff", "."], dir.path());
    assert_eq!(o.status.code(), Some(0));
    let diff = stdout(&o);
    assert!(diff.contains("+COPY ./app /app"), "{diff}");
    assert!(diff.contains("+USER app"), "{diff}");
    assert!(diff.contains("+CMD [\"/app/run\", \"--serve\"]"), "{diff}");
    assert!(diff.contains("+/.env"), "{diff}");
    // --diff changes nothing
    assert!(
        std::fs::read_to_string(dir.path().join("Dockerfile"))
            .unwrap()
            .contains("ADD ./app")
    );
    let o = run(
        &[
            "check",
            "--fix",
            "--format",
            "json",
            "--fail-on",
            "never",
            ".",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let fixed = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert!(fixed.contains("COPY ./app /app"), "{fixed}");
    assert!(
        fixed.contains("USER app\nCMD [\"/app/run\", \"--serve\"]"),
        "{fixed}"
    );
    let ignore = std::fs::read_to_string(dir.path().join(".dockerignore")).unwrap();
    assert!(ignore.lines().any(|l| l == "/.env"), "{ignore}");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ids = rule_ids(&v);
    for gone in ["DF001", "DF005", "DF022", "DF031"] {
        assert!(
            !ids.iter().any(|i| i == gone),
            "{gone} still reported after --fix: {ids:?}"
        );
    }
}

#[test]
fn bad_input_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty/Dockerfile", "");
    std::fs::write(
        dir.path().join("binary.Dockerfile"),
        b"\x7fELF\x00\x00\x01garbage",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("latin1.Dockerfile"),
        b"FROM alpine:3.20\nLABEL author=\"Ren\xe9\"\nUSER 1000\n",
    )
    .unwrap();
    write(
        dir.path(),
        "heredoc/Dockerfile",
        "FROM alpine:3.20\nRUN <<EOF\necho never closed\n",
    );
    write(
        dir.path(),
        "unknown/Dockerfile",
        "FROM alpine:3.20\nFROBNICATE all the things\nUSER 1000\nRUN chmod 777 /x\n",
    );
    let mut big = String::from("FROM alpine:3.20\n");
    while big.len() < 10 * 1024 * 1024 {
        big.push_str(
            "RUN echo 'a fairly long line of shell to make a big file' && chmod 755 /tmp\n",
        );
    }
    write(dir.path(), "big/Dockerfile", &big);
    let o = run(
        &["check", "--format", "json", "--fail-on", "never", "."],
        dir.path(),
    );
    assert_ne!(o.status.code(), Some(101), "panic: {}", stderr(&o));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let diags = v["diagnostics"].to_string();
    assert!(diags.contains("binary"), "{diags}");
    assert!(diags.contains("UTF-8"), "{diags}");
    let findings = v["findings"].to_string();
    assert!(findings.contains("unterminated heredoc"), "{findings}");
    assert!(
        findings.contains("DF014"),
        "the rest of a file with an unknown instruction is analysed: {findings}"
    );
    // Only a binary file: nothing analysed, exit 2.
    let o = run(&["check", "binary.Dockerfile"], dir.path());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn rules_catalogue_and_rule_doc() {
    let o = run(&["rules"], &repo_root());
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("DF001") && out.contains("root-user") && out.contains("DL3002"),
        "{out}"
    );
    let o = run(&["rule", "DL3002"], &repo_root());
    let doc = stdout(&o);
    assert!(
        doc.contains("DF001") && doc.contains("## Why it matters"),
        "{doc}"
    );
    let o = run(&["rule", "nope"], &repo_root());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bundled_example_is_insecure_and_hardened_one_is_clean() {
    let root = repo_root();
    let insecure = root.join("examples/insecure-node");
    if !insecure.is_dir() {
        panic!("examples/insecure-node is missing");
    }
    let o = run(
        &["check", "--format", "json", "examples/insecure-node"],
        &root,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ids = rule_ids(&v);
    for id in ["DF001", "DF002", "DF005", "DF006"] {
        assert!(ids.iter().any(|i| i == id), "{id} missing: {ids:?}");
    }
    let o = run(
        &["check", "--format", "json", "examples/hardened-node"],
        &root,
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let serious: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("high") | Some("critical")))
        .map(|f| f.to_string())
        .collect();
    assert!(
        serious.is_empty(),
        "hardened example has serious findings: {serious:?}"
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn docs_rules_md_is_generated_from_the_registry() {
    let o = run(&["rules", "--format", "markdown"], &repo_root());
    assert_eq!(o.status.code(), Some(0));
    let generated = stdout(&o);
    let path = repo_root().join("docs/RULES.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        doc.contains(generated.trim()),
        "docs/RULES.md is out of date: regenerate its table with `bulkhead rules --format markdown`"
    );
}

#[test]
fn sarif_of_a_real_run_validates_against_the_official_schema() {
    let validator = repo_root().join("../shared/data/schemas/validate.py");
    if !validator.is_file() {
        eprintln!(
            "SKIPPED: {} is absent; SARIF schema validation of the CLI output needs ../shared",
            validator.display()
        );
        return;
    }
    let has_jsonschema = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_jsonschema {
        eprintln!("SKIPPED: python3 jsonschema is not installed (.ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "Dockerfile", INSECURE);
    write(dir.path(), ".env", "X=1\n");
    write(dir.path(), "src/a.js", "1\n");
    let sarif = dir.path().join("out.sarif");
    let o = run(
        &[
            "check",
            "--format",
            "sarif",
            "-o",
            sarif.to_str().unwrap(),
            ".",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = std::fs::read_to_string(&sarif).unwrap();
    assert!(text.contains("\"fixes\""), "fixes are in the SARIF");
    let v = Command::new("python3")
        .arg(&validator)
        .arg("sarif")
        .arg(&sarif)
        .output()
        .unwrap();
    assert!(
        v.status.success(),
        "SARIF does not validate:\n{}\n{}",
        String::from_utf8_lossy(&v.stdout),
        String::from_utf8_lossy(&v.stderr)
    );
}

#[test]
fn a_missing_build_context_is_a_diagnostic_and_the_file_is_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20\nCOPY . /app\nRUN chmod 777 /app\n",
    );
    let o = run(
        &[
            "check",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--context",
            "no-such-dir",
            "Dockerfile",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        v["diagnostics"].to_string().contains("no-such-dir"),
        "{}",
        v["diagnostics"]
    );
    assert!(v["findings"].to_string().contains("DF014"));
}

#[test]
fn evidence_from_command_lines_never_carries_a_token() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20\nRUN curl -k -H 'Authorization: token ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5' https://ci:Sup3rS3cretPw@git.example.com/install.sh | sh\nUSER 1000\n",
    );
    for format in ["json", "sarif"] {
        let o = run(&["check", "--format", format, "."], dir.path());
        let out = stdout(&o);
        assert!(out.contains("DF006") && out.contains("DF007"), "{out}");
        assert!(
            !out.contains("aB3dE5fG7hJ9kL1mN3pQ5"),
            "token leaked in {format}"
        );
        assert!(
            !out.contains("Sup3rS3cretPw"),
            "URL password leaked in {format}"
        );
    }
}

/// Planted secrets, found and never printed, in every output format.
const PLANTED: &[&str] = &[
    "ghp_Zq8Xw2Lk5Vb9Nm3Hj7Gf4Ds1Ap6Ty0Ru2Ei8",
    "AKIAZ7VXQ3L4KD2PQRST",
    "xoxb-2847163950-4816293057-Kq7Wz2Xv9Lm4Np8Rt3Ys6Bd",
];

fn plant(dir: &Path) {
    write(
        dir,
        "Dockerfile",
        &format!(
            "FROM alpine:3.20\nENV GITHUB_TOKEN={}\nRUN curl -H \"Authorization: token {}\" https://api.github.com/user\nCOPY . /app\nUSER 1000\n",
            PLANTED[0], PLANTED[0]
        ),
    );
    write(
        dir,
        "config/settings.py",
        &format!("AWS_ACCESS_KEY_ID = \"{}\"\nDEBUG = False\n", PLANTED[1]),
    );
    write(
        dir,
        "notify.sh",
        &format!(
            "#!/bin/sh\nSLACK_TOKEN='{}'\ncurl -d x https://slack.com/api/chat.postMessage\n",
            PLANTED[2]
        ),
    );
}

#[test]
fn secrets_are_found_in_dockerfile_and_shipped_context_and_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    plant(dir.path());
    for format in ["human", "json", "sarif"] {
        let o = run(
            &["check", "--format", format, "--color", "always", "."],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(1), "{format}: {}", stderr(&o));
        let out = o.stdout.clone();
        for s in PLANTED {
            assert!(
                !out.windows(s.len()).any(|w| w == s.as_bytes()),
                "{format} output contains the planted secret {}…",
                &s[..4]
            );
        }
        let text = stdout(&o);
        // DF002/DF023 from the Dockerfile; SC029 (GitHub), SC011 (AWS key id) and SC060 (Slack bot token)
        // name the provider detectors, not only a generic `token=` match.
        for id in ["DF002", "DF023", "SC029", "SC011", "SC060"] {
            assert!(text.contains(id), "{format}: {id} missing");
        }
        assert!(
            text.contains("settings.py") && text.contains("notify.sh"),
            "{format}: context secrets missing:\n{text}"
        );
    }
}

#[test]
fn secrets_only_scans_a_whole_tree_including_ignored_files_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    plant(dir.path());
    write(dir.path(), ".gitignore", "config/\n");
    write(
        dir.path(),
        ".env",
        &format!("GITHUB_TOKEN={}\n", PLANTED[0]),
    );
    std::fs::write(
        dir.path().join("blob.bin"),
        b"\x00\x01binary AKIAZ7VXQ3L4KD2PQRST",
    )
    .unwrap();
    for format in ["human", "json", "sarif"] {
        let o = run(
            &["check", "--secrets-only", "--format", format, "."],
            dir.path(),
        );
        assert_eq!(o.status.code(), Some(1), "{format}: {}", stderr(&o));
        for s in PLANTED {
            assert!(
                !o.stdout.windows(s.len()).any(|w| w == s.as_bytes()),
                "{format} leaks {}…",
                &s[..4]
            );
        }
    }
    let o = run(
        &["check", "--secrets-only", "--format", "json", "."],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let paths: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["location"]["path"].as_str().map(str::to_string))
        .collect();
    assert!(
        paths.iter().any(|p| p.ends_with("settings.py")),
        "ignored files are scanned by default: {paths:?}"
    );
    assert!(paths.iter().any(|p| p == ".env"), "{paths:?}");
    let ids = rule_ids(&v);
    assert!(
        ids.iter().any(|i| i == "SC200"),
        "the .env file name is a finding of its own: {ids:?}"
    );
    assert!(
        v["diagnostics"].to_string().contains("blob.bin"),
        "binary skip noted: {}",
        v["diagnostics"]
    );
    let o = run(
        &[
            "check",
            "--secrets-only",
            "--respect-gitignore",
            "--format",
            "json",
            ".",
        ],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        !v["findings"].to_string().contains("settings.py"),
        "--respect-gitignore skips ignored files"
    );
}

#[test]
fn a_shipped_context_file_too_large_to_scan_is_noted() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20\nCOPY . /app\nUSER 1000\n",
    );
    let mut big = String::with_capacity(11 * 1024 * 1024);
    while big.len() < 11 * 1024 * 1024 {
        big.push_str("some ordinary log line without anything in it\n");
    }
    write(dir.path(), "data/dump.log", &big);
    let o = run(
        &["check", "--format", "json", "--fail-on", "never", "."],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let diags = v["diagnostics"].to_string();
    assert!(
        diags.contains("dump.log") && diags.contains("size limit"),
        "{diags}"
    );
}

/// `check --graph` draws a compose project with the engine's renderer: services, networks, the data tier
/// and the public edge; an unknown extension is a usage error.
#[test]
fn check_graph_draws_compose_projects() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "compose.yaml",
        "networks:\n  front: {}\n  back:\n    internal: true\nservices:\n  web:\n    image: nginx:1.27\n    ports: [\"8080:80\"]\n    networks: [front]\n  api:\n    image: example/api:1\n    networks: [front, back]\n  db:\n    image: postgres:17\n    ports: [\"127.0.0.1:5432:5432\"]\n    networks: [back]\n",
    );
    let o = run(
        &["check", ".", "--graph", "g.dot", "-f", "json"],
        dir.path(),
    );
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
    let dot = std::fs::read_to_string(dir.path().join("g.dot")).unwrap();
    assert!(dot.starts_with("digraph bulkhead {"), "{dot}");
    assert!(
        dot.contains("label=\"db\\npostgres:17\\ndata tier (image postgres)\""),
        "{dot}"
    );
    assert!(
        dot.contains("label=\"network back\\nbridge, internal\""),
        "{dot}"
    );
    assert!(dot.contains("label=\"0.0.0.0:8080->80/tcp\""), "{dot}");
    assert!(dot.contains("127.0.0.1:5432->5432/tcp"), "{dot}");
    assert!(!dot.contains("network default"), "{dot}");
    let o = run(&["check", ".", "--graph", "g.svg"], dir.path());
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
    let svg = std::fs::read_to_string(dir.path().join("g.svg")).unwrap();
    assert!(
        svg.starts_with("<?xml") && svg.contains("postgres:17"),
        "{svg}"
    );
    let o = run(&["check", ".", "--graph", "g.png"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains(".svg, .dot or .gv"), "{}", stderr(&o));
    assert!(!dir.path().join("g.png").exists());
}
