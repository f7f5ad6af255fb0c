//! Pulls from real registries: Debian's docker-registry (distribution 2.8) started by
//! `scripts/registry.sh` as a plain instance, an htpasswd basic-auth instance and a bearer-token instance
//! (with the token server in `registry_support::token_server`), all over one storage directory. Images
//! come from `docker push` (the engine's `bulkhead-test/busybox`) and from images built here and pushed
//! with oci-client (a two-platform OCI index, a blob tampered with on disk). Without a registry the tests
//! say so loudly and skip; without an engine only the `docker push` test skips.

mod registry_support;

use bulkhead_image::source::registry::{self, Login, PASSWORD_ENV, USERNAME_ENV};
use bulkhead_image::{FileKind, FileMeta, LayerVisitor, ReadOptions, Source, read_image};
use oci_client::secrets::RegistryAuth;
use registry_support::{self as rs, MULTI_REPO};
use std::process::Command;

/// Hands back the contents of the listed files.
struct Grab(&'static [&'static str]);

impl LayerVisitor for Grab {
    type Output = Vec<u8>;
    fn wants(&self, path: &str, _: &FileMeta) -> bool {
        self.0.contains(&path)
    }
    fn visit(&self, _: usize, _: &str, _: &FileMeta, data: &[u8]) -> Option<Vec<u8>> {
        Some(data.to_vec())
    }
}

fn opts(platform: Option<&str>) -> ReadOptions {
    ReadOptions {
        platform: platform.map(String::from),
        ..ReadOptions::default()
    }
}

fn multi_ref(addr: &str) -> String {
    format!("{addr}/{MULTI_REPO}:1")
}

#[test]
fn pulls_an_image_pushed_by_docker() {
    let Some(env) = rs::registry() else { return };
    if !rs::engine() {
        return;
    }
    let target = format!("{}/bulkhead-test/busybox:1", env.plain());
    rs::docker_ok(&["tag", rs::BUSYBOX, &target]);
    let push = rs::docker_ok(&["push", &target]);
    let pushed = push
        .lines()
        .find_map(|l| l.split("digest: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no digest in docker push output:\n{push}"))
        .to_string();
    let header = rs::head_digest(
        env.plain(),
        "bulkhead-test/busybox",
        "1",
        &RegistryAuth::Anonymous,
    );
    assert_eq!(pushed, header, "docker push and the registry disagree");

    let inspect: serde_json::Value =
        serde_json::from_str(&rs::docker_ok(&["image", "inspect", rs::BUSYBOX])).unwrap();
    let inspect = &inspect[0];
    let diff_ids: Vec<String> = inspect["RootFS"]["Layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(diff_ids.len() >= 2, "{diff_ids:?}");

    let (image, visited) = read_image(
        &Source::Registry(target.clone()),
        &ReadOptions::default(),
        &Grab(&["/etc/passwd"]),
    )
    .unwrap();
    assert_eq!(image.source_kind, "registry");
    assert_eq!(image.reference, target);
    assert_eq!(image.repo_tags, std::slice::from_ref(&target));
    assert_eq!(image.manifest_digest.as_deref(), Some(header.as_str()));
    assert_eq!(
        image.id.as_deref(),
        inspect["Id"].as_str(),
        "config digest = image id"
    );
    assert_eq!(image.layers.len(), diff_ids.len());
    for (i, layer) in image.layers.iter().enumerate() {
        assert_eq!(layer.index, i);
        assert_eq!(layer.diff_id.as_deref(), Some(diff_ids[i].as_str()));
        assert!(
            layer
                .digest
                .as_deref()
                .is_some_and(|d| d.starts_with("sha256:"))
        );
        assert_eq!(
            layer.media_type.as_deref(),
            Some("application/vnd.docker.image.rootfs.diff.tar.gzip")
        );
        assert!(layer.size.is_some_and(|s| s > 0));
    }
    assert_eq!(
        image.layers[0].created_by.as_deref(),
        Some("COPY busybox /bin/busybox # buildkit")
    );

    let config = image.config.as_ref().unwrap();
    let docker_cmd: Vec<&str> = inspect["Config"]["Cmd"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(config.cmd, docker_cmd);
    assert_eq!(config.cmd, ["/bin/sh"]);
    let docker_user = inspect["Config"]["User"].as_str().unwrap_or("");
    assert_eq!(config.user.as_deref().unwrap_or(""), docker_user);
    assert!(config.env.iter().any(|e| e.starts_with("PATH=")));
    assert_eq!(
        config.architecture.as_deref(),
        inspect["Architecture"].as_str()
    );

    let busybox = image
        .fs
        .get("/bin/busybox")
        .expect("/bin/busybox in the squashed tree");
    assert_eq!(busybox.meta.kind, FileKind::File);
    assert!(busybox.meta.is_executable());
    assert!(busybox.meta.size > 500_000, "{:?}", busybox.meta);
    assert_eq!(busybox.layer, 0);
    assert!(image.fs.get("/bin/sh").is_some());
    let passwd: Vec<_> = visited.iter().filter(|v| v.path == "/etc/passwd").collect();
    assert!(!passwd.is_empty());
    assert!(
        passwd
            .iter()
            .any(|v| String::from_utf8_lossy(&v.output).starts_with("root:x:0:0:"))
    );
}

#[test]
fn index_resolves_to_the_asked_platform() {
    let Some(env) = rs::registry() else { return };
    let m = rs::multi(env);
    let reference = multi_ref(env.plain());
    // The tag names the index: that is the digest the registry reports for it.
    assert_eq!(
        rs::head_digest(env.plain(), MULTI_REPO, "1", &RegistryAuth::Anonymous),
        m.index_digest
    );
    let cases = [
        ("linux/amd64", &m.amd64, "amd64", 1),
        ("linux/arm64/v8", &m.arm64, "arm64", 2),
        ("linux/arm64", &m.arm64, "arm64", 2),
        ("linux/aarch64", &m.arm64, "arm64", 2),
    ];
    for (platform, want, arch, layers) in cases {
        let (image, visited) =
            registry::read(&reference, &opts(Some(platform)), &Grab(&["/etc/platform"])).unwrap();
        assert_eq!(
            image.manifest_digest.as_ref(),
            Some(&want.manifest_digest),
            "{platform}"
        );
        assert_eq!(image.id.as_ref(), Some(&want.config_digest), "{platform}");
        let config = image.config.as_ref().unwrap();
        assert_eq!(config.architecture.as_deref(), Some(arch));
        assert_eq!(config.user.as_deref(), Some("1000:1000"));
        assert_eq!(config.cmd, ["/bin/hello"]);
        assert_eq!(image.layers.len(), layers, "{platform}");
        let digests: Vec<_> = image
            .layers
            .iter()
            .map(|l| l.digest.clone().unwrap())
            .collect();
        assert_eq!(digests, want.layer_digests);
        assert_eq!(image.layers[0].created_by.as_deref(), Some("COPY rootfs /"));
        assert_eq!(visited.len(), 1, "{platform}");
        let content = String::from_utf8_lossy(&visited[0].output).into_owned();
        assert!(
            content.starts_with(&format!("linux/{arch}")),
            "{platform}: {content}"
        );
        assert_eq!(image.fs.get("/etc/arm64-only").is_some(), arch == "arm64");
        assert_eq!(
            image.fs.get("/bin/hello").map(|n| n.meta.mode & 0o777),
            Some(0o755)
        );
        if arch == "arm64" {
            // The empty ENV step is skipped when pairing history with layers.
            assert_eq!(
                image.layers[1].created_by.as_deref(),
                Some("RUN touch /etc/arm64-only")
            );
            assert_eq!(image.layers[1].compression, "none");
        }
        assert!(image.notes.is_empty(), "{platform}: {:?}", image.notes);
    }

    // No platform asked: the host's (linux/amd64 on x86_64).
    let (image, _) = registry::read(&reference, &ReadOptions::default(), &()).unwrap();
    if std::env::consts::ARCH == "x86_64" {
        assert_eq!(
            image.manifest_digest.as_ref(),
            Some(&m.amd64.manifest_digest)
        );
    }

    let err = registry::read(&reference, &opts(Some("linux/s390x")), &())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no linux/s390x image"), "{err}");
    assert!(err.contains("it has: linux/amd64, linux/arm64"), "{err}");

    // A platform manifest by digest: no index involved, no tag.
    let by_digest = format!("{}/{MULTI_REPO}@{}", env.plain(), m.arm64.manifest_digest);
    let (image, _) = registry::read(&by_digest, &ReadOptions::default(), &()).unwrap();
    assert_eq!(
        image.manifest_digest.as_ref(),
        Some(&m.arm64.manifest_digest)
    );
    assert!(image.repo_tags.is_empty());
}

#[test]
fn missing_tags_and_dead_registries_are_clear_errors() {
    let Some(env) = rs::registry() else { return };
    rs::multi(env);
    let err = registry::read(
        &format!("{}/{MULTI_REPO}:no-such-tag", env.plain()),
        &ReadOptions::default(),
        &(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with(&format!(
            "no such tag no-such-tag in registry {}",
            env.plain()
        )),
        "{err}"
    );

    let err = registry::read(
        &format!("{}/bulkhead-test/never-pushed:1", env.plain()),
        &ReadOptions::default(),
        &(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("no repository bulkhead-test/never-pushed") || err.contains("no such tag 1"),
        "{err}"
    );

    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = registry::read(
        &format!("127.0.0.1:{port}/a/b:1"),
        &ReadOptions::default(),
        &(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(&format!("is the registry running at 127.0.0.1:{port}?")),
        "{err}"
    );
}

#[test]
fn basic_auth_registry_with_and_without_credentials() {
    let Some(env) = rs::registry() else { return };
    let m = rs::multi(env);
    let reference = multi_ref(env.basic());
    let user = env.get("BULKHEAD_REGISTRY_BASIC_USER");
    let password = env.get("BULKHEAD_REGISTRY_BASIC_PASSWORD");
    let amd64 = opts(Some("linux/amd64"));

    let err = registry::read_with_login(&reference, &amd64, &(), &Login::anonymous())
        .unwrap_err()
        .to_string();
    assert!(err.contains("refused anonymous access"), "{err}");
    assert!(
        err.contains(&format!("docker login {}", env.basic())),
        "{err}"
    );
    assert!(err.contains(USERNAME_ENV), "{err}");

    let wrong = Login::basic(user, "not-the-password", "the test");
    let err = registry::read_with_login(&reference, &amd64, &(), &wrong)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("refused the credentials from the test"),
        "{err}"
    );

    let right = Login::basic(user, password, "the env file");
    let (image, _) = registry::read_with_login(&reference, &amd64, &(), &right).unwrap();
    assert_eq!(
        image.manifest_digest.as_ref(),
        Some(&m.amd64.manifest_digest)
    );
    assert_eq!(image.layers.len(), 1);

    // The same account as `docker login` files it: base64 user:password under `auths`.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let auth = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("{user}:{password}"),
    );
    std::fs::write(
        &config,
        serde_json::json!({"auths": {env.basic(): {"auth": auth}}}).to_string(),
    )
    .unwrap();
    let login = Login::from_docker_config(&config, env.basic());
    assert_eq!(login.origin, config.display().to_string());
    let (image, _) = registry::read_with_login(&reference, &amd64, &(), &login).unwrap();
    assert_eq!(
        image.manifest_digest.as_ref(),
        Some(&m.amd64.manifest_digest)
    );
}

/// Run [`child_pull_from_basic_registry`] in a child process with the given environment (the default
/// login reads process-wide state: `DOCKER_CONFIG`, `HOME`, the credential variables).
fn child(expect: &str, envs: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_pull_from_basic_registry",
        "--include-ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("BULKHEAD_CHILD_EXPECT", expect)
    .env_remove(USERNAME_ENV)
    .env_remove(PASSWORD_ENV);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn default_login_comes_from_docker_config_or_environment() {
    let Some(env) = rs::registry() else { return };
    rs::multi(env);
    let user = env.get("BULKHEAD_REGISTRY_BASIC_USER");
    let password = env.get("BULKHEAD_REGISTRY_BASIC_PASSWORD");
    let with_config = tempfile::tempdir().unwrap();
    let auth = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("{user}:{password}"),
    );
    std::fs::write(
        with_config.path().join("config.json"),
        serde_json::json!({"auths": {env.basic(): {"auth": auth}}}).to_string(),
    )
    .unwrap();
    let empty = tempfile::tempdir().unwrap();
    let with_config = with_config.path().to_str().unwrap();
    let empty = empty.path().to_str().unwrap();
    let runs = [
        ("ok", vec![("DOCKER_CONFIG", with_config)]),
        (
            "ok",
            vec![
                ("DOCKER_CONFIG", empty),
                (USERNAME_ENV, user),
                (PASSWORD_ENV, password),
            ],
        ),
        ("refused", vec![("DOCKER_CONFIG", empty)]),
    ];
    for (expect, envs) in runs {
        let out = child(expect, &envs);
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{expect} {envs:?}:\n{text}");
        assert!(
            text.contains("CHILD CHECKED"),
            "the child did not run:\n{text}"
        );
    }
}

#[test]
#[ignore = "run in a child process by default_login_comes_from_docker_config_or_environment"]
fn child_pull_from_basic_registry() {
    let Ok(expect) = std::env::var("BULKHEAD_CHILD_EXPECT") else {
        return;
    };
    let env = rs::registry().expect("the parent started the registries");
    let result = registry::read(&multi_ref(env.basic()), &opts(Some("linux/amd64")), &());
    match expect.as_str() {
        "ok" => assert!(result.is_ok(), "{:?}", result.err()),
        _ => {
            let err = result.unwrap_err().to_string();
            assert!(err.contains("refused anonymous access"), "{err}");
        }
    }
    println!("CHILD CHECKED");
}

#[test]
fn tampered_blob_fails_verification() {
    let Some(env) = rs::registry() else { return };
    let nonce = format!(
        "t{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let content = format!("original content {nonce}\n").repeat(40);
    let layer = rs::tar_layer(&[("data/file.txt", content.as_bytes())]);
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [rs::sha256(&layer)]},
    });
    let repo = "bulkhead-test/tampered";
    let pushed = rs::push_image(
        env.plain(),
        repo,
        Some(&nonce),
        &[(layer, rs::OCI_LAYER_TAR)],
        &config,
    );
    let reference = format!("{}/{repo}:{nonce}", env.plain());
    let (image, _) = registry::read(&reference, &ReadOptions::default(), &()).unwrap();
    assert_eq!(
        image.fs.get("/data/file.txt").map(|n| n.meta.size),
        Some(content.len() as u64)
    );

    // Change one byte of the file's contents in the registry's storage: same size, same valid tar.
    let digest = &pushed.layer_digests[0];
    let hex = digest.strip_prefix("sha256:").unwrap();
    let data = env
        .storage()
        .join("docker/registry/v2/blobs/sha256")
        .join(&hex[..2])
        .join(hex)
        .join("data");
    let mut bytes = match std::fs::read(&data) {
        Ok(b) => b,
        Err(e) => {
            eprintln!(
                "\n!!! SKIP: cannot read the stored blob {}: {e}\n",
                data.display()
            );
            return;
        }
    };
    assert_eq!(bytes.get(512), Some(&b'o'));
    bytes[512] = b'O';
    if let Err(e) = std::fs::write(&data, &bytes) {
        eprintln!("\n!!! SKIP: cannot tamper with {}: {e}\n", data.display());
        return;
    }
    let err = registry::read(&reference, &ReadOptions::default(), &())
        .unwrap_err()
        .to_string();
    assert!(err.contains(digest.as_str()), "{err}");
    assert!(err.contains("failed verification"), "{err}");
}

#[test]
fn token_auth_registry_anonymous_and_with_credentials() {
    let Some(env) = rs::registry() else { return };
    let m = rs::multi(env);
    let private = rs::push_multi(env.plain(), "private/multi");
    let server = rs::token_server::start(env);
    let user = env.get("BULKHEAD_REGISTRY_BASIC_USER");
    let password = env.get("BULKHEAD_REGISTRY_BASIC_PASSWORD");
    let arm64 = opts(Some("linux/arm64/v8"));

    // Anonymous token for a public repository, as on Docker Hub.
    let (image, _) =
        registry::read_with_login(&multi_ref(env.token()), &arm64, &(), &Login::anonymous())
            .unwrap();
    assert_eq!(
        image.manifest_digest.as_ref(),
        Some(&m.arm64.manifest_digest)
    );
    assert_eq!(image.layers.len(), 2);
    {
        let seen = server.seen.lock().unwrap();
        assert!(
            seen.iter().any(|s| s.user.is_none()
                && s.scope == format!("repository:{MULTI_REPO}:pull")
                && s.status == 200),
            "{seen:?}"
        );
    }

    // A private repository: the anonymous token grants nothing.
    let private_ref = format!("{}/private/multi:1", env.token());
    let err = registry::read_with_login(&private_ref, &arm64, &(), &Login::anonymous())
        .unwrap_err()
        .to_string();
    assert!(err.contains("refused anonymous access"), "{err}");
    assert!(
        err.contains(&format!("docker login {}", env.token())),
        "{err}"
    );

    // With the account: a token for the private repository.
    let login = Login::basic(user, password, "the env file");
    let (image, _) = registry::read_with_login(&private_ref, &arm64, &(), &login).unwrap();
    assert_eq!(
        image.manifest_digest.as_ref(),
        Some(&private.arm64.manifest_digest)
    );
    {
        let seen = server.seen.lock().unwrap();
        assert!(
            seen.iter().any(|s| s.user.as_deref() == Some(user)
                && s.scope == "repository:private/multi:pull"
                && s.status == 200),
            "{seen:?}"
        );
    }

    // Wrong password: the token server itself refuses.
    let wrong = Login::basic(user, "nope", "the test");
    let err = registry::read_with_login(&private_ref, &arm64, &(), &wrong)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("refused the credentials from the test"),
        "{err}"
    );
    assert!(server.seen.lock().unwrap().iter().any(|s| s.status == 401));
}
