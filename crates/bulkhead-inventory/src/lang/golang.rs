//! Go modules from a binary's build information.
//!
//! The linker writes a 32-byte header, 16-byte aligned, into section `.go.buildinfo` (ELF),
//! `__go_buildinfo` (Mach-O) or the first writable data of the image (PE, stripped ELF):
//! the magic `\xff Go buildinf:`, the pointer size, flags (bit 0 big-endian, bit 1 strings inline) and
//! then either, since Go 1.18, two varint-length-prefixed strings right after the header (toolchain
//! version, module info), or two pointers to Go string headers (data pointer, length) in the image.
//! The module info is framed by 16 sentinel bytes at each end and lists tab-separated lines:
//! `path <main package>`, `mod <path> <version> [<sum>]`, `dep <path> <version> [<sum>]`, and
//! `=> <path> <version> [<sum>]` replacing the module on the line before (a replacement by a local
//! directory, `=> ./dir (devel)`, keeps the module path and takes the version only).

use object::{Object, ObjectSection, ObjectSegment};

use super::{failed, found, package};
use crate::{FileResult, Package, PackageKind};

const MAGIC: &[u8] = b"\xff Go buildinf:";
const HEADER_LEN: usize = 32;
const ALIGN: u64 = 16;
/// How far into writable data the header is looked for when there is no dedicated section (as Go does).
const FALLBACK_SCAN: usize = 64 << 10;
/// Longest version or module-info string accepted.
const MAX_STRING: u64 = 16 << 20;
/// The main module's version when built from a checkout rather than a module download.
const DEVEL: &str = "(devel)";

/// The build information of a Go binary.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct BuildInfo {
    /// Toolchain version as written (`go1.21.5`, `go1.22.0 X:boringcrypto`).
    pub go_version: String,
    /// Import path of the main package.
    pub path: String,
    /// Main module (`mod` line), replacement applied.
    pub main: Option<Module>,
    /// Dependencies (`dep` lines), replacements applied.
    pub deps: Vec<Module>,
    /// Build settings (`build` lines: `-ldflags`, `vcs.revision`, `vcs.time`, ...), in order.
    pub settings: Vec<(String, String)>,
}

/// A module path and version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Module {
    pub path: String,
    pub version: String,
}

/// Packages of a Go binary: None when the image has no Go build information.
pub(super) fn catalog(file: &object::File<'_>, data: &[u8]) -> Option<FileResult> {
    Some(match read_build_info(file)? {
        Ok(info) => {
            let devel = info.main.as_ref().is_none_or(|m| m.version == DEVEL);
            found(packages(&info, || {
                devel.then(|| version_from_contents(data)).flatten()
            }))
        }
        Err(e) => failed(e),
    })
}

/// The main module (or `path` with version `(devel)` when there is no `mod` line, as Syft does), each
/// dependency, and `stdlib` at the toolchain version without its `go` prefix.
///
/// A `(devel)` main module takes a version from its build settings, else from `contents_version`
/// (asked only then): the first release-like string stored on its own in the binary (`1.1.5+ds1`, as
/// distributions' builds embed it), written with a `v`.
pub(super) fn packages(
    info: &BuildInfo,
    contents_version: impl FnOnce() -> Option<String>,
) -> Vec<Package> {
    let mut out = Vec::new();
    let main = match &info.main {
        Some(m) if !m.path.is_empty() => Some(m.clone()),
        _ if !info.path.is_empty() => Some(Module {
            path: info.path.clone(),
            version: DEVEL.to_string(),
        }),
        _ => None,
    };
    if let Some(mut main) = main {
        if main.version == DEVEL
            && let Some(v) = main_version_from_settings(&info.settings).or_else(|| {
                contents_version().map(|v| format!("v{}", v.strip_prefix('v').unwrap_or(&v)))
            })
        {
            main.version = v;
        }
        out.push(package(PackageKind::Go, &main.path, &main.version));
    }
    for dep in &info.deps {
        if !dep.path.is_empty() {
            out.push(package(PackageKind::Go, &dep.path, &dep.version));
        }
    }
    let toolchain = info.go_version.split_whitespace().next().unwrap_or("");
    let toolchain = toolchain.strip_prefix("go").unwrap_or(toolchain);
    if !toolchain.is_empty() {
        let mut stdlib = package(PackageKind::Go, "stdlib", toolchain);
        stdlib.licenses = vec!["BSD-3-Clause".to_string()];
        out.push(stdlib);
    }
    out
}

/// A version for a `(devel)` main module from its build settings, as release builds record it: a
/// `-X <pkg>.<name>=<value>` linker flag whose name ends in `version` (`main.version`, `gitVersion`,
/// `version.Version`) and whose value looks like a release (`1.1.5+ds1`, `v2.3.0`), written with a `v`;
/// else a pseudo-version from `vcs.time` and `vcs.revision` (`v0.0.0-20240101120000-0123456789ab`).
fn main_version_from_settings(settings: &[(String, String)]) -> Option<String> {
    let get = |key: &str| {
        settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    if let Some(flags) = get("-ldflags") {
        let words: Vec<&str> = flags.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            let assignment = match w.strip_prefix("-X") {
                Some("") => words.get(i + 1).copied().unwrap_or(""),
                Some(rest) => rest.trim_start_matches('='),
                None => continue,
            };
            let Some((name, value)) = assignment.split_once('=') else {
                continue;
            };
            let value = value.trim_matches(|c| c == '\'' || c == '"');
            let last = name
                .rsplit(['.', '/'])
                .next()
                .unwrap_or(name)
                .to_ascii_lowercase();
            let named = last.ends_with("version") || last == "ver";
            let bare = value.strip_prefix('v').unwrap_or(value);
            let mut parts = bare.splitn(3, '.');
            let release = parts
                .next()
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                && parts
                    .next()
                    .is_some_and(|p| p.bytes().next().is_some_and(|b| b.is_ascii_digit()));
            if named && release {
                return Some(format!("v{bare}"));
            }
        }
    }
    let (rev, time) = (get("vcs.revision")?, get("vcs.time")?);
    let stamp: String = time.chars().filter(char::is_ascii_digit).take(14).collect();
    let short = rev.get(..12)?;
    (stamp.len() == 14).then(|| format!("v0.0.0-{stamp}-{short}"))
}

/// The first release-like version stored between NUL bytes in the binary: `v?N.N.N`, then word
/// characters or `-`, then `+` and word characters (`1.1.5+ds1`, `v2.0.1-rc1`), as distributions' builds
/// embed it. A string that goes on past the pattern (`1.6.20~ds1`) is not a version.
fn version_from_contents(data: &[u8]) -> Option<String> {
    data.split(|&b| b == 0).skip(1).find_map(|seg| {
        if seg.len() > 96 {
            return None;
        }
        let mut i = usize::from(seg.first() == Some(&b'v'));
        let digits = |i: &mut usize| {
            let start = *i;
            while seg.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > start
        };
        for n in 0..3 {
            if !digits(&mut i) {
                return None;
            }
            if n < 2 {
                if seg.get(i) != Some(&b'.') {
                    return None;
                }
                i += 1;
            }
        }
        let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
        while seg.get(i).is_some_and(|b| word(b) || *b == b'-') {
            i += 1;
        }
        while seg.get(i).is_some_and(|b| word(b) || *b == b'+') {
            i += 1;
        }
        if i != seg.len() {
            return None;
        }
        std::str::from_utf8(seg).ok().map(str::to_string)
    })
}

/// Finds and decodes the build-info header: None when there is none, an error when it is unreadable.
pub(super) fn read_build_info(file: &object::File<'_>) -> Option<Result<BuildInfo, String>> {
    let mut first_error = None;
    for (address, data, scan) in regions(file) {
        let skip = ((ALIGN - address % ALIGN) % ALIGN) as usize;
        let mut offset = skip;
        while let Some(candidate) = data.get(offset..) {
            if candidate.len() < HEADER_LEN || offset >= scan {
                break;
            }
            if candidate.starts_with(MAGIC) {
                match decode(file, candidate) {
                    Ok(info) => return Some(Ok(info)),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            offset += ALIGN as usize;
        }
    }
    first_error.map(Err)
}

/// Where the header may be (address, data, how many leading bytes to search): the dedicated section,
/// else the start of each writable, non-executable segment.
fn regions<'d>(file: &object::File<'d>) -> Vec<(u64, &'d [u8], usize)> {
    for name in [".go.buildinfo", "__go_buildinfo"] {
        if let Some(section) = file.section_by_name(name)
            && let Ok(data) = section.data()
        {
            return vec![(section.address(), data, data.len())];
        }
    }
    file.segments()
        .filter(|s| s.permissions().writable() && !s.permissions().executable())
        .filter_map(|s| Some((s.address(), s.data().ok()?, FALLBACK_SCAN)))
        .collect()
}

/// Decodes the header at the start of `h` (and the strings it refers to).
fn decode(file: &object::File<'_>, h: &[u8]) -> Result<BuildInfo, String> {
    let ptr_size = usize::from(*h.get(14).unwrap_or(&0));
    let flags = *h.get(15).unwrap_or(&0);
    let (version, modinfo) = if flags & 2 != 0 {
        let mut rest = h.get(HEADER_LEN..).unwrap_or(&[]);
        let version = varint_string(&mut rest).ok_or_else(|| {
            "expected a length-prefixed Go version after the buildinfo header".to_string()
        })?;
        let modinfo = varint_string(&mut rest).ok_or_else(|| {
            "expected length-prefixed module info after the Go version".to_string()
        })?;
        (version, modinfo)
    } else {
        if ptr_size != 4 && ptr_size != 8 {
            return Err(format!(
                "expected a pointer size of 4 or 8 in the Go buildinfo header, found {ptr_size}"
            ));
        }
        let big_endian = flags & 1 != 0;
        let read_ptr = |bytes: Option<&[u8]>| bytes.and_then(|b| pointer(b, ptr_size, big_endian));
        let version_at = read_ptr(h.get(16..16 + ptr_size));
        let modinfo_at = read_ptr(h.get(16 + ptr_size..16 + 2 * ptr_size));
        let (Some(version_at), Some(modinfo_at)) = (version_at, modinfo_at) else {
            return Err("expected two pointers in the Go buildinfo header".to_string());
        };
        let string = |at| go_string(file, at, ptr_size, big_endian);
        let version = string(version_at)
            .ok_or_else(|| format!("expected the Go version string at address {version_at:#x}"))?;
        let modinfo = string(modinfo_at)
            .ok_or_else(|| format!("expected the module info string at address {modinfo_at:#x}"))?;
        (version, modinfo)
    };
    let mut info = parse_modinfo(&strip_sentinels(modinfo));
    info.go_version = String::from_utf8_lossy(version).trim().to_string();
    if info.go_version.is_empty() && info.path.is_empty() && info.main.is_none() {
        return Err("expected a Go version or module info in the buildinfo".to_string());
    }
    Ok(info)
}

/// An unsigned LEB128 length, then that many bytes; advances `rest`.
fn varint_string<'d>(rest: &mut &'d [u8]) -> Option<&'d [u8]> {
    let mut length: u64 = 0;
    let mut used = 0;
    for (i, byte) in rest.iter().enumerate().take(10) {
        length |= u64::from(byte & 0x7f).checked_shl(7 * i as u32)?;
        if byte & 0x80 == 0 {
            used = i + 1;
            break;
        }
    }
    if used == 0 || length > MAX_STRING {
        return None;
    }
    let end = used.checked_add(usize::try_from(length).ok()?)?;
    let s = rest.get(used..end)?;
    *rest = rest.get(end..)?;
    Some(s)
}

fn pointer(bytes: &[u8], size: usize, big_endian: bool) -> Option<u64> {
    match size {
        4 => {
            let b: [u8; 4] = bytes.try_into().ok()?;
            Some(u64::from(if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }))
        }
        8 => {
            let b: [u8; 8] = bytes.try_into().ok()?;
            Some(if big_endian {
                u64::from_be_bytes(b)
            } else {
                u64::from_le_bytes(b)
            })
        }
        _ => None,
    }
}

/// A Go string header (data pointer, length) at virtual address `at`, and the bytes it points to.
fn go_string<'d>(
    file: &object::File<'d>,
    at: u64,
    ptr_size: usize,
    big_endian: bool,
) -> Option<&'d [u8]> {
    let header = read_memory(file, at, 2 * ptr_size as u64)?;
    let data_at = pointer(header.get(..ptr_size)?, ptr_size, big_endian)?;
    let length = pointer(header.get(ptr_size..2 * ptr_size)?, ptr_size, big_endian)?;
    if length > MAX_STRING {
        return None;
    }
    if length == 0 {
        return Some(&[]);
    }
    read_memory(file, data_at, length)
}

/// `length` bytes of the image at virtual address `at`, from the file-backed part of a segment or section.
fn read_memory<'d>(file: &object::File<'d>, at: u64, length: u64) -> Option<&'d [u8]> {
    file.segments()
        .find_map(|s| s.data_range(at, length).ok().flatten())
        .or_else(|| {
            file.sections()
                .find_map(|s| s.data_range(at, length).ok().flatten())
        })
}

/// The module info without its 16-byte sentinels (Go only accepts it when they are there).
fn strip_sentinels(modinfo: &[u8]) -> String {
    let n = modinfo.len();
    if n >= 33
        && modinfo.get(n - 17) == Some(&b'\n')
        && let Some(inner) = modinfo.get(16..n - 16)
    {
        return String::from_utf8_lossy(inner).into_owned();
    }
    String::new()
}

/// Whether a replacement target is a file-system path (`./x`, `../x`, `/x`, `C:\\x`) rather than a module.
fn is_directory(path: &str) -> bool {
    path.starts_with("./")
        || path.starts_with("../")
        || path.starts_with('/')
        || path == "."
        || path == ".."
        || path.get(1..3) == Some(":\\")
}

/// Parses module-info lines; a `=>` line replaces the module of the line before it (a module
/// replacement takes its path and version; a directory replacement only its version, `(devel)`).
pub(super) fn parse_modinfo(text: &str) -> BuildInfo {
    let mut info = BuildInfo::default();
    // Which module a `=>` line replaces: the last dep, or the main module.
    let mut last_is_dep = false;
    for line in text.lines() {
        let mut fields = line.split('\t');
        let kind = fields.next().unwrap_or("");
        let path = fields.next().unwrap_or("").trim().to_string();
        let version = fields.next().unwrap_or("").trim().to_string();
        match kind {
            "go" if info.go_version.is_empty() => info.go_version = path,
            "path" => info.path = path,
            "build" => {
                if let Some((k, v)) = path.split_once('=') {
                    info.settings.push((k.to_string(), v.to_string()));
                }
            }
            "mod" => {
                info.main = Some(Module { path, version });
                last_is_dep = false;
            }
            "dep" => {
                info.deps.push(Module { path, version });
                last_is_dep = true;
            }
            "=>" => {
                let target = if last_is_dep {
                    info.deps.last_mut()
                } else {
                    info.main.as_mut()
                };
                if let Some(target) = target {
                    if is_directory(&path) {
                        // Built from a local directory: the module keeps its name, as the source of
                        // its code is no module version.
                        target.version = version;
                    } else {
                        *target = Module { path, version };
                    }
                }
            }
            _ => {}
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modinfo_with_replacements() {
        let text = "path\texample.com/app/cmd/app\nmod\texample.com/app\t(devel)\t\ndep\tgolang.org/x/sys\tv0.1.0\th1:abc=\ndep\texample.com/old\tv1.0.0\n=>\texample.com/new\tv1.2.0\th1:def=\ndep\texample.com/local\tv0.0.0\n=>\t../local\t(devel)\t\nbuild\t-compiler=gc\n";
        let info = parse_modinfo(text);
        assert_eq!(info.path, "example.com/app/cmd/app");
        assert_eq!(
            info.main,
            Some(Module {
                path: "example.com/app".into(),
                version: "(devel)".into()
            })
        );
        let deps: Vec<_> = info
            .deps
            .iter()
            .map(|d| format!("{}@{}", d.path, d.version))
            .collect();
        assert_eq!(
            deps,
            vec![
                "golang.org/x/sys@v0.1.0",
                "example.com/new@v1.2.0",
                "example.com/local@(devel)"
            ]
        );
    }

    #[test]
    fn version_strings_in_contents() {
        let bin = b"\x7fELF junk\x001.2\x001.6.20~ds1\x001.1.5+ds1-1+deb12u1\x001.1.5+ds1\x00";
        assert_eq!(version_from_contents(bin).as_deref(), Some("1.1.5+ds1"));
        assert_eq!(version_from_contents(b"1.2.3\x00v1.2.3.4\x00"), None);
        assert_eq!(
            version_from_contents(b"\x00v2.0.1-rc1\x00").as_deref(),
            Some("v2.0.1-rc1")
        );
        assert_eq!(version_from_contents(b"\x001.2.x\x00go1.22.1\x00"), None);
    }

    #[test]
    fn devel_main_version_from_ldflags_or_vcs() {
        let s = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        // runc as Debian builds it.
        let runc = s(&[(
            "-ldflags",
            "-X main.gitCommit= -X main.version=1.1.5+ds1 -X main.bad=1.2",
        )]);
        assert_eq!(
            main_version_from_settings(&runc).as_deref(),
            Some("v1.1.5+ds1")
        );
        let spaced = s(&[("-ldflags", "-s -w -X github.com/x/y/version.Version=v2.3.0")]);
        assert_eq!(
            main_version_from_settings(&spaced).as_deref(),
            Some("v2.3.0")
        );
        let not_a_release = s(&[("-ldflags", "-X main.version=dev -X main.commit=1.2.3")]);
        assert_eq!(main_version_from_settings(&not_a_release), None);
        let vcs = s(&[
            ("vcs.revision", "0123456789abcdef0123"),
            ("vcs.time", "2024-01-02T03:04:05Z"),
        ]);
        assert_eq!(
            main_version_from_settings(&vcs).as_deref(),
            Some("v0.0.0-20240102030405-0123456789ab")
        );
        assert_eq!(
            main_version_from_settings(&s(&[("vcs.revision", "abc")])),
            None
        );
    }

    #[test]
    fn packages_include_stdlib_and_devel_main_from_path() {
        let info = BuildInfo {
            go_version: "go1.22.1 X:boringcrypto".into(),
            path: "command-line-arguments".into(),
            ..BuildInfo::default()
        };
        let got: Vec<_> = packages(&info, || None)
            .iter()
            .map(|p| format!("{}@{}", p.name, p.version))
            .collect();
        assert_eq!(got, vec!["command-line-arguments@(devel)", "stdlib@1.22.1"]);
    }

    #[test]
    fn varint_strings_and_sentinels() {
        let mut data: &[u8] = &[3, b'a', b'b', b'c', 0x81, 0x01];
        assert_eq!(varint_string(&mut data), Some(&b"abc"[..]));
        // 0x81 0x01 = 129 bytes announced, none there.
        assert_eq!(varint_string(&mut data), None);
        let mut huge: &[u8] = &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
        assert_eq!(varint_string(&mut huge), None);
        let framed = [&[0u8; 16][..], b"path\tx\n", &[0u8; 16][..]].concat();
        assert_eq!(strip_sentinels(&framed), "path\tx\n");
        assert_eq!(strip_sentinels(b"path\tx\n"), "");
    }
}
