//! Secret heuristics for Dockerfile values (ENV/ARG names and values, URLs with credentials).
//! Deliberately small and precise; every value shown to the user goes through redaction.

use regex::Regex;
use std::sync::LazyLock;

/// Names that say "this variable holds a credential".
static SENSITIVE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(^|[_.-])(passwords?|passwd|pwd|pass|secrets?|tokens?|api[_-]?keys?|apikey|access[_-]?keys?|secret[_-]?keys?|private[_-]?keys?|client[_-]?secret|credentials?|creds|auth[_-]?token|session[_-]?key|signing[_-]?key|encryption[_-]?key|master[_-]?key|connection[_-]?string|dsn)($|[_.-])",
    )
    .expect("static regex")
});

/// Suffixes that make a sensitive-looking name point at something else (a file, a URL, an id, a length).
static NOT_A_VALUE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)([_.-](file|files|path|dir|directory|url|uri|endpoint|id|ids|name|names|user|username|length|len|size|ttl|expiry|expires|expiration|header|type|version|policy|prefix|env|var|enabled|required|mode|rounds|algorithm|hash|hashing|min|max|count|regex|pattern|location|cmd|command|helper|store|days|age|warn|warning|retries|timeout))$",
    )
    .expect("static regex")
});

/// Well-known token formats: (provider, regex).
static TOKENS: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    [
        (
            "AWS access key id",
            r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
        ),
        ("GitHub token", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b"),
        (
            "GitHub fine-grained token",
            r"\bgithub_pat_[A-Za-z0-9_]{60,255}\b",
        ),
        ("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}\b"),
        ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
        ("Stripe live key", r"\b[rs]k_live_[A-Za-z0-9]{20,}\b"),
        ("Anthropic API key", r"\bsk-ant-[A-Za-z0-9_-]{32,}\b"),
        (
            "OpenAI API key",
            r"\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}\b",
        ),
        ("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
        ("PyPI token", r"\bpypi-AgE[A-Za-z0-9_-]{50,}"),
        ("Hugging Face token", r"\bhf_[A-Za-z0-9]{34,}\b"),
        ("Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
        (
            "SendGrid API key",
            r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
        ),
        (
            "private key",
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----",
        ),
    ]
    .into_iter()
    .map(|(n, r)| (n, Regex::new(r).expect("static regex")))
    .collect()
});

static URL_CREDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://([^/\s:@'\x22]+):([^/\s@'\x22]+)@")
        .expect("static regex")
});

/// Documented example keys and obvious placeholders.
const EXAMPLE_VALUES: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
];

/// Whether a variable name says it holds a credential value.
pub fn is_sensitive_name(name: &str) -> bool {
    SENSITIVE_NAME.is_match(name) && !NOT_A_VALUE_NAME.is_match(name)
}

/// Whether a value is a placeholder, a reference or otherwise not a literal secret.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    if v.is_empty() {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    if v.starts_with('$') || v.starts_with('/') || v.starts_with("./") || v.starts_with('~') {
        return true;
    }
    if (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with("{{") && v.ends_with("}}"))
        || (v.starts_with("%("))
    {
        return true;
    }
    if v.chars()
        .all(|c| c == 'x' || c == 'X' || c == '*' || c == '.' || c == '-' || c == '_' || c == '0')
    {
        return true;
    }
    const WORDS: &[&str] = &[
        "changeme",
        "change_me",
        "change-me",
        "changeit",
        "placeholder",
        "example",
        "dummy",
        "none",
        "null",
        "nil",
        "true",
        "false",
        "yes",
        "no",
        "todo",
        "tbd",
        "redacted",
        "secret",
        "password",
        "token",
        "your-token",
        "your_token",
        "yourtoken",
        "your-password",
        "your_password",
        "notset",
        "not-set",
        "unset",
        "empty",
        "default",
        "required",
        "test",
    ];
    if WORDS.contains(&lower.as_str()) {
        return true;
    }
    lower.starts_with("your")
        || lower.starts_with("insert")
        || lower.starts_with("replace")
        || lower.contains("example")
}

/// A secret found in a value: what it is and the byte range of the secret inside the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueSecret {
    pub kind: &'static str,
    pub range: std::ops::Range<usize>,
}

/// Finds a well-known token or a URL with an embedded password in `value`.
pub fn find_in_value(value: &str) -> Option<ValueSecret> {
    for (kind, re) in TOKENS.iter() {
        if let Some(m) = re.find(value) {
            if EXAMPLE_VALUES.contains(&m.as_str()) {
                continue;
            }
            return Some(ValueSecret {
                kind,
                range: m.range(),
            });
        }
    }
    if let Some(c) = URL_CREDS.captures(value)
        && let Some(pw) = c.get(2)
        && !is_placeholder(pw.as_str())
    {
        return Some(ValueSecret {
            kind: "password in URL",
            range: pw.range(),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "DB_PASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "API_KEY",
            "GITHUB_TOKEN",
            "aws_secret_access_key",
            "SECRET_KEY_BASE",
            "NPM_TOKEN",
            "CLIENT_SECRET",
        ] {
            assert!(is_sensitive_name(n), "{n}");
        }
        for n in [
            "GPG_KEY",
            "GPG_KEYS",
            "PASSWORD_FILE",
            "POSTGRES_PASSWORD_FILE",
            "TOKEN_URL",
            "KEY_ID",
            "PATH",
            "PYTHON_SHA256",
            "PASSENGER_VERSION",
            "SECRET_NAME",
            "TOKENIZERS_PARALLELISM",
            "PASS_MAX_DAYS",
        ] {
            assert!(!is_sensitive_name(n), "{n}");
        }
    }

    #[test]
    fn values() {
        assert!(find_in_value("AKIAIOSFODNN7EXAMPLE").is_none());
        assert_eq!(
            find_in_value("x AKIAZ7VXQ3L4KD2PQRST y").map(|s| s.kind),
            Some("AWS access key id")
        );
        assert_eq!(
            find_in_value("postgres://app:Xk9mQ2vL8p@db:5432/app").map(|s| s.kind),
            Some("password in URL")
        );
        assert!(find_in_value("postgres://app:${DB_PASSWORD}@db/app").is_none());
        assert!(find_in_value("https://example.com/x").is_none());
        assert!(is_placeholder("${TOKEN}"));
        assert!(is_placeholder("<your-token>"));
        assert!(is_placeholder("changeme"));
        assert!(!is_placeholder("Xk9#mQ2vL8pR4tW7"));
    }
}

/// Replaces every well-known token and URL password in `text` by its redacted form, so evidence built from
/// a command line never carries a secret.
pub fn scrub(text: &str) -> String {
    let mut out = text.to_string();
    // Each pass redacts the first remaining secret; redacted text no longer matches.
    for _ in 0..16 {
        let Some(hit) = find_in_value(&out) else {
            break;
        };
        let Some(secret) = out.get(hit.range.clone()) else {
            break;
        };
        let redacted = bulkhead_core::text::redact(secret);
        out.replace_range(hit.range, &redacted);
    }
    out
}

#[cfg(test)]
mod scrub_tests {
    #[test]
    fn scrubs_tokens_and_url_passwords() {
        let s = super::scrub(
            "curl -H 'Authorization: token ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5' https://u:Sup3rS3cret@h/x | sh",
        );
        assert!(!s.contains("aB3dE5fG7h"), "{s}");
        assert!(!s.contains("Sup3rS3cret"), "{s}");
        assert!(s.contains("ghp_****"), "{s}");
    }
}
