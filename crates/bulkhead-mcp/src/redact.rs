//! Secrets out of every result and log line: each string is passed through the redaction the image rules
//! use (values the secret engine recognises, and values of credential-named assignments such as
//! `DB_PASSWORD=…`), and a string under a credential-like key (`{"DB_PASSWORD": "…"}`, a label) is
//! judged as the assignment `KEY=value`.

use bulkhead_image::rules::history::redact_line;
use serde_json::Value;

/// Redacts `v` in place.
pub fn value(v: &mut Value) {
    match v {
        Value::String(s) => {
            let r = redact_line(s);
            if r != *s {
                *s = r;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(value),
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                match x {
                    Value::String(s) => *s = keyed(k, s),
                    other => value(other),
                }
            }
        }
        _ => {}
    }
}

/// A copy of `v`, redacted.
pub fn redacted(mut v: Value) -> Value {
    value(&mut v);
    v
}

/// The value of `key: s`, redacted as the assignment `key=s` would be.
fn keyed(key: &str, s: &str) -> String {
    let plain = redact_line(s);
    let valid_name = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && !key.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '-');
    if !valid_name || s.is_empty() || s.chars().any(char::is_whitespace) {
        return plain;
    }
    let line = redact_line(&format!("{key}={s}"));
    match line.strip_prefix(key).and_then(|r| r.strip_prefix('=')) {
        Some(v) if v != s => v.to_string(),
        _ => plain,
    }
}

/// A text, redacted.
pub fn text(s: &str) -> String {
    redact_line(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn env_entries_labels_and_nested_values_lose_their_secrets() {
        let v = redacted(json!({
            "Config": {
                "Env": ["PATH=/usr/bin", "DB_PASSWORD=hunter2-planted", "AWS=AKIAIOSFODNN7EXAMPLF"],
                "Labels": {"api_token": "t0k3n-planted-value", "maintainer": "ops@example.com"},
            },
            "Cmd": ["sh", "-c", "export SECRET_KEY=zzz-planted-zzz; exec app"],
            "Id": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        }));
        let text = v.to_string();
        for secret in [
            "hunter2-planted",
            "t0k3n-planted-value",
            "zzz-planted-zzz",
            "AKIAIOSFODNN7EXAMPLF",
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        // What is not a secret stays readable.
        assert!(text.contains("PATH=/usr/bin"));
        assert!(text.contains("ops@example.com"));
        assert!(text.contains("sha256:0123456789abcdef0123456789abcdef"));
        assert!(text.contains("DB_PASSWORD="));
    }

    #[test]
    fn placeholders_and_references_are_kept() {
        let v =
            redacted(json!({"Env": ["DB_PASSWORD_FILE=/run/secrets/db", "PASSWORD=${PASSWORD}"]}));
        let text = v.to_string();
        assert!(text.contains("/run/secrets/db"), "{text}");
        assert!(text.contains("${PASSWORD}"), "{text}");
    }
}
