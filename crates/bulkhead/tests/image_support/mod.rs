//! Helpers of the `bulkhead image` / `bulkhead sbom` end-to-end tests: running the binary, the engine and
//! the local registry (through the project's scripts), scratch directories, and images built by hand
//! (`docker save` archives and OCI layouts) for the bad-input cases that need no engine.

#![allow(dead_code)]

use bulkhead_image::digest::sha256_digest;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

// ---------------------------------------------------------------- the binary

/// What one run of the binary gave.
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The arguments, for assertion messages.
    pub args: String,
}

impl Ran {
    fn of(args: &[&str], o: Output) -> Ran {
        Ran {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            args: args.join(" "),
        }
    }

    /// Standard output parsed as JSON (fails the test with the output when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "`bulkhead {}` printed no valid JSON ({e}):\n{}\nstderr:\n{}",
                self.args,
                self.stdout.chars().take(3000).collect::<String>(),
                self.stderr
            )
        })
    }

    /// Both streams, for leak checks.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The run ended normally with `code`, and no thread panicked.
    pub fn expect_code(&self, code: i32) -> &Ran {
        self.expect_no_panic();
        assert_eq!(
            self.code,
            Some(code),
            "`bulkhead {}` exited with {:?}, expected {code}\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.code,
            self.stdout.chars().take(4000).collect::<String>(),
            self.stderr
        );
        self
    }

    pub fn expect_no_panic(&self) -> &Ran {
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("RUST_BACKTRACE"),
            "`bulkhead {}` panicked:\n{}",
            self.args,
            self.stderr
        );
        self
    }
}

/// `bulkhead` with colours off, run in `cwd` with `TMPDIR` pointing at `tmp` when given.
pub fn bulkhead_in(args: &[&str], cwd: &Path, tmp: Option<&Path>) -> Ran {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bulkhead"));
    c.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null());
    if let Some(t) = tmp {
        c.env("TMPDIR", t);
    }
    let o = c.output().expect("run bulkhead");
    Ran::of(args, o)
}

/// `bulkhead` in the scratch area (nothing is written there except with `-o`).
pub fn bulkhead(args: &[&str]) -> Ran {
    bulkhead_in(args, &scratch_root(), None)
}

/// Several runs at once (the binary reads layers in parallel, but each run has sequential parts).
pub fn bulkhead_all(runs: &[Vec<String>]) -> Vec<Ran> {
    let cwd = scratch_root();
    let children: Vec<_> = runs
        .iter()
        .map(|args| {
            Command::new(env!("CARGO_BIN_EXE_bulkhead"))
                .args(args)
                .current_dir(&cwd)
                .env("NO_COLOR", "1")
                .env_remove("RUST_BACKTRACE")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start bulkhead")
        })
        .collect();
    children
        .into_iter()
        .zip(runs)
        .map(|(child, args)| {
            let o = child.wait_with_output().expect("wait for bulkhead");
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            Ran::of(&a, o)
        })
        .collect()
}

/// Owned arguments for [`bulkhead_all`].
pub fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// The `rule_id`s of a JSON report's findings.
pub fn rule_ids(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings array in {report}"))
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap_or("").to_string())
        .collect()
}

// ---------------------------------------------------------------- places

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/data` next to the repository, when present (a fresh clone has none).
pub fn shared_data() -> Option<PathBuf> {
    let p = repo_root().join("../shared/data");
    p.is_dir().then_some(p)
}

fn pid_alive(pid: &str) -> bool {
    Path::new("/proc").join(pid).exists()
}

/// This test process's scratch directory under Cargo's per-target temporary directory. Directories of
/// earlier runs whose process is gone are removed the first time.
pub fn scratch_root() -> PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("image_cli");
        if let Ok(rd) = std::fs::read_dir(&base) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if !pid_alive(&name) {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let me = base.join(std::process::id().to_string());
        std::fs::create_dir_all(&me).expect("create the scratch directory");
        me
    })
    .clone()
}

/// A fresh empty directory `name` in the scratch area.
pub fn scratch(name: &str) -> PathBuf {
    let p = scratch_root().join(name);
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).expect("create a scratch directory");
    p
}

// ---------------------------------------------------------------- engine and registry

pub fn docker() -> String {
    if let Ok(d) = std::env::var("BULKHEAD_DOCKER") {
        return d;
    }
    if Path::new("/usr/bin/docker").exists() {
        "/usr/bin/docker".into()
    } else {
        "docker".into()
    }
}

/// `docker ARGS` that must succeed; its standard output.
pub fn docker_ok(args: &[&str], cwd: &Path) -> String {
    let o = Command::new(docker())
        .args(args)
        .current_dir(cwd)
        .env("DOCKER_BUILDKIT", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run docker");
    assert!(
        o.status.success(),
        "docker {} failed:\n{}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn engine_answers() -> bool {
    Command::new(docker())
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .is_ok_and(|o| o.status.success())
}

pub const BASE_IMAGE: &str = "bulkhead-test/busybox:latest";

/// Whether an engine runs with the test base image, starting both with `scripts/engine.sh` when needed
/// (once per test process). Without one, says so loudly.
pub fn engine() -> bool {
    static UP: OnceLock<bool> = OnceLock::new();
    *UP.get_or_init(|| {
        let image_ok = || {
            Command::new(docker())
                .args(["image", "inspect", BASE_IMAGE])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if engine_answers() && image_ok() {
            return true;
        }
        let script = repo_root().join("scripts/engine.sh");
        let st = Command::new("bash").arg(&script).status();
        let up = matches!(st, Ok(s) if s.success()) && engine_answers() && image_ok();
        if !up {
            eprintln!(
                "\n!!! SKIPPED: no Docker engine could be started with {} ({st:?}); the engine-backed image tests did not run !!!\n",
                script.display()
            );
        }
        up
    })
}

/// Address of the plain local registry, started with `scripts/registry.sh` (once per test process).
pub fn registry() -> Option<String> {
    static ADDR: OnceLock<Option<String>> = OnceLock::new();
    ADDR.get_or_init(|| {
        let script = repo_root().join("scripts/registry.sh");
        let o = Command::new("bash")
            .arg(&script)
            .env("BULKHEAD_REGISTRY_INSTANCES", "plain")
            .output();
        match o {
            Ok(o) if o.status.success() => Some(
                std::env::var("BULKHEAD_REGISTRY_ADDR").unwrap_or_else(|_| "127.0.0.1:5000".into()),
            ),
            other => {
                eprintln!(
                    "\n!!! SKIPPED: no local registry could be started with {}: {}; the registry source was not tested !!!\n",
                    script.display(),
                    match other {
                        Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
                        Err(e) => e.to_string(),
                    }
                );
                None
            }
        }
    })
    .clone()
}

/// Removes the tags `repo:p<pid>` of test processes that are gone (each process tags its own image).
pub fn remove_stale_tags(repo: &str) {
    let Ok(o) = Command::new(docker())
        .args(["images", repo, "--format", "{{.Tag}}"])
        .output()
    else {
        return;
    };
    for tag in String::from_utf8_lossy(&o.stdout).lines() {
        if let Some(pid) = tag.strip_prefix('p')
            && !pid_alive(pid)
        {
            let _ = Command::new(docker())
                .args(["rmi", "-f", &format!("{repo}:{tag}")])
                .output();
        }
    }
}

// ---------------------------------------------------------------- test data

/// A small xorshift generator: tokens are made at run time, so the repository holds none.
pub struct Rng(u64);

impl Rng {
    pub fn seeded() -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Rng((t ^ (u64::from(std::process::id()) << 32)) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }
    pub fn alnum(&mut self, n: usize) -> String {
        self.pick(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            n,
        )
    }
}

/// One entry of a layer tar built by hand.
pub enum Entry<'a> {
    Dir(&'a str, u32),
    File(&'a str, u32, &'a [u8]),
    /// A file of `size` zero bytes, streamed (never held in memory).
    Zeros(&'a str, u64),
}

struct ZeroReader(u64);

impl std::io::Read for ZeroReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(usize::try_from(self.0).unwrap_or(usize::MAX));
        buf[..n].fill(0);
        self.0 -= n as u64;
        Ok(n)
    }
}

/// A layer tar with `entries`, written to `out` (a `Vec`, a gzip encoder...).
pub fn write_layer<W: Write>(out: W, entries: &[Entry<'_>]) -> W {
    let mut b = tar::Builder::new(out);
    for e in entries {
        let mut h = tar::Header::new_ustar();
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(1_700_000_000);
        match e {
            Entry::Dir(p, mode) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(*mode);
                h.set_size(0);
                h.set_cksum();
                b.append_data(&mut h, p, std::io::empty()).unwrap();
            }
            Entry::File(p, mode, data) => {
                h.set_mode(*mode);
                h.set_size(data.len() as u64);
                h.set_cksum();
                b.append_data(&mut h, p, *data).unwrap();
            }
            Entry::Zeros(p, size) => {
                h.set_mode(0o644);
                h.set_size(*size);
                h.set_cksum();
                b.append_data(&mut h, p, ZeroReader(*size)).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

pub fn layer(entries: &[Entry<'_>]) -> Vec<u8> {
    write_layer(Vec::new(), entries)
}

pub fn gzip(entries: &[Entry<'_>]) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    write_layer(enc, entries).finish().unwrap()
}

/// An image config: `user`, the diff ids of the layers, one history line per layer.
pub fn config_json(user: &str, layer_tars: &[&[u8]], created_by: &[&str]) -> Vec<u8> {
    let diff_ids: Vec<String> = layer_tars.iter().map(|t| sha256_digest(t)).collect();
    let history: Vec<serde_json::Value> = created_by
        .iter()
        .map(|c| serde_json::json!({"created": "2024-05-01T00:00:00Z", "created_by": c}))
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"User": user, "Env": ["PATH=/usr/bin:/bin"], "Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }))
    .unwrap()
}

/// Members of an archive, in order.
pub type Members = Vec<(String, Vec<u8>)>;

/// The legacy `docker save` shape: `<id>/layer.tar` per layer, `<hex>.json` config, and `manifest.json`
/// last, as the engine writes it. `tars` are uncompressed layers.
pub fn docker_save_members(config: &[u8], tars: &[Vec<u8>], tag: &str) -> Members {
    let config_name = format!(
        "{}.json",
        sha256_digest(config).trim_start_matches("sha256:")
    );
    let mut members: Members = Vec::new();
    let mut paths = Vec::new();
    for t in tars {
        let id = sha256_digest(t).trim_start_matches("sha256:").to_string();
        members.push((format!("{id}/VERSION"), b"1.0".to_vec()));
        members.push((
            format!("{id}/json"),
            format!("{{\"id\":\"{id}\"}}").into_bytes(),
        ));
        members.push((format!("{id}/layer.tar"), t.clone()));
        paths.push(format!("{id}/layer.tar"));
    }
    members.push((config_name.clone(), config.to_vec()));
    members.push((
        "manifest.json".into(),
        serde_json::to_vec(
            &serde_json::json!([{"Config": config_name, "RepoTags": [tag], "Layers": paths}]),
        )
        .unwrap(),
    ));
    members
}

/// Writes `members` as a tar file.
pub fn write_tar(path: &Path, members: &Members) {
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (name, data) in members {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        h.set_cksum();
        b.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    b.finish().unwrap();
}

/// Byte offset of the data of member `name` in the tar file `path`.
pub fn member_data_range(path: &Path, name: &str) -> (u64, u64) {
    let mut a = tar::Archive::new(std::fs::File::open(path).unwrap());
    for e in a.entries().unwrap() {
        let e = e.unwrap();
        if e.path().unwrap().to_string_lossy() == name {
            return (e.raw_file_position(), e.size());
        }
    }
    panic!("no member {name} in {}", path.display());
}

/// Writes an OCI image layout in `dir`: `layers` are `(stored blob, media type)`, `config` the config.
/// Returns the manifest digest.
pub fn write_oci_layout(dir: &Path, config: &[u8], layers: &[(Vec<u8>, &str)]) -> String {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |data: &[u8]| -> String {
        let d = sha256_digest(data);
        std::fs::write(blobs.join(d.trim_start_matches("sha256:")), data).unwrap();
        d
    };
    let config_digest = put(config);
    let layer_descs: Vec<serde_json::Value> = layers
        .iter()
        .map(|(blob, media)| {
            serde_json::json!({"mediaType": media, "digest": put(blob), "size": blob.len()})
        })
        .collect();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
        "layers": layer_descs,
    }))
    .unwrap();
    let manifest_digest = put(&manifest);
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": manifest_digest,
                "size": manifest.len(),
                "annotations": {"org.opencontainers.image.ref.name": "1"},
            }],
        }))
        .unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    manifest_digest
}

/// Every file under `dir` (relative paths), for "nothing was written here" checks.
pub fn files_under(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .flatten()
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap_or(e.path())
                .display()
                .to_string()
        })
        .collect()
}

/// Validates `file` against a staged schema with `../shared/data/schemas/validate.py`; skips loudly when
/// the script or python3's jsonschema is missing.
pub fn validate(schema: &str, file: &Path) {
    let Some(data) = shared_data() else { return };
    let script = data.join("schemas/validate.py");
    let has_jsonschema = Command::new("python3")
        .args(["-c", "import jsonschema, referencing"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !script.is_file() || !has_jsonschema {
        eprintln!(
            "\n!!! SKIPPED: {schema} validation needs {} and python3 jsonschema !!!\n",
            script.display()
        );
        return;
    }
    let o = Command::new("python3")
        .arg(&script)
        .arg(schema)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{} is not valid {schema}:\n{}\n{}",
        file.display(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}
