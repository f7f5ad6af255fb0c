//! `bulkhead image` and `bulkhead sbom` end to end, on real images.
//!
//! A deliberately bad image is built once per test process on the real engine (started through
//! `scripts/engine.sh`; without one the engine-backed tests say so loudly and skip) and read through every
//! source: a `docker save` tarball, the engine by name, an OCI layout made from the tarball, the local
//! registry (`scripts/registry.sh`), and the root filesystem of an exported container. The SBOM tests read
//! the official Alpine minirootfs from `../shared` (skipped without it). The bad-input tests build their
//! images by hand and need neither.

#[path = "image_cli/bad_input.rs"]
mod bad_input;
mod image_support;
#[path = "image_cli/sbom.rs"]
mod sbom;

use image_support::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

// ---------------------------------------------------------------- the bad image

/// The bad image, in every shape the CLI reads.
pub(crate) struct BadImage {
    /// Engine name (`bulkhead-test/image-cli-bad:p<pid>`).
    tag: String,
    pub(crate) tarball: PathBuf,
    /// OCI layout made by `bench/make_oci_layout.py` (needs python3).
    oci: Option<PathBuf>,
    /// Root filesystem of a container of the image (`docker export`).
    rootfs: PathBuf,
    /// `registry:127.0.0.1:5000/...` after a push, when a registry could be started.
    registry: Option<String>,
    /// What must never appear in any output: the tokens and the private key's body lines.
    secrets: Vec<String>,
}

const BAD_REPO: &str = "bulkhead-test/image-cli-bad";
const KEY_PATH: &str = "/root/.ssh/id_ecdsa";

pub(crate) fn bad_image() -> Option<&'static BadImage> {
    static BAD: OnceLock<Option<BadImage>> = OnceLock::new();
    BAD.get_or_init(|| engine().then(build_bad_image)).as_ref()
}

/// A private key for the image: a real one from openssl when it is installed, else a PEM block with a
/// random body (what the secret engine matches on either way).
fn private_key(dir: &Path, rng: &mut Rng) -> String {
    let out = dir.join("generated.pem");
    let ok = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
        ])
        .arg(&out)
        .output()
        .is_ok_and(|o| o.status.success());
    if ok && let Ok(pem) = std::fs::read_to_string(&out) {
        let _ = std::fs::remove_file(&out);
        return pem;
    }
    let b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let body: Vec<String> = (0..3).map(|_| rng.pick(b64, 64)).collect();
    format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        body.join("\n")
    )
}

fn build_bad_image() -> BadImage {
    remove_stale_tags(BAD_REPO);
    let mut rng = Rng::seeded();
    // A GitHub PAT shape and an npm token shape, random for each run.
    let token = format!("{}_{}", "ghp", rng.alnum(36));
    let npm_token = format!("{}_{}", "npm", rng.alnum(36));
    let ctx = scratch("bad-context");
    let key = private_key(&ctx, &mut rng);
    std::fs::write(ctx.join("deploy_key"), &key).unwrap();
    std::fs::create_dir_all(ctx.join("repo/.git/refs/heads")).unwrap();
    std::fs::write(ctx.join("repo/.git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(
        ctx.join("repo/.git/config"),
        "[core]\n\trepositoryformatversion = 0\n[remote \"origin\"]\n\turl = https://git.example.invalid/shop.git\n",
    )
    .unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        format!(
            "FROM {BASE_IMAGE}\n\
             ARG NPM_TOKEN\n\
             ENV GITHUB_TOKEN={token}\n\
             RUN echo $NPM_TOKEN > /dev/null\n\
             EXPOSE 22\n\
             RUN mkdir -p /usr/local/bin && cp /bin/busybox /usr/local/bin/helper && chmod 4755 /usr/local/bin/helper\n\
             RUN mkdir -p /srv/drop && chmod 0777 /srv/drop\n\
             RUN echo 'bob:x:1001:1001::/home/bob:/bin/sh' >> /etc/passwd && echo 'bob::19000:0:99999:7:::' >> /etc/shadow\n\
             COPY deploy_key {KEY_PATH}\n\
             COPY repo/.git /app/.git\n\
             RUN rm {KEY_PATH}\n\
             CMD [\"/bin/sh\"]\n"
        ),
    )
    .unwrap();
    let tag = format!("{BAD_REPO}:p{}", std::process::id());
    let build_arg = format!("NPM_TOKEN={npm_token}");
    docker_ok(
        &["build", "-q", "--build-arg", &build_arg, "-t", &tag, "."],
        &ctx,
    );
    // The token files are no longer needed once built.
    let _ = std::fs::remove_dir_all(&ctx);

    let out = scratch("bad");
    let tarball = out.join("bad.tar");
    docker_ok(&["save", "-o", tarball.to_str().unwrap(), &tag], &out);

    let oci_dir = out.join("oci");
    let made = Command::new("python3")
        .arg(repo_root().join("bench/make_oci_layout.py"))
        .arg(&tarball)
        .arg(&oci_dir)
        .output();
    let oci = match made {
        Ok(o) if o.status.success() => Some(oci_dir),
        other => {
            eprintln!(
                "\n!!! SKIPPED: bench/make_oci_layout.py could not convert the tarball ({:?}); the OCI layout source was not tested !!!\n",
                other.map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            );
            None
        }
    };

    let cid = docker_ok(&["create", &tag], &out);
    let export = out.join("rootfs.tar");
    docker_ok(&["export", "-o", export.to_str().unwrap(), &cid], &out);
    docker_ok(&["rm", &cid], &out);
    let rootfs = out.join("rootfs");
    std::fs::create_dir_all(&rootfs).unwrap();
    let untar = Command::new("tar")
        .arg("-xpf")
        .arg(&export)
        .arg("-C")
        .arg(&rootfs)
        .output()
        .expect("run tar");
    assert!(
        untar.status.success(),
        "tar -x of the export failed: {}",
        String::from_utf8_lossy(&untar.stderr)
    );
    let _ = std::fs::remove_file(&export);

    let registry = registry().map(|addr| {
        let remote = format!("{addr}/{BAD_REPO}:p{}", std::process::id());
        docker_ok(&["tag", &tag, &remote], &out);
        docker_ok(&["push", "-q", &remote], &out);
        // The pushed copy is in the registry; the local alias is not needed.
        docker_ok(&["rmi", &remote], &out);
        format!("registry:{remote}")
    });

    let mut secrets = vec![token, npm_token];
    secrets.extend(
        key.lines()
            .filter(|l| !l.starts_with("-----") && l.len() >= 24)
            .map(str::to_string),
    );
    assert!(secrets.len() >= 3, "no key body in {key}");
    BadImage {
        tag,
        tarball,
        oci,
        rootfs,
        registry,
        secrets,
    }
}

fn finding<'a>(
    report: &'a serde_json::Value,
    id: &str,
    object_part: &str,
) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .and_then(|fs| {
            fs.iter().find(|f| {
                f["rule_id"] == id
                    && f["location"]["object"]
                        .as_str()
                        .is_some_and(|o| o.contains(object_part))
            })
        })
        .unwrap_or_else(|| panic!("no {id} finding about {object_part} in {report:#}"))
}

/// Reads `spec` in the three formats and checks the findings every source must give, exit codes, and that
/// no output carries a secret.
fn check_bad_source(bad: &BadImage, spec: &str, kind: &str) {
    let runs = bulkhead_all(&[
        args(&["image", spec]),
        args(&["image", "-f", "json", spec]),
        args(&["image", "-f", "sarif", spec]),
    ]);
    let has_config = kind != "rootfs";
    let expected: &[&str] = if has_config {
        &[
            "IM001", "IM002", "IM003", "IM004", "IM006", "IM007", "IM008", "IM011", "IM012",
        ]
    } else {
        &["IM006", "IM007", "IM008", "IM012"]
    };

    let human = runs[0].expect_code(1);
    for id in expected {
        assert!(
            human.stdout.contains(&format!("{id} [")),
            "{spec}: {id} missing from the human report:\n{}",
            human.stdout
        );
    }
    assert!(
        human.stdout.contains(&format!("({kind})")),
        "{spec}: the header names the source kind:\n{}",
        human.stdout
    );

    let report = runs[1].expect_code(1).json();
    let ids = rule_ids(&report);
    for id in expected {
        assert!(
            ids.iter().any(|i| i == id),
            "{spec}: {id} missing from {ids:?}"
        );
    }
    assert_eq!(report["image"]["source"], kind, "{spec}");
    assert_eq!(
        report["summary"]["findings"].as_u64(),
        Some(ids.len() as u64),
        "{spec}: summary count"
    );
    let setuid = finding(&report, "IM006", "/usr/local/bin/helper");
    if has_config {
        // Setuid root in the image; an unprivileged extraction of the rootfs may own it otherwise.
        assert_eq!(setuid["severity"], "medium", "{setuid:#}");
    }
    finding(&report, "IM007", "/srv/drop");
    let shadow = finding(&report, "IM008", "/etc/shadow");
    assert!(
        shadow["message"].as_str().unwrap().contains("`bob`"),
        "{shadow:#}"
    );
    finding(&report, "IM012", "/app/.git");
    if has_config {
        // The key removed by a later layer still ships in the COPY layer, and the report says so.
        let key = finding(&report, "IM011", KEY_PATH);
        let message = key["message"].as_str().unwrap();
        assert!(
            message.contains("deleted by layer") && message.contains("still ship"),
            "{spec}: {key:#}"
        );
        let object = key["location"]["object"].as_str().unwrap();
        assert!(
            object.contains(&format!("created by `COPY deploy_key {KEY_PATH}`")),
            "{spec}: {object}"
        );
        let env = finding(&report, "IM002", "Env");
        assert!(
            env["evidence"]
                .as_str()
                .is_some_and(|e| e.starts_with("GITHUB_TOKEN=ghp_") && e.contains("****")),
            "{env:#}"
        );
        let history = finding(&report, "IM003", "history[");
        assert!(
            history["message"].as_str().unwrap().contains("NPM_TOKEN"),
            "{history:#}"
        );
        let user = &report["image"]["config"]["user"];
        assert!(user.is_null() || *user == "", "{spec}: user {user}");
    } else {
        for id in [
            "IM001", "IM002", "IM003", "IM004", "IM005", "IM010", "IM011",
        ] {
            assert!(
                !ids.iter().any(|i| i == id),
                "{spec}: a root filesystem has no config and no deleted key, yet {id}: {ids:?}"
            );
        }
    }

    let sarif = runs[2].expect_code(1).json();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"]
        .as_array()
        .unwrap_or_else(|| panic!("{spec}: no SARIF results"));
    assert_eq!(results.len(), ids.len(), "{spec}: SARIF and JSON agree");
    for id in expected {
        assert!(
            results.iter().any(|r| r["ruleId"] == *id),
            "{spec}: {id} missing from the SARIF results"
        );
    }
    if kind == "docker-archive" {
        // Once is enough: the SARIF of every source is built the same way.
        let sarif_file = scratch("sarif").join("report.sarif");
        std::fs::write(&sarif_file, &runs[2].stdout).unwrap();
        validate("sarif", &sarif_file);
    }

    for r in &runs {
        let all = r.all_output();
        for s in &bad.secrets {
            assert!(
                !all.contains(s.as_str()),
                "`bulkhead {}` printed a secret ({}…)",
                r.args,
                s.get(..8).unwrap_or(s)
            );
        }
    }
}

#[test]
fn bad_image_as_a_docker_save_tarball() {
    let Some(bad) = bad_image() else { return };
    check_bad_source(bad, bad.tarball.to_str().unwrap(), "docker-archive");
}

#[test]
fn bad_image_from_the_engine_by_name() {
    let Some(bad) = bad_image() else { return };
    check_bad_source(bad, &bad.tag, "daemon");
    // The explicit prefix reads the same image.
    let r = bulkhead(&["image", "-f", "json", &format!("docker:{}", bad.tag)]);
    assert_eq!(r.expect_code(1).json()["image"]["source"], "daemon");
}

#[test]
fn bad_image_as_an_oci_layout() {
    let Some(bad) = bad_image() else { return };
    let Some(oci) = &bad.oci else { return };
    check_bad_source(bad, &format!("oci:{}", oci.display()), "oci-layout");
}

#[test]
fn bad_image_from_the_local_registry() {
    let Some(bad) = bad_image() else { return };
    let Some(spec) = &bad.registry else { return };
    check_bad_source(bad, spec, "registry");
}

#[test]
fn bad_image_exported_rootfs_gets_the_file_rules_only() {
    let Some(bad) = bad_image() else { return };
    check_bad_source(bad, &format!("dir:{}", bad.rootfs.display()), "rootfs");
}

/// The flags change what is reported and how the run ends.
#[test]
fn bad_image_flags_change_rules_exit_codes_and_output() {
    let Some(bad) = bad_image() else { return };
    let tar = bad.tarball.to_str().unwrap();
    let out_file = scratch("flags").join("report.json");
    let runs = bulkhead_all(&[
        args(&["image", "-f", "json", "--no-secrets", tar]),
        args(&[
            "image",
            "-f",
            "json",
            "--allow-setuid",
            "/usr/local/bin/helper",
            tar,
        ]),
        args(&["image", "-f", "json", "--select", "IM006", tar]),
        args(&[
            "image",
            "-f",
            "json",
            "--ignore",
            "IM001,IM002",
            "--fail-on",
            "never",
            tar,
        ]),
        args(&[
            "image",
            "-f",
            "json",
            "--fail-on",
            "critical",
            "--select",
            "IM006,IM007",
            tar,
        ]),
        args(&["image", "-f", "json", "-o", out_file.to_str().unwrap(), tar]),
        args(&["image", "--select", "IM999", tar]),
        args(&["image", "-f", "json", "--platform", "linux/arm64", tar]),
    ]);

    // Without content scanning, the deleted key is still reported by its name (IM010), as deleted.
    let r = runs[0].expect_code(1).json();
    let ids = rule_ids(&r);
    assert!(!ids.contains(&"IM011".to_string()), "{ids:?}");
    let key = finding(&r, "IM010", KEY_PATH);
    assert!(
        key["message"]
            .as_str()
            .unwrap()
            .contains("deleted by layer"),
        "{key:#}"
    );

    let ids = rule_ids(&runs[1].expect_code(1).json());
    assert!(
        !ids.contains(&"IM006".to_string()),
        "allowed setuid file: {ids:?}"
    );
    assert!(ids.contains(&"IM007".to_string()), "{ids:?}");

    // IM006 is medium: below the default fail-on (high).
    assert_eq!(rule_ids(&runs[2].expect_code(0).json()), ["IM006"]);

    let ids = rule_ids(&runs[3].expect_code(0).json());
    assert!(!ids.iter().any(|i| i == "IM001" || i == "IM002"), "{ids:?}");
    assert!(ids.contains(&"IM011".to_string()), "{ids:?}");

    assert_eq!(rule_ids(&runs[4].expect_code(0).json()).len(), 2);

    let written = runs[5].expect_code(1);
    assert!(written.stdout.is_empty(), "-o leaves stdout empty");
    let text = std::fs::read_to_string(&out_file).expect("-o writes the report");
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(rule_ids(&report).contains(&"IM012".to_string()));

    let unknown = runs[6].expect_code(2);
    assert!(
        unknown.stderr.starts_with("error:") && unknown.stderr.contains("IM999"),
        "{}",
        unknown.stderr
    );
    // The image is amd64 only: asked for arm64, it is read with a note saying so.
    let diags = runs[7].expect_code(1).json()["diagnostics"].to_string();
    assert!(
        diags.contains("platform linux/arm64 was asked for") && diags.contains("linux/amd64"),
        "{diags}"
    );
}

/// A sound image: non-root user, health check, nothing else. No high finding, exit 0.
#[test]
fn good_image_passes() {
    if !engine() {
        return;
    }
    let ctx = scratch("good-context");
    std::fs::write(
        ctx.join("Dockerfile"),
        format!("FROM {BASE_IMAGE}\nUSER 1000\nHEALTHCHECK CMD true\n"),
    )
    .unwrap();
    let tag = format!("bulkhead-test/image-cli-good:p{}", std::process::id());
    docker_ok(&["build", "-q", "-t", &tag, "."], &ctx);
    let runs = bulkhead_all(&[
        args(&["image", &tag]),
        args(&["image", "-f", "json", &tag]),
        args(&["image", "-f", "sarif", &tag]),
    ]);
    let _ = Command::new(docker()).args(["rmi", "-f", &tag]).output();
    let human = runs[0].expect_code(0);
    assert!(human.stdout.contains("user      1000"), "{}", human.stdout);
    let report = runs[1].expect_code(0).json();
    for f in report["findings"].as_array().unwrap() {
        assert!(
            !matches!(f["severity"].as_str(), Some("high" | "critical")),
            "unexpected finding on the good image: {f:#}"
        );
    }
    assert_eq!(report["image"]["config"]["user"], "1000");
    runs[2].expect_code(0).json();
}
