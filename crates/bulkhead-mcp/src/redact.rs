//! Secrets out of every result and log line, in two passes.
//!
//! 1. Each string is judged where it stands: a whole `NAME=value` string whose name says it holds a
//!    credential (`DB_PASSWORD=correct horse battery`) loses its whole value; a string under a
//!    credential-named key (`{"db_password": "…"}`, a label) likewise; an array element after a
//!    credential flag (`["--password", "…"]`) likewise; anything else goes through the line redaction the
//!    image rules use (values the secret engine recognises, credential-named assignments inside text).
//! 2. Every secret value found in pass 1 is then scrubbed from *every* string of the result, so a value
//!    that also appears in another shape (quoted in a YAML text, inside a command line) does not survive
//!    there.

use bulkhead_core::text::redact as mask;
use bulkhead_dockerfile::secrets::{is_placeholder, is_sensitive_name};
use bulkhead_image::rules::history::redact_line;
use serde_json::Value;

/// Shortest secret value scrubbed everywhere in pass 2 (shorter ones would hit ordinary words).
const MIN_SCRUB: usize = 6;

/// Redacts `v` in place.
pub fn value(v: &mut Value) {
    let mut found = Vec::new();
    judge(v, None, &mut found);
    found.retain(|s| s.chars().count() >= MIN_SCRUB && !s.contains("****"));
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    found.dedup();
    if !found.is_empty() {
        scrub_all(v, &found);
    }
}

/// A copy of `v`, redacted.
pub fn redacted(mut v: Value) -> Value {
    value(&mut v);
    v
}

/// A text, redacted.
pub fn text(s: &str) -> String {
    let mut v = Value::String(s.to_string());
    value(&mut v);
    match v {
        Value::String(s) => s,
        _ => String::new(),
    }
}

/// A name that says it holds a credential: the shared heuristic, plus names run together
/// (`pgpassword`, `dbpasswd`, `mysql_pwd`) as labels and tool options often spell them.
fn credential_name(name: &str) -> bool {
    if is_sensitive_name(name) {
        return true;
    }
    let n = name.trim_start_matches('-').to_ascii_lowercase();
    let n = n
        .strip_prefix('d')
        .filter(|_| name.starts_with("-D"))
        .unwrap_or(&n);
    [
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
    ]
    .iter()
    .any(|suffix| n.ends_with(suffix))
        && !n.ends_with("_file")
        && !n.ends_with("-file")
}

/// Commands whose short flag takes a credential as the next word.
fn short_credential_flag(command: &str, flag: &str) -> bool {
    let cmd = command.rsplit('/').next().unwrap_or(command);
    matches!(
        (cmd, flag),
        ("sshpass", "-p")
            | ("redis-cli", "-a")
            | (
                "mysql" | "mysqldump" | "mysqladmin" | "mariadb" | "mariadb-dump",
                "-p"
            )
            | ("htpasswd", "-b")
    )
}

/// Secrets among the shell words of `s`: the word after a credential flag (`--password X`,
/// `sshpass -p X`), and the value of a credential assignment inside a word (`-Ddb.password=X`,
/// `--token=X`).
fn word_secrets(s: &str, found: &mut Vec<String>) {
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ';' || c == '\'' || c == '"')
        .filter(|w| !w.is_empty())
        .collect();
    let mut command = "";
    for (i, w) in words.iter().enumerate() {
        if i == 0 || matches!(words[i - 1], "&&" | "||" | "|" | "exec" | "sudo") {
            command = w;
        }
        if let Some(next) = words.get(i + 1)
            && (credential_flag(w) || short_credential_flag(command, w))
            && !next.starts_with('-')
            && literal(next)
        {
            found.push((*next).to_string());
        }
        // `A=-Ddb.password=X`: every `name=` in the word, with what follows it.
        let parts: Vec<&str> = w.split('=').collect();
        for i in 0..parts.len().saturating_sub(1) {
            let name = parts[i];
            let val = parts[i + 1..].join("=");
            if !name.is_empty() && credential_name(name) && literal(&val) {
                found.push(val);
                break;
            }
        }
    }
}

/// Whether `value` under a credential name is a literal secret (not empty, a placeholder or a reference).
fn literal(value: &str) -> bool {
    let v = value.trim();
    !v.is_empty() && !is_placeholder(v) && !v.contains("****")
}

/// `--password`, `-token`, `--api-key`: a flag whose value is a credential.
fn credential_flag(s: &str) -> bool {
    let name = s.trim_start_matches('-');
    s.starts_with('-') && !name.is_empty() && !name.contains('=') && credential_name(name)
}

/// Redacts one string; what was a secret goes to `found`.
fn judge_str(s: &mut String, key: Option<&str>, flagged: bool, found: &mut Vec<String>) {
    if flagged && literal(s) {
        found.push(s.clone());
        *s = mask(s);
        return;
    }
    if let Some(k) = key
        && credential_name(k)
        && literal(s)
    {
        found.push(s.clone());
        *s = mask(s);
        return;
    }
    // A whole assignment: `NAME=value with spaces` (the shared rule), and names run together
    // (`pgpassword=…`) that only this stricter pass treats as credentials.
    if let Some((name, val)) = s.split_once('=')
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && credential_name(name)
        && literal(val)
    {
        found.push(val.to_string());
        *s = format!("{name}={}", mask(val));
        return;
    }
    // JSON inside a value (a label, an environment variable): judged as JSON.
    let t = s.trim_start();
    if (t.starts_with('{') || t.starts_with('['))
        && let Ok(mut inner) = serde_json::from_str::<Value>(t)
    {
        let before = found.len();
        judge(&mut inner, key, found);
        let hits: Vec<String> = found[before..].to_vec();
        for h in hits {
            *s = s.replace(&h, &mask(&h));
        }
    }
    // Flags and nested assignments among the words.
    let before = found.len();
    word_secrets(s, found);
    let hits: Vec<String> = found[before..].to_vec();
    for h in hits {
        if h.chars().count() >= 4 {
            *s = s.replace(&h, &mask(&h));
        }
    }
    let r = redact_line(s);
    if r != *s {
        // What the line redaction took out: the words of the original the redacted text no longer has.
        for word in
            s.split(|c: char| c.is_whitespace() || matches!(c, '=' | '"' | '\'' | ',' | ';'))
        {
            if word.len() >= MIN_SCRUB && !r.contains(word) {
                found.push(word.to_string());
            }
        }
        *s = r;
    }
}

fn judge(v: &mut Value, key: Option<&str>, found: &mut Vec<String>) {
    match v {
        Value::String(s) => judge_str(s, key, false, found),
        Value::Array(items) => {
            let mut flagged = false;
            let command = items
                .first()
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            for item in items.iter_mut() {
                match item {
                    Value::String(s) => {
                        let is_flag = credential_flag(s) || short_credential_flag(&command, s);
                        judge_str(s, None, flagged, found);
                        flagged = is_flag;
                    }
                    other => {
                        judge(other, None, found);
                        flagged = false;
                    }
                }
            }
        }
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                judge(x, Some(k.as_str()), found);
            }
        }
        // A number under a credential name (`{"DB_PASSWORD": 12345678}`) is a credential too.
        Value::Number(n) if key.is_some_and(credential_name) => {
            let text = n.to_string();
            found.push(text.clone());
            *v = Value::String(mask(&text));
        }
        _ => {}
    }
}

fn scrub_all(v: &mut Value, secrets: &[String]) {
    match v {
        Value::String(s) => {
            for secret in secrets {
                if s.contains(secret.as_str()) {
                    *s = s.replace(secret.as_str(), &mask(secret));
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| scrub_all(x, secrets)),
        Value::Object(map) => map.values_mut().for_each(|x| scrub_all(x, secrets)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn leaks(v: &Value, secrets: &[&str]) -> Vec<String> {
        let text = v.to_string();
        secrets
            .iter()
            .filter(|s| text.contains(*s))
            .map(|s| s.to_string())
            .collect()
    }

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
        let l = leaks(
            &v,
            &[
                "hunter2-planted",
                "t0k3n-planted-value",
                "zzz-planted-zzz",
                "AKIAIOSFODNN7EXAMPLF",
            ],
        );
        assert!(l.is_empty(), "{l:?} leaked: {text}");
        // What is not a secret stays readable.
        assert!(text.contains("PATH=/usr/bin"));
        assert!(text.contains("ops@example.com"));
        assert!(text.contains("sha256:0123456789abcdef0123456789abcdef"));
        assert!(text.contains("DB_PASSWORD="));
    }

    #[test]
    fn values_with_spaces_flags_and_other_shapes_of_the_same_secret() {
        let v = redacted(json!({
            "Env": ["DB_PASSWORD=correct horse battery staple"],
            "Labels": {"db_password": "two words secret", "com.example.token": "tokABC123xyz789"},
            "Cmd": ["app", "--password", "PosArgSecret99", "--verbose", "x"],
            // The same values, elsewhere, in shapes the per-string rules do not see.
            "compose_service": "labels:\n  \"com.example.token\": \"tokABC123xyz789\"\ncommand: [\"PosArgSecret99\"]\n",
            "docker_run": "docker run -e DB_PASSWORD='correct horse battery staple' app",
        }));
        let l = leaks(
            &v,
            &[
                "correct horse battery staple",
                "two words secret",
                "tokABC123xyz789",
                "PosArgSecret99",
            ],
        );
        assert!(l.is_empty(), "{l:?} leaked: {v}");
        assert!(v.to_string().contains("--verbose"), "{v}");
        assert_eq!(v["Cmd"][4], "x");
    }

    #[test]
    fn run_together_names_nested_assignments_json_and_flags_in_text() {
        let v = redacted(json!({
            "Env": ["JAVA_OPTS=-Dspring.datasource.password=javasecret42 -Xmx1g"],
            "Labels": {"pgpassword": "lblpgsecret7", "app.config": "{\"token\":\"lbljson555x\"}"},
            "Cmd": ["sshpass", "-p", "sshpsecret9", "ssh", "host"],
            "command": "sh -c 'sleep 3600' x --password=eqsecret111 --password spacesec222 --db-password dbpw4secret",
            "CreatedBy": "/bin/sh -c mysql --password imgrunsecret5 -u root",
            "Options": {"dbpasswd": "netpw2secret"},
        }));
        let l = leaks(
            &v,
            &[
                "javasecret42",
                "lblpgsecret7",
                "lbljson555x",
                "sshpsecret9",
                "eqsecret111",
                "spacesec222",
                "dbpw4secret",
                "imgrunsecret5",
                "netpw2secret",
            ],
        );
        assert!(l.is_empty(), "{l:?} leaked: {v}");
        let text = v.to_string();
        for kept in ["-Xmx1g", "sleep 3600", "ssh", "host", "-u root", "mysql"] {
            assert!(text.contains(kept), "{kept} lost: {text}");
        }
    }

    #[test]
    fn numbers_under_credential_names_are_masked() {
        let v = redacted(json!({"environment": {"DB_PASSWORD": 87654321, "PORT": 5432}}));
        assert!(!v.to_string().contains("87654321"), "{v}");
        assert_eq!(v["environment"]["PORT"], 5432);
    }

    #[test]
    fn ordinary_commands_keep_their_words() {
        let v = redacted(json!({
            "Cmd": ["mkdir", "-p", "build", "--token-file", "/run/secrets/t"],
            "command": "docker run -p 8080:80 nginx && tar -xpf a.tar",
            "Labels": {"org.opencontainers.image.title": "web", "maintainer": "ops"},
        }));
        assert_eq!(
            v["Cmd"],
            json!(["mkdir", "-p", "build", "--token-file", "/run/secrets/t"])
        );
        assert_eq!(
            v["command"],
            "docker run -p 8080:80 nginx && tar -xpf a.tar"
        );
    }

    #[test]
    fn placeholders_and_references_are_kept() {
        let v = redacted(
            json!({"Env": ["DB_PASSWORD_FILE=/run/secrets/db", "PASSWORD=${PASSWORD}"], "Labels": {"token": ""}}),
        );
        let text = v.to_string();
        assert!(text.contains("/run/secrets/db"), "{text}");
        assert!(text.contains("${PASSWORD}"), "{text}");
    }

    #[test]
    fn text_redaction_covers_echoed_input() {
        let t = text(
            "refused: argument `content` is {\"DB_PASSWORD\":\"LogLeak1234567\"} and AKIAIOSFODNN7EXAMPLF",
        );
        assert!(!t.contains("LogLeak1234567"), "{t}");
        assert!(!t.contains("AKIAIOSFODNN7EXAMPLF"), "{t}");
    }
}
