//! Post-match checks for [`crate::SecretRule::validate`]: what no regex can say about a secret
//! (that it base64-decodes to `user:password`, that a JWT header is JSON naming its algorithm).
//! Every check is total: malformed input is "not a secret", never a panic.

/// Decodes base64, standard (`+/`) or URL-safe (`-_`) alphabet, with or without `=` padding.
/// `None` when a character is outside both alphabets, the padding is misplaced, or the length
/// cannot be base64 (one character left over). Mixed alphabets are refused.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let body = s.trim_end_matches('=');
    let pad = s.len() - body.len();
    if pad > 2 || (pad > 0 && !s.len().is_multiple_of(4)) || body.len() % 4 == 1 {
        return None;
    }
    let std = body.contains(['+', '/']);
    let url = body.contains(['-', '_']);
    if std && url {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in body.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Whether the value is written in the standard base64 alphabet with a length base64 can have
/// (what Docker writes in `auth`).
fn is_std_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && s.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        && body.len() % 4 != 1
}

/// Docker's `auth`: base64 of `user:password`, both parts non-empty printable text (UTF-8, no
/// control characters but a trailing newline, as `echo user:pass | base64` writes). Values that are not standard base64 at all (`identitytoken` and
/// `registrytoken` JWTs and opaque tokens, which share the rule) pass unchecked.
pub fn docker_auth(s: &str) -> bool {
    if !is_std_base64(s) {
        return true;
    }
    let Some(bytes) = base64_decode(s) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return false;
    };
    // `echo user:pass | base64` adds a newline: such configs are written by hand and work.
    let text = text.strip_suffix('\n').unwrap_or(text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    let Some((user, pass)) = text.split_once(':') else {
        return false;
    };
    !user.is_empty() && !pass.is_empty() && !text.chars().any(char::is_control)
}

/// A JWT: the header (first part) base64url-decodes to a JSON object naming its algorithm
/// (`{"alg":…}`), and the payload (second part) to a JSON object.
pub fn jwt(s: &str) -> bool {
    let mut parts = s.split('.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    let json_object = |part: &str| {
        base64_decode(part)
            .and_then(|b| String::from_utf8(b).ok())
            .filter(|t| {
                let t = t.trim();
                t.starts_with('{') && t.ends_with('}')
            })
    };
    json_object(header).is_some_and(|h| h.contains("\"alg\"")) && json_object(payload).is_some()
}

/// A Discord bot token: the first part base64-decodes to the bot's snowflake id, 17 to 20 decimal
/// digits without a leading zero.
pub fn discord_bot_token(s: &str) -> bool {
    let Some(id) = s.split('.').next().and_then(base64_decode) else {
        return false;
    };
    (17..=20).contains(&id.len()) && id.first() != Some(&b'0') && id.iter().all(u8::is_ascii_digit)
}

/// The body of an `OPENSSH PRIVATE KEY` block, not encrypted: when it starts with the format's magic
/// (`openssh-key-v1\0`, base64 `b3BlbnNzaC1rZXktdjE…`), the cipher that follows must be `none`
/// (encrypted keys have a rule of their own). A body without the magic (cut, reformatted, or a
/// fragment pasted into a config) is still a private key block and passes.
pub fn openssh_unencrypted(body: &str) -> bool {
    const MAGIC: &str = "b3BlbnNzaC1rZXktdjE";
    const NONE: &str = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmU";
    !body.starts_with(MAGIC) || body.starts_with(NONE)
}

/// The entropy (bits per character) above which [`password_literal`] asks nothing more.
pub const PASSWORD_ENTROPY: f64 = 3.0;

/// Words whose (de-leeted) letters make a default or placeholder password: `Passw0rd!`,
/// `admin1234`, `changeit1`, `welcome1` are defaults, not someone's chosen secret.
const DEFAULT_PASSWORD_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "admin",
    "administrator",
    "secret",
    "changeme",
    "changeit",
    "welcome",
    "letmein",
    "qwerty",
    "test",
    "testing",
    "guest",
    "root",
    "user",
    "username",
    "default",
    "example",
    "demo",
    "sample",
    "dummy",
    "foobar",
    "foo",
    "bar",
    "abc",
    "abcd",
    "mypassword",
    "mysecret",
    "postgres",
    "mysql",
    "oracle",
    "redis",
    "rabbitmq",
    "minio",
    "minioadmin",
    "dbpass",
    "dbpassword",
];

/// A password value for `generic-password`, whose pattern admits entropy down to 2.5 bits per
/// character so that weak but real passwords (`hardcoded3`, `Summer2024`) are found. Above
/// [`PASSWORD_ENTROPY`] any literal passes; below it the value must also be at least 8 characters,
/// mix letters with digits or symbols (not one word, not a number), and not be a default or
/// placeholder word dressed with digits (`password1`, `P@ssw0rd`, `admin123`).
pub fn password_literal(s: &str) -> bool {
    if bulkhead_core::text::shannon_entropy(s) >= PASSWORD_ENTROPY {
        return true;
    }
    if s.chars().count() < 8 {
        return false;
    }
    let letters = s.bytes().any(|b| b.is_ascii_alphabetic());
    let others = s.bytes().any(|b| !b.is_ascii_alphabetic());
    if !letters || !others {
        return false;
    }
    // De-leet, then keep the letters: `P@ssw0rd!` → `password`, `admin123` → `admin`.
    let word: String = s
        .chars()
        .filter_map(|c| match c.to_ascii_lowercase() {
            '0' => Some('o'),
            '@' | '4' => Some('a'),
            '3' => Some('e'),
            '$' | '5' => Some('s'),
            c if c.is_ascii_lowercase() => Some(c),
            _ => None,
        })
        .collect();
    let bare: String = s
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    !DEFAULT_PASSWORD_WORDS
        .iter()
        .any(|w| *w == word || *w == bare)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert_eq!(
            base64_decode("dXNlcjpwYXNz").as_deref(),
            Some(&b"user:pass"[..])
        );
        assert_eq!(
            base64_decode("dXNlcjpwYQ==").as_deref(),
            Some(&b"user:pa"[..])
        );
        assert_eq!(
            base64_decode("dXNlcjpwYQ").as_deref(),
            Some(&b"user:pa"[..])
        );
        assert_eq!(base64_decode("-_8").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(base64_decode("+/8").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(base64_decode("").as_deref(), Some(&b""[..]));
        for bad in ["a", "abcde", "ab=c", "ab===", "a+b_", "ab c", "dXNlcjpwYQ="] {
            assert!(base64_decode(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn docker() {
        assert!(docker_auth("bm9ydGh3aW5kLWNpOmlSRURNb1JlOURVZVd1NGI5bVg2"));
        // `echo ci:Wm3xQ8vLp2 | base64`, with its newline.
        assert!(docker_auth("Y2k6V20zeFE4dkxwMgo="));
        assert!(!docker_auth("Y2k6V20zeFE4dkxwMgoK"));
        // `:password` (no user), `user:` (no password), no colon, binary.
        assert!(!docker_auth("OnBhc3N3b3Jk"));
        assert!(!docker_auth("dXNlcjo="));
        assert!(!docker_auth("bm9ydGh3aW5kLWNp"));
        assert!(!docker_auth("zq21/+8AAQIDBAUGBwgJCgsMDQ4PEBESExQV"));
        // Tokens that are not base64 at all are left to the pattern.
        assert!(docker_auth("3y7X6Qd4VKW0y1tp.Q88zxNWtfcbIU3oyG3s6"));
    }

    #[test]
    fn jwts() {
        // {"alg":"HS256","typ":"JWT"} . {"sub":"svc"}
        assert!(jwt(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMifQ.c2ln"
        ));
        // {"typ":"JWT"}: no algorithm.
        assert!(!jwt("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJzdmMifQ.c2ln"));
        // Header not base64 JSON.
        assert!(!jwt(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ.eyJzdWIiOiJzdmMifQ.c2ln"
        ));
        assert!(!jwt("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"));
    }

    #[test]
    fn discord() {
        assert!(discord_bot_token("ODM5NzM3NjQ0MjgxODgxNzc2.K7gRz9.40jZAi"));
        // 0123456789012345678: leading zero.
        assert!(!discord_bot_token(
            "MDEyMzQ1Njc4OTAxMjM0NTY3OA.K7gRz9.40jZAi"
        ));
        // 123456789012: too short for a snowflake.
        assert!(!discord_bot_token("MTIzNDU2Nzg5MDEy.K7gRz9.40jZAi"));
        assert!(!discord_bot_token(
            "aGVsbG8gd29ybGQgZnJvbSBtZQ.K7gRz9.40jZAi"
        ));
    }

    #[test]
    fn openssh() {
        assert!(openssh_unencrypted(
            "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"
        ));
        assert!(openssh_unencrypted("QyNTUxOQAAACCtrF27B"));
        assert!(!openssh_unencrypted(
            "b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0"
        ));
    }

    #[test]
    fn passwords() {
        // Weak but real: 2.5 to 3 bits per character, letters and digits.
        for p in ["hardcoded3", "Summer2024", "welcome-home-77", "hunter22x"] {
            assert!(password_literal(p), "{p}");
        }
        // High entropy passes whatever it looks like.
        assert!(password_literal("lA2D!FNQEoQ!%xZ9"));
        // Low entropy: too short, one word, a number, a dressed default.
        for p in [
            "abc1234",
            "hardcoded",
            "20242024",
            "password1",
            "P@ssw0rd",
            "Admin!!11",
            "Welcome1!!",
            "demo2024!",
        ] {
            assert!(!password_literal(p), "{p}");
        }
    }
}
