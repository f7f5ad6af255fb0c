//! Executables: ELF, Mach-O and PE files carrying Go build information or `cargo auditable` data.

use object::{Object, ObjectSection};

use super::{golang, rust};
use crate::FileResult;

/// Path prefixes whose executables are scripts or data, never programs worth reading.
const EXCLUDED_PREFIXES: &[&str] = &[
    "/etc/",
    "/proc/",
    "/sys/",
    "/dev/",
    "/usr/include/",
    "/usr/share/doc/",
    "/usr/share/man/",
    "/usr/share/info/",
    "/usr/share/locale/",
];

/// File-name extensions of executable text files.
const SCRIPT_EXTENSIONS: &[&str] = &[
    "sh", "bash", "zsh", "ksh", "csh", "fish", "py", "pyc", "pl", "pm", "rb", "js", "mjs", "cjs",
    "ts", "php", "lua", "tcl", "awk", "sed", "txt", "md", "json", "yaml", "yml", "toml", "xml",
    "html", "css", "conf", "cfg", "ini", "h", "c", "cc", "cpp", "java", "class", "go", "rs", "ps1",
    "bat", "cmd", "el", "vim", "gz", "xz", "bz2", "zst", "png", "jpg", "svg",
];

/// Whether an executable at `path` is certainly not a compiled program.
pub(super) fn excluded_path(path: &str) -> bool {
    if EXCLUDED_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return true;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => SCRIPT_EXTENSIONS
            .iter()
            .any(|e| e.eq_ignore_ascii_case(ext)),
        _ => false,
    }
}

/// Whether `data` starts like an ELF, PE or (thin) Mach-O image.
fn is_executable_image(data: &[u8]) -> bool {
    const MAGICS: &[&[u8]] = &[
        b"\x7fELF",
        b"MZ",
        b"\xfe\xed\xfa\xce",
        b"\xce\xfa\xed\xfe",
        b"\xfe\xed\xfa\xcf",
        b"\xcf\xfa\xed\xfe",
    ];
    MAGICS.iter().any(|m| data.starts_with(m))
}

/// Packages of a Go or auditable Rust binary; None for anything else (checked by magic first).
pub(super) fn catalog(data: &[u8]) -> Option<FileResult> {
    if !is_executable_image(data) {
        return None;
    }
    let file = object::File::parse(data).ok()?;
    let go = golang::catalog(&file, data);
    let audit = file
        .section_by_name(".dep-v0")
        .and_then(|s| s.data().ok())
        .map(rust::catalog_audit_section);
    match (go, audit) {
        (None, None) => None,
        (Some(r), None) | (None, Some(r)) => Some(r),
        (Some(mut go), Some(audit)) => {
            go.packages.extend(audit.packages);
            go.error = match (go.error, audit.error) {
                (Some(a), Some(b)) => Some(format!("{a}; {b}")),
                (a, b) => a.or(b),
            };
            Some(go)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_and_doc_paths_are_excluded() {
        assert!(excluded_path("/etc/init.d/ssh"));
        assert!(excluded_path("/usr/local/bin/entrypoint.sh"));
        assert!(excluded_path("/opt/app/run.PY"));
        assert!(!excluded_path("/usr/local/bin/app"));
        assert!(!excluded_path("/usr/share/grafana/bin/grafana-server"));
        assert!(!excluded_path("/usr/lib/libfoo.so.1"));
        assert!(!excluded_path("/bin/.hidden"));
    }

    #[test]
    fn non_images_are_not_records() {
        assert_eq!(catalog(b"#!/bin/sh\necho hi\n"), None);
        assert_eq!(catalog(b"\x7fELF garbage"), None);
        assert_eq!(catalog(b"MZ"), None);
    }
}
