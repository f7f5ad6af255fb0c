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

/// Whether a variable name says it holds a credential value.
pub fn is_sensitive_name(name: &str) -> bool {
    SENSITIVE_NAME.is_match(name) && !NOT_A_VALUE_NAME.is_match(name)
}

/// Whether a value is a placeholder, a reference or otherwise not a literal secret: the secret engine's
/// placeholder rules, plus what is only a non-secret in a Dockerfile value (a path, `$VAR`, a few
/// configuration words such as `yes`, `default`, `required`).
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim().trim_matches(|c| c == '"' || c == '\'');
    if bulkhead_secrets::engine::is_placeholder(v) {
        return true;
    }
    if v.starts_with('$') || v.starts_with('/') || v.starts_with("./") || v.starts_with('~') {
        return true;
    }
    const WORDS: &[&str] = &[
        "changeit", "yes", "no", "token", "notset", "not-set", "unset", "empty", "default",
        "required",
    ];
    let lower = v.to_ascii_lowercase();
    WORDS.contains(&lower.as_str()) || lower.starts_with("replace")
}

/// A secret found in a value: what it is and the byte range of the secret inside the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueSecret {
    /// The detector's title (`GitHub personal access token`).
    pub kind: &'static str,
    /// The detector's id (`SC0xx`).
    pub rule_id: &'static str,
    pub range: std::ops::Range<usize>,
}

/// Finds a secret in `value` with the secret engine (well-known token formats, URLs with passwords,
/// private keys, ...). With `name`, the engine also sees the assignment (`NAME=value`), so generic
/// `password=` detectors apply.
pub fn find_in_assignment(name: Option<&str>, value: &str) -> Option<ValueSecret> {
    bulkhead_secrets::Engine::global()
        .scan_value(name, value)
        .into_iter()
        .next()
        .map(|m| ValueSecret {
            kind: m.rule.title,
            rule_id: m.rule.id,
            range: m.secret_range,
        })
}

/// [`find_in_assignment`] without a name.
pub fn find_in_value(value: &str) -> Option<ValueSecret> {
    find_in_assignment(None, value)
}

/// Replaces every secret the engine finds in `text` by its redacted form, so evidence built from a
/// command line never carries a secret.
pub fn scrub(text: &str) -> String {
    let mut matches = bulkhead_secrets::Engine::global().scan_text(text);
    matches.sort_by_key(|m| std::cmp::Reverse(m.secret_range.start));
    let mut out = text.to_string();
    let mut last_start = usize::MAX;
    for m in matches {
        let r = m.secret_range.clone();
        if r.end > last_start || out.get(r.clone()).is_none() {
            continue;
        }
        out.replace_range(r.clone(), &m.redacted);
        last_start = r.start;
    }
    out
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
        assert!(find_in_value("x AKIAZ7VXQ3L4KD2PQRST y").is_some());
        assert!(find_in_value("postgres://app:Xk9mQ2vL8p@db:5432/app").is_some());
        assert!(find_in_value("postgres://app:${DB_PASSWORD}@db/app").is_none());
        assert!(find_in_value("https://example.com/x").is_none());
        assert!(is_placeholder("${TOKEN}"));
        assert!(is_placeholder("<your-token>"));
        assert!(is_placeholder("changeme"));
        assert!(!is_placeholder("Xk9#mQ2vL8pR4tW7"));
    }
}

#[cfg(test)]
mod scrub_tests {
    #[test]
    fn scrubs_tokens_and_url_passwords() {
        let s = super::scrub(
            "curl -H 'Authorization: token ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5' https://u:Xq7Lm2Vb9Rk4Tz8W@h/x | sh",
        );
        assert!(!s.contains("aB3dE5fG7h"), "{s}");
        assert!(!s.contains("Xq7Lm2Vb9Rk4"), "{s}");
        assert!(s.contains("ghp_****"), "{s}");
    }
}
