//! Executables: Go build information (committed fixture, this machine's Go programs checked against
//! `go version -m`, hand-made pre-1.18 images) and `cargo auditable` data.

mod common;

use std::path::Path;
use std::process::Command;

use bulkhead_inventory::{PackageKind, lang};
use common::{fixture, fixture_path, ids};

/// The modules of tests/fixtures/go (built by its build.sh): a module dependency, a module replaced by
/// another module, a module replaced by a local directory; `stdlib` comes after them.
const FIXTURE_APP_MODULES: [&str; 4] = [
    "example.com/app@(devel)",
    "example.com/greet@v1.2.3",
    "example.com/localgreet@(devel)",
    "example.com/newgreet@v1.1.0",
];

#[test]
fn go_fixture_binary() {
    // Built by tests/fixtures/go/build.sh: a module dependency, a module replaced by another module,
    // a module replaced by a local directory.
    let data = fixture("go/app");
    let r = lang::catalog("/usr/local/bin/app", &data).expect("a Go binary is a record");
    assert_eq!(r.error, None);
    let mut want = FIXTURE_APP_MODULES.to_vec();
    want.push("stdlib@1.19.8");
    assert_eq!(ids(&r.packages), want);
    assert!(r.packages.iter().all(|p| p.kind == Some(PackageKind::Go)));
    let stdlib = r
        .packages
        .iter()
        .find(|p| p.name == "stdlib")
        .expect("stdlib");
    assert_eq!(stdlib.licenses, vec!["BSD-3-Clause"]);
}

/// What `go version -m <file>` says the packages are, with the rules of the cataloger: main module
/// (else `path` at `(devel)`), dependencies with module replacements applied (a directory replacement
/// keeps the module path), `stdlib` at the toolchain version.
fn go_version_m(path: &str) -> Option<Vec<String>> {
    let out = Command::new("go")
        .args(["version", "-m", path])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = text.lines();
    let toolchain = lines
        .next()?
        .rsplit(": ")
        .next()?
        .split_whitespace()
        .next()?
        .to_string();
    let (mut main_path, mut main, mut deps) = (String::new(), None, Vec::<(String, String)>::new());
    let mut last_is_dep = false;
    for line in lines {
        let f: Vec<&str> = line.trim_start_matches('\t').split('\t').collect();
        let field = |i: usize| f.get(i).copied().unwrap_or("").to_string();
        match f.first().copied() {
            Some("path") => main_path = field(1),
            Some("mod") => {
                main = Some((field(1), field(2)));
                last_is_dep = false;
            }
            Some("dep") => {
                deps.push((field(1), field(2)));
                last_is_dep = true;
            }
            Some("=>") => {
                let target = if last_is_dep {
                    deps.last_mut()
                } else {
                    main.as_mut()
                };
                if let Some(t) = target {
                    let local = field(1).starts_with("./")
                        || field(1).starts_with("../")
                        || field(1).starts_with('/');
                    *t = if local {
                        (t.0.clone(), field(2))
                    } else {
                        (field(1), field(2))
                    };
                }
            }
            _ => {}
        }
    }
    let mut out: Vec<String> = deps.iter().map(|(p, v)| format!("{p}@{v}")).collect();
    match main {
        Some((p, v)) => out.push(format!("{p}@{v}")),
        None if !main_path.is_empty() => out.push(format!("{main_path}@(devel)")),
        None => {}
    }
    out.push(format!("stdlib@{}", toolchain.trim_start_matches("go")));
    out.sort();
    Some(out)
}

#[test]
fn go_binaries_of_this_machine_agree_with_go_version_m() {
    if Command::new("go").arg("version").output().is_err() {
        eprintln!(
            "SKIP go_binaries_of_this_machine_agree_with_go_version_m: no `go` (apt-get install golang-go)"
        );
        return;
    }
    let fixture_app = fixture_path("go/app");
    let candidates = [
        fixture_app.to_string_lossy().into_owned(),
        "/usr/bin/dockerd".into(),
        "/usr/bin/containerd".into(),
        "/usr/bin/docker-registry".into(),
        "/usr/sbin/docker-registry".into(),
        "/usr/local/bin/terraform".into(),
        "/usr/bin/kubectl".into(),
        "/usr/bin/kpt".into(),
    ];
    let mut checked = 0;
    for path in &candidates {
        let Ok(data) = std::fs::read(path) else {
            eprintln!("SKIP {path}: absent");
            continue;
        };
        let Some(expected) = go_version_m(path) else {
            eprintln!("SKIP {path}: `go version -m` cannot read it");
            continue;
        };
        let r = lang::catalog(path, &data).expect("a Go binary is a record");
        assert_eq!(r.error, None, "{path}");
        let got: Vec<String> = {
            let mut v: Vec<String> = r
                .packages
                .iter()
                .map(|p| {
                    // Where `go version -m` prints `(devel)` for the main module, bulkhead infers a
                    // version (linker flags, a version string in the binary, or a VCS pseudo-version),
                    // as Syft does: compare the module, and check the inferred version's shape.
                    let devel = format!("{}@(devel)", p.name);
                    if p.version != "(devel)" && expected.contains(&devel) {
                        assert!(p.version.starts_with('v'), "{path}: inferred {}", p.version);
                        devel
                    } else {
                        format!("{}@{}", p.name, p.version)
                    }
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(got, expected, "{path}");
        eprintln!("{path}: {} packages agree with go version -m", got.len());
        checked += 1;
    }
    assert!(checked >= 1, "the committed fixture at least");
}

#[test]
fn go_fixture_cross_compiled_to_pe_and_mach_o() {
    if Command::new("go").arg("version").output().is_err() {
        eprintln!(
            "SKIP go_fixture_cross_compiled_to_pe_and_mach_o: no `go` (apt-get install golang-go)"
        );
        return;
    }
    let toolchain = Command::new("go")
        .args(["env", "GOVERSION"])
        .output()
        .expect("go env");
    let stdlib = format!(
        "stdlib@{}",
        String::from_utf8_lossy(&toolchain.stdout)
            .trim()
            .trim_start_matches("go")
    );
    let dir = tempfile::tempdir().expect("temp dir");
    for (goos, goarch, name, magic) in [
        ("windows", "amd64", "app.exe", &b"MZ"[..]),
        ("darwin", "arm64", "app-macos", &b"\xcf\xfa\xed\xfe"[..]),
    ] {
        let out = dir.path().join(name);
        let status = Command::new("sh")
            .arg(fixture_path("go/build.sh"))
            .arg(&out)
            .env("GOOS", goos)
            .env("GOARCH", goarch)
            .env(
                "BULKHEAD_GOCACHE",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("gocache"),
            )
            .output()
            .expect("run build.sh");
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let data = std::fs::read(&out).expect("built binary");
        assert!(data.starts_with(magic), "{goos}");
        let r = lang::catalog(&format!("/app/{name}"), &data).expect("a Go binary is a record");
        assert_eq!(r.error, None, "{goos}");
        let mut want = FIXTURE_APP_MODULES.to_vec();
        want.push(stdlib.as_str());
        assert_eq!(ids(&r.packages), want, "{goos}");
    }
}

/// A minimal executable ELF image (no sections) with one writable PT_LOAD segment at 0x10000 holding a
/// pre-Go-1.18 build-info header: pointers to Go string headers instead of inline strings.
fn pointer_format_elf(class64: bool, big_endian: bool, modinfo: &str) -> Vec<u8> {
    const BASE: u64 = 0x10000;
    let mut f = vec![0u8; 0x400];
    let put = |f: &mut Vec<u8>, at: usize, value: u64, size: usize| {
        let bytes = if big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        };
        let bytes = if big_endian {
            &bytes[8 - size..]
        } else {
            &bytes[..size]
        };
        f[at..at + size].copy_from_slice(bytes);
    };
    let word = if class64 { 8 } else { 4 };
    // ELF header.
    f[..4].copy_from_slice(b"\x7fELF");
    f[4] = if class64 { 2 } else { 1 };
    f[5] = if big_endian { 2 } else { 1 };
    f[6] = 1;
    let (ehsize, phentsize) = if class64 { (64, 56) } else { (52, 32) };
    put(&mut f, 16, 2, 2); // ET_EXEC
    put(&mut f, 18, if class64 { 62 } else { 8 }, 2); // x86-64 / MIPS
    put(&mut f, 20, 1, 4);
    put(&mut f, 24, BASE, word); // entry
    put(&mut f, 24 + word, ehsize, word); // phoff
    put(&mut f, 24 + 2 * word, 0, word); // shoff
    let rest = 24 + 3 * word;
    put(&mut f, rest + 4, ehsize, 2);
    put(&mut f, rest + 6, phentsize, 2);
    put(&mut f, rest + 8, 1, 2); // phnum
    // Program header: PT_LOAD, read + write, the whole file at BASE.
    let ph = ehsize as usize;
    let len = f.len() as u64;
    if class64 {
        put(&mut f, ph, 1, 4);
        put(&mut f, ph + 4, 6, 4);
        for (i, v) in [0, BASE, BASE, len, len, 0x1000].into_iter().enumerate() {
            put(&mut f, ph + 8 + 8 * i, v, 8);
        }
    } else {
        for (i, v) in [1, 0, BASE, BASE, len, len, 6, 0x1000]
            .into_iter()
            .enumerate()
        {
            put(&mut f, ph + 4 * i, v, 4);
        }
    }
    // Build info at 0x100, string headers at 0x140 and 0x160, strings at 0x200 and 0x240.
    let modinfo = [&[0x30u8; 16][..], modinfo.as_bytes(), &[0xf2u8; 16][..]].concat();
    f[0x100..0x10e].copy_from_slice(b"\xff Go buildinf:");
    f[0x10e] = word as u8;
    f[0x10f] = u8::from(big_endian);
    put(&mut f, 0x110, BASE + 0x140, word);
    put(&mut f, 0x110 + word, BASE + 0x160, word);
    let version = b"go1.16.15";
    put(&mut f, 0x140, BASE + 0x200, word);
    put(&mut f, 0x140 + word, version.len() as u64, word);
    put(&mut f, 0x160, BASE + 0x240, word);
    put(&mut f, 0x160 + word, modinfo.len() as u64, word);
    f[0x200..0x200 + version.len()].copy_from_slice(version);
    f[0x240..0x240 + modinfo.len()].copy_from_slice(&modinfo);
    f
}

#[test]
fn pre_go_1_18_pointer_format() {
    let modinfo = "path\texample.com/old/cmd/tool\nmod\texample.com/old\tv0.3.0\th1:x=\ndep\tgithub.com/pkg/errors\tv0.9.1\th1:y=\n";
    for (class64, big_endian) in [(true, false), (false, true)] {
        let elf = pointer_format_elf(class64, big_endian, modinfo);
        let r = lang::catalog("/usr/local/bin/tool", &elf).expect("a Go binary is a record");
        assert_eq!(r.error, None, "class64={class64} big_endian={big_endian}");
        assert_eq!(
            ids(&r.packages),
            vec![
                "example.com/old@v0.3.0",
                "github.com/pkg/errors@v0.9.1",
                "stdlib@1.16.15"
            ],
            "class64={class64} big_endian={big_endian}"
        );
    }
}

#[test]
fn pointer_format_with_dangling_pointers_is_an_error() {
    let mut elf = pointer_format_elf(true, false, "path\tx\n");
    // Point the module-info string header outside the image.
    elf[0x118..0x120].copy_from_slice(&0xdead_0000u64.to_le_bytes());
    let r = lang::catalog("/usr/local/bin/tool", &elf).expect("a header was found");
    assert!(r.packages.is_empty());
    assert_eq!(
        r.error.as_deref(),
        Some("expected the module info string at address 0xdead0000")
    );
}

#[test]
fn auditable_rust_fixture_binary() {
    // Built by tests/fixtures/rust/build.sh with `cargo auditable`: itoa at runtime, autocfg at build time.
    let data = fixture("rust/hello-auditable");
    let r = lang::catalog("/usr/local/bin/hello", &data).expect("an auditable binary is a record");
    assert_eq!(r.error, None);
    assert_eq!(ids(&r.packages), vec!["hello@0.1.0", "itoa@1.0.11"]);
    assert!(
        r.packages
            .iter()
            .all(|p| p.kind == Some(PackageKind::Cargo))
    );
}

fn zlib(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("compress");
    e.finish().expect("compress")
}

#[test]
fn object_with_go_buildinfo_and_dep_v0_sections() {
    use object::write::{Object, StandardSegment};
    use object::{Architecture, BinaryFormat, Endianness, SectionKind};

    let mut obj = Object::new(BinaryFormat::Elf, Architecture::Aarch64, Endianness::Little);
    let data_segment = obj.segment_name(StandardSegment::Data).to_vec();
    // Inline (Go 1.18+) build info.
    let mut buildinfo = b"\xff Go buildinf:\x08\x02".to_vec();
    buildinfo.resize(32, 0);
    let version = b"go1.21.4";
    let modinfo = [
        &[0u8; 16][..],
        b"path\texample.com/cgo\nmod\texample.com/cgo\tv1.0.0\t\n",
        &[0u8; 16][..],
    ]
    .concat();
    buildinfo.push(version.len() as u8);
    buildinfo.extend_from_slice(version);
    buildinfo.push(modinfo.len() as u8);
    buildinfo.extend_from_slice(&modinfo);
    let go = obj.add_section(
        data_segment.clone(),
        b".go.buildinfo".to_vec(),
        SectionKind::Data,
    );
    obj.append_section_data(go, &buildinfo, 16);
    let audit = br#"{"packages":[{"name":"ring","version":"0.17.8","source":"crates.io"}]}"#;
    let dep = obj.add_section(data_segment, b".dep-v0".to_vec(), SectionKind::ReadOnlyData);
    obj.append_section_data(dep, &zlib(audit), 1);
    let image = obj.write().expect("write object");

    let r = lang::catalog("/usr/lib/libmixed.so", &image).expect("record");
    assert_eq!(r.error, None);
    let kinds: Vec<_> = r
        .packages
        .iter()
        .map(|p| (p.kind, p.name.as_str(), p.version.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (Some(PackageKind::Go), "example.com/cgo", "v1.0.0"),
            (Some(PackageKind::Go), "stdlib", "1.21.4"),
            (Some(PackageKind::Cargo), "ring", "0.17.8"),
        ]
    );
}

#[test]
fn ordinary_executables_are_not_records() {
    // This test program: an ELF without Go build info or audit data.
    let me = std::env::current_exe().expect("current exe");
    let data = std::fs::read(&me).expect("read current exe");
    assert_eq!(lang::catalog("/usr/bin/tests", &data), None);
    if let Ok(ls) = std::fs::read("/bin/ls") {
        assert_eq!(lang::catalog("/bin/ls", &ls), None);
    }
}
