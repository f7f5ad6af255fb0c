//! The global allowlist (placeholders, templates, documented vendor example keys) and test-fixture
//! path detection. Every rule's candidate secret goes through [`is_placeholder`] after the rule's own
//! `entropy` and `allow` checks.

/// Values that are placeholders when they are the whole secret (compared case-insensitively).
const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "password",
    "passwd",
    "secret",
    "example",
    "dummy",
    "test",
    "null",
    "none",
    "nil",
    "undefined",
    "true",
    "false",
    "todo",
    "tbd",
];

/// Substrings that mark a placeholder anywhere in the secret (compared case-insensitively).
const PLACEHOLDER_MARKERS: &[&str] = &[
    "example",
    "sample",
    "placeholder",
    "your_",
    "your-",
    "insert",
    "redacted",
    "changeme",
    "change_me",
    "change-me",
    "dummy",
    "xxxx",
    "****",
];

/// Example credentials published in vendors' documentation (compared exactly, as substrings).
/// Those containing `EXAMPLE` are caught by the markers too; they are listed to be explicit.
const VENDOR_EXAMPLE_KEYS: &[&str] = &[
    // AWS documentation: access key id and secret access key.
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    // Stripe API reference test keys.
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "pk_test_TYooMQauvdEDq54NiTphI7jx",
    "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    // The jwt.io sample token.
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
];

/// Whether a candidate secret is a placeholder, a template reference or a documented example key
/// rather than a credential.
///
/// Recognised (case-insensitive; surrounding quotes and whitespace ignored):
/// * whole-value words: `changeme`, `change_me`, `password`, `secret`, `example`, `dummy`, `test`,
///   `null`, `none`, `nil`, `undefined`, `true`, `false`, `todo`, `tbd`;
/// * a value made of one repeated character (`xxxxxxxx`, `********`, `00000000`);
/// * markers anywhere: `example`, `sample`, `placeholder`, `your_`, `your-`, `insert`, `redacted`,
///   `changeme`, `dummy`, `xxxx`, `****`;
/// * template and variable references: `<...>`, `${...}`, `$VAR`, `$(...)`, `{{...}}`, `%(...)s`,
///   `%VAR%`;
/// * vendors' documented example keys (AWS `AKIAIOSFODNN7EXAMPLE`, Stripe's API-reference test keys,
///   the jwt.io sample token).
pub fn is_placeholder(secret: &str) -> bool {
    let s = secret
        .trim()
        .trim_matches(|c| matches!(c, '"' | '\'' | '`'))
        .trim();
    if s.is_empty() {
        return true;
    }
    if VENDOR_EXAMPLE_KEYS.iter().any(|k| s.contains(k)) {
        return true;
    }
    let mut chars = s.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.contains(&lower.as_str()) {
        return true;
    }
    if PLACEHOLDER_MARKERS.iter().any(|m| lower.contains(m)) {
        return true;
    }
    is_template(s)
}

/// Template and variable references: `<...>`, `${...}`, `$VAR`, `$(...)`, `{{...}}`, `%(...)s`, `%VAR%`.
fn is_template(s: &str) -> bool {
    if let Some(open) = s.find('<')
        && s.get(open + 1..).is_some_and(|rest| rest.contains('>'))
    {
        return true;
    }
    if s.contains("${") || s.contains("$(") {
        return true;
    }
    if let Some(open) = s.find("{{")
        && s.get(open + 2..).is_some_and(|rest| rest.contains("}}"))
    {
        return true;
    }
    if let Some(open) = s.find("%(")
        && s.get(open + 2..).is_some_and(|rest| rest.contains(")s"))
    {
        return true;
    }
    if let Some(name) = s.strip_prefix('$')
        && is_identifier(name)
    {
        return true;
    }
    if let Some(name) = s.strip_prefix('%').and_then(|r| r.strip_suffix('%'))
        && is_identifier(name)
    {
        return true;
    }
    false
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether a path is a test fixture or third-party code: a test/fixture/dependency directory
/// ([`crate::files::is_test_path`]) or a test file name (`*_test.go`, `*.test.js`, `*.spec.ts`,
/// `test_*.py`, `*_test.py`, `*_spec.rb`, `*Test.java`, `*Tests.cs`, ...).
pub fn is_test_path(path: &str) -> bool {
    if crate::files::is_test_path(path) {
        return true;
    }
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    is_test_file_name(name)
}

fn is_test_file_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.contains(".test.") || lower.contains(".spec.") {
        return true;
    }
    let (stem, ext) = match name.split_once('.') {
        Some((stem, ext)) => (stem, ext),
        None => (name, ""),
    };
    if ext.is_empty() {
        return false;
    }
    let stem_lower = stem.to_ascii_lowercase();
    if stem_lower.starts_with("test_")
        || stem_lower.ends_with("_test")
        || stem_lower.ends_with("-test")
        || stem_lower.ends_with("_spec")
        || stem_lower.ends_with("_tests")
    {
        return true;
    }
    // JVM and .NET conventions: `FooTest.java`, `FooTests.cs` (case-sensitive, so `latest.txt` is not one).
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "java" | "kt" | "scala" | "groovy" | "cs" | "fs" | "vb"
    ) && stem.len() > 4
        && (stem.ends_with("Test") || stem.ends_with("Tests") || stem.ends_with("IT"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for p in [
            "changeme",
            "CHANGE_ME",
            "password",
            "\"secret\"",
            "xxxxxxxxxxxxxxxx",
            "sk_live_xxxxxxxxxxxxxxxx",
            "****",
            "<your-token>",
            "${DB_PASSWORD}",
            "$DB_PASSWORD",
            "$(cat /run/secrets/db)",
            "{{ .Values.password }}",
            "%(password)s",
            "%PASSWORD%",
            "null",
            "None",
            "true",
            "aaaaaaaaaaaa",
            "my-example-key",
            "SAMPLE_TOKEN_1",
            "placeholder",
            "your_api_key_here",
            "insert-key-here",
            "[REDACTED]",
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
            "",
        ] {
            assert!(is_placeholder(p), "{p:?} should be a placeholder");
        }
        for s in [
            "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5",
            "sk_test_51Hq2vXJ3kLm9",
            "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
            "hunter2hunter",
            "latest-token-9f8e",
            "a<b",
        ] {
            assert!(!is_placeholder(s), "{s:?} should not be a placeholder");
        }
    }

    #[test]
    fn test_paths() {
        for p in [
            "tests/fixtures/.env",
            "src/__tests__/a.js",
            "pkg/auth_test.go",
            "web/app.test.js",
            "web/app.spec.ts",
            "py/test_config.py",
            "py/config_test.py",
            "rb/user_spec.rb",
            "src/main/java/FooTest.java",
            "Foo.Tests/BarTests.cs",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in [
            "src/main.rs",
            "latest.txt",
            "contest.go",
            "attestation.json",
            ".env",
            "testing.md",
        ] {
            assert!(!is_test_path(p), "{p}");
        }
    }
}
