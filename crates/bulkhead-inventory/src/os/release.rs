//! OS identity: `os-release` (`KEY=value` lines, values optionally quoted, `#` comments), and the
//! fallbacks `/etc/alpine-release` (`3.20.3`) and `/etc/debian_version` (`12.5`, or `trixie/sid`).

use crate::model::{FileResult, OsInfo};

/// Wrap a parse result as a [`FileResult`].
pub fn result(parsed: Result<OsInfo, String>) -> FileResult {
    match parsed {
        Ok(os) => FileResult {
            os: Some(os),
            ..FileResult::default()
        },
        Err(error) => FileResult {
            error: Some(error),
            ..FileResult::default()
        },
    }
}

/// Parse an `os-release` file. `ID` defaults to `linux` as the os-release specification says; a file
/// without any `KEY=value` line is an error.
pub fn parse_os_release(data: &[u8]) -> Result<OsInfo, String> {
    let text = super::text(data);
    let mut os = OsInfo::default();
    let mut assignments = 0usize;
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        assignments += 1;
        let value = unquote(value.trim());
        let value = (!value.is_empty()).then_some(value);
        match key {
            "ID" => os.id = value.unwrap_or_default().to_lowercase(),
            "VERSION_ID" => os.version_id = value,
            "VERSION_CODENAME" => os.version_codename = value,
            "PRETTY_NAME" => os.pretty_name = value,
            "ID_LIKE" => {
                os.id_like = value
                    .unwrap_or_default()
                    .split_whitespace()
                    .map(str::to_lowercase)
                    .collect()
            }
            _ => {}
        }
    }
    if assignments == 0 {
        return Err("not an os-release file: no KEY=value line".to_string());
    }
    if os.id.is_empty() {
        os.id = "linux".to_string();
    }
    Ok(os)
}

/// A shell-style value: `"..."` with `\"`, `\\`, `` \` `` and `\$` escapes, `'...'` literal, or bare.
fn unquote(value: &str) -> String {
    if let Some(rest) = value.strip_prefix('"') {
        let mut out = String::with_capacity(rest.len());
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some(next @ ('"' | '\\' | '`' | '$')) => out.push(next),
                    Some(next) => {
                        out.push('\\');
                        out.push(next);
                    }
                    None => out.push('\\'),
                },
                c => out.push(c),
            }
        }
        out
    } else if let Some(rest) = value.strip_prefix('\'') {
        rest.split('\'').next().unwrap_or_default().to_string()
    } else {
        value.to_string()
    }
}

/// First non-empty line of a one-line release file, or an error naming the file kind.
fn first_line<'a>(text: &'a str, what: &str) -> Result<&'a str, String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    match line {
        Some(line) if line.len() <= 64 && line.chars().all(|c| c.is_ascii_graphic()) => Ok(line),
        Some(_) => Err(format!("not {what}: expected one short version line")),
        None => Err(format!("not {what}: empty")),
    }
}

/// Parse `/etc/alpine-release` (`3.20.3`).
pub fn parse_alpine_release(data: &[u8]) -> Result<OsInfo, String> {
    let text = super::text(data);
    let version = first_line(&text, "an alpine-release file")?;
    Ok(OsInfo {
        id: "alpine".to_string(),
        version_id: Some(version.to_string()),
        ..OsInfo::default()
    })
}

/// Parse `/etc/debian_version`: a number (`12.5`) is the version, a name (`trixie/sid`) the codename.
pub fn parse_debian_version(data: &[u8]) -> Result<OsInfo, String> {
    let text = super::text(data);
    let line = first_line(&text, "a debian_version file")?;
    let mut os = OsInfo {
        id: "debian".to_string(),
        ..OsInfo::default()
    };
    if line.starts_with(|c: char| c.is_ascii_digit()) {
        os.version_id = Some(line.to_string());
    } else {
        os.version_codename = line.split('/').next().map(str::to_string);
    }
    Ok(os)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_fields() {
        let text = br#"# comment
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION_CODENAME=bookworm
ID=debian
ID_LIKE='rhel centos fedora'
HOME_URL="https://www.debian.org/ \"quoted\""
"#;
        let os = parse_os_release(text).unwrap_or_default();
        assert_eq!(os.id, "debian");
        assert_eq!(os.version_id.as_deref(), Some("12"));
        assert_eq!(os.version_codename.as_deref(), Some("bookworm"));
        assert_eq!(
            os.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(os.id_like, vec!["rhel", "centos", "fedora"]);
    }

    #[test]
    fn os_release_defaults_and_errors() {
        let os = parse_os_release(b"NAME=Thing\n").unwrap_or_default();
        assert_eq!(os.id, "linux");
        assert!(parse_os_release(b"").is_err());
        assert!(parse_os_release(b"\x00\x01garbage").is_err());
        assert_eq!(unquote(r#""a\$b\\c\"d" trailing"#), "a$b\\c\"d");
        assert_eq!(unquote("'x y'"), "x y");
    }

    #[test]
    fn fallback_files() {
        let alpine = parse_alpine_release(b"3.20.3\n").unwrap_or_default();
        assert_eq!(
            (alpine.id.as_str(), alpine.version_id.as_deref()),
            ("alpine", Some("3.20.3"))
        );
        let debian = parse_debian_version(b"12.5\n").unwrap_or_default();
        assert_eq!(debian.version_id.as_deref(), Some("12.5"));
        let sid = parse_debian_version(b"trixie/sid\n").unwrap_or_default();
        assert_eq!(sid.version_codename.as_deref(), Some("trixie"));
        assert!(parse_alpine_release(b"").is_err());
        assert!(parse_alpine_release(&[0xff; 200]).is_err());
    }
}
