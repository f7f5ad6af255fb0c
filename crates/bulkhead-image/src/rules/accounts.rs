//! The account databases of an image (`/etc/passwd`, `/etc/shadow`, `/etc/group`), read from the files the
//! reader captured. Tolerant: blank lines, comments, NIS `+`/`-` lines and lines with too few fields are
//! skipped; a non-numeric id is kept as `None`.

use crate::model::ImageFs;

/// The user database (world-readable).
pub const PASSWD: &str = "/etc/passwd";
/// The password hashes.
pub const SHADOW: &str = "/etc/shadow";
/// The group database.
pub const GROUP: &str = "/etc/group";
/// The files the reader should capture for the account rules (IM001, IM008, IM009).
pub const CAPTURED: [&str; 3] = [PASSWD, SHADOW, GROUP];

/// One `/etc/passwd` line: `name:password:uid:gid:gecos:home:shell`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    /// 1-based line number.
    pub line: usize,
    /// Login name.
    pub name: String,
    /// The password field: `x` (in /etc/shadow), empty, locked or a hash.
    pub password: String,
    /// `None` when not a number.
    pub uid: Option<u64>,
    /// Primary group; `None` when not a number.
    pub gid: Option<u64>,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
}

/// One `/etc/shadow` line: `name:password:lastchg:min:max:warn:inactive:expire:reserved`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowEntry {
    /// 1-based line number.
    pub line: usize,
    /// Login name.
    pub name: String,
    /// The hash, empty, or a lock marker (`*`, `!`, `!!`, `!<hash>`).
    pub password: String,
}

/// One `/etc/group` line: `name:password:gid:members`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEntry {
    /// 1-based line number.
    pub line: usize,
    /// Group name.
    pub name: String,
    /// `None` when not a number.
    pub gid: Option<u64>,
}

/// Lines worth reading, split on `:`, with their 1-based numbers.
fn records(bytes: &[u8], min_fields: usize) -> impl Iterator<Item = (usize, Vec<&str>)> {
    let text = std::str::from_utf8(bytes).unwrap_or("");
    text.lines().enumerate().filter_map(move |(i, l)| {
        let l = l.trim_end_matches('\r');
        if l.trim().is_empty() || l.starts_with('#') || l.starts_with('+') || l.starts_with('-') {
            return None;
        }
        let fields: Vec<&str> = l.split(':').collect();
        (fields.len() >= min_fields && !fields[0].is_empty()).then_some((i + 1, fields))
    })
}

/// Parses `/etc/passwd` (non-UTF-8 content gives nothing).
pub fn parse_passwd(bytes: &[u8]) -> Vec<PasswdEntry> {
    records(bytes, 4)
        .map(|(line, f)| PasswdEntry {
            line,
            name: f[0].to_string(),
            password: f[1].to_string(),
            uid: f[2].trim().parse().ok(),
            gid: f[3].trim().parse().ok(),
            home: f.get(5).unwrap_or(&"").to_string(),
            shell: f.get(6).unwrap_or(&"").to_string(),
        })
        .collect()
}

/// Parses `/etc/shadow`.
pub fn parse_shadow(bytes: &[u8]) -> Vec<ShadowEntry> {
    records(bytes, 2)
        .map(|(line, f)| ShadowEntry {
            line,
            name: f[0].to_string(),
            password: f[1].to_string(),
        })
        .collect()
}

/// Parses `/etc/group`.
pub fn parse_group(bytes: &[u8]) -> Vec<GroupEntry> {
    records(bytes, 3)
        .map(|(line, f)| GroupEntry {
            line,
            name: f[0].to_string(),
            gid: f[2].trim().parse().ok(),
        })
        .collect()
}

/// `/etc/passwd` of the squashed tree, when captured.
pub fn passwd(fs: &ImageFs) -> Option<Vec<PasswdEntry>> {
    fs.content(PASSWD).map(parse_passwd)
}

/// What a password field allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordField {
    /// Empty: login (and `su`) without a password.
    Empty,
    /// `x` in `/etc/passwd`: the hash is in `/etc/shadow`.
    Shadowed,
    /// Locked or no valid hash (`!`, `*`, `!!`, `!$6$…`, `*LK*`, anything that is not a crypt hash):
    /// no password matches.
    Locked,
    /// A traditional DES hash (13 characters) or BSDi extended DES (`_…`): cracked in minutes.
    WeakDes,
    /// An MD5-crypt hash (`$1$…`, `$md5…`): fast to brute-force.
    WeakMd5,
    /// A modern crypt hash (`$5$`, `$6$`, `$y$`, `$2b$`, `$7$`, …).
    Strong,
}

/// Classifies a password field of `/etc/shadow` (`in_passwd` false) or `/etc/passwd` (true).
pub fn classify_password(field: &str, in_passwd: bool) -> PasswordField {
    if field.is_empty() {
        return PasswordField::Empty;
    }
    if in_passwd && field == "x" {
        return PasswordField::Shadowed;
    }
    if field.starts_with('!') || field.starts_with('*') {
        return PasswordField::Locked;
    }
    let crypt_char = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '/';
    if field.len() == 13 && field.chars().all(crypt_char) {
        return PasswordField::WeakDes;
    }
    if field.len() == 20 && field.starts_with('_') && field[1..].chars().all(crypt_char) {
        return PasswordField::WeakDes;
    }
    if field.starts_with("$1$") || field.starts_with("$md5") {
        return PasswordField::WeakMd5;
    }
    if field.starts_with('$') && field.len() > 4 && field[1..].contains('$') {
        return PasswordField::Strong;
    }
    PasswordField::Locked
}

/// Whether a login shell is a real shell (not `nologin`, `false`, `sync`, ...).
pub fn is_login_shell(shell: &str) -> bool {
    let name = shell.rsplit('/').next().unwrap_or(shell);
    !shell.is_empty()
        && !matches!(
            name,
            "nologin" | "false" | "true" | "sync" | "shutdown" | "halt"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tolerantly() {
        let p = parse_passwd(
            b"root:x:0:0:root:/root:/bin/bash\n\n# comment\n+nis\nbroken\napp:x:abc:1000::/home/app:/bin/sh\r\n",
        );
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].uid, p[0].line), (Some(0), 1));
        assert_eq!((p[1].uid, p[1].gid, p[1].line), (None, Some(1000), 6));
        assert_eq!(p[1].shell, "/bin/sh");
        assert!(parse_passwd(b"\xff\xfe:x:0:0").is_empty());
        let s = parse_shadow(b"root:*:19000:0:99999:7:::\nx\n");
        assert_eq!(s.len(), 1);
        let g = parse_group(b"root:x:0:\nwheel:x:10:root\nbad:x\n");
        assert_eq!(g.len(), 2);
        assert_eq!(g[1].gid, Some(10));
    }

    #[test]
    fn password_fields() {
        use PasswordField::*;
        for (f, want) in [
            ("", Empty),
            ("*", Locked),
            ("!", Locked),
            ("!!", Locked),
            ("!*", Locked),
            ("*LK*", Locked),
            ("!$6$salt$hash", Locked),
            ("NP", Locked),
            ("abJnggxhB/yWI", WeakDes),
            ("_J9..CCCCXBrJUJV154M", WeakDes),
            ("$1$salt$qJH7.N4xYta3aEG/dfqo/0", WeakMd5),
            ("$6$rounds=5000$salt$hash", Strong),
            ("$y$j9T$salt$hash", Strong),
            ("$2b$12$abcdefghijklmnopqrstuv", Strong),
        ] {
            assert_eq!(classify_password(f, false), want, "{f}");
        }
        assert_eq!(classify_password("x", true), Shadowed);
        assert_eq!(classify_password("x", false), Locked);
        assert!(is_login_shell("/bin/bash"));
        assert!(!is_login_shell("/usr/sbin/nologin"));
        assert!(!is_login_shell("/bin/false"));
    }

    #[test]
    fn hostile_files_never_panic() {
        for bytes in [
            &b""[..],
            b":::::::",
            b"\n\n:\n",
            b"root:\xff\xfe:0:0",
            b"a:_:1:1\nb:$:2:2\nc:$1:3:3\nd:_\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9:4:4",
            "é:é:é:é:é:é:é".as_bytes(),
        ] {
            let _ = parse_passwd(bytes);
            let _ = parse_group(bytes);
            for e in parse_shadow(bytes) {
                let _ = classify_password(&e.password, false);
                let _ = classify_password(&e.password, true);
            }
        }
        for f in ["_", "_éééééééééé", "$", "$1", "$é$", "ééééééééééééé"] {
            let _ = classify_password(f, false);
        }
    }
}
