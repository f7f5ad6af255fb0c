//! The engine on texts, with rules of its own (independent of the real rule set): prefilter, scopes,
//! capture group, checks, allowlists, dedupe, `scan_value`, positions, windows of long lines.

use bulkhead_core::Severity;
use bulkhead_secrets::engine::is_placeholder;
use bulkhead_secrets::{Engine, ScanConfig, Scope, SecretMatch, SecretRule};

mod support;
use support::{GITHUB, TOKEN, rule};

const PASSWORD: SecretRule = rule(
    "T002",
    Severity::High,
    &["password", "passwd"],
    r#"(?i)(?:password|passwd)\s*[:=]\s*["']?(?P<secret>[^\s"']{4,})"#,
    Scope::Line,
);
const PEM: SecretRule = rule(
    "T003",
    Severity::Critical,
    &["private key"],
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
    Scope::Text,
);
const ACME: SecretRule = SecretRule {
    allow: &["^deadbeef"],
    entropy: Some(2.5),
    ..rule(
        "T004",
        Severity::Medium,
        &["acme_"],
        r"acme_(?P<secret>[a-z0-9]{16})\b",
        Scope::Line,
    )
};
const ANCHORED: SecretRule = rule(
    "T005",
    Severity::Low,
    &["token"],
    r"^token: (?P<secret>\S+)$",
    Scope::Line,
);
/// Matches any 8 digits, but only runs where `zebra` occurs on the line.
const ZEBRA: SecretRule = rule("T006", Severity::Low, &["zebra"], r"[0-9]{8}", Scope::Line);
/// The same pattern, text scope, keyword `giraffe`.
const GIRAFFE: SecretRule = rule(
    "T007",
    Severity::Low,
    &["giraffe"],
    r"[0-9]{8}",
    Scope::Text,
);
/// Two rules matching exactly the same range, different severities.
const SAME_LOW: SecretRule = rule("T008", Severity::Low, &["zz-"], r"zz-[a-z]{8}", Scope::Line);
const SAME_HIGH: SecretRule = rule(
    "T009",
    Severity::High,
    &["zz-"],
    r"zz-[a-z]{8}",
    Scope::Line,
);
/// Keyword contained in another rule's keyword (`key` in `apikey`): overlapping keyword hits.
const APIKEY: SecretRule = rule(
    "T010",
    Severity::Medium,
    &["apikey"],
    r"apikey=(?P<secret>[A-Z0-9]{10})",
    Scope::Line,
);
const KEY: SecretRule = rule(
    "T011",
    Severity::Low,
    &["key"],
    r"key#(?P<secret>[A-Z0-9]{10})",
    Scope::Line,
);

static RULES: &[SecretRule] = &[
    GITHUB, PASSWORD, PEM, ACME, ANCHORED, ZEBRA, GIRAFFE, SAME_LOW, SAME_HIGH, APIKEY, KEY,
];

fn engine() -> Engine {
    let e = Engine::with_rules(ScanConfig::default(), RULES);
    assert!(e.rule_errors().is_empty(), "{:?}", e.rule_errors());
    e
}

fn secrets<'a>(text: &'a str, ms: &[SecretMatch]) -> Vec<(&'static str, &'a str)> {
    ms.iter()
        .map(|m| (m.rule.id, &text[m.secret_range.clone()]))
        .collect()
}

fn ids(ms: &[SecretMatch]) -> Vec<&'static str> {
    ms.iter().map(|m| m.rule.id).collect()
}

#[test]
fn the_real_rule_set_compiles() {
    let e = Engine::global();
    assert!(
        e.rule_errors().is_empty(),
        "rules left out: {:?}",
        e.rule_errors()
    );
    assert_eq!(e.rules().count(), bulkhead_secrets::rules::all().len());
    // A typical rule compiles to well under 100 KB; 200 gitleaks-style rules take about 15 MB.
    assert!(
        e.memory_usage() < 64 << 20,
        "the compiled rule set takes {} MB",
        e.memory_usage() >> 20
    );
}

#[test]
fn bad_rules_are_left_out_not_panicked_on() {
    static BAD: &[SecretRule] = &[
        rule("B1", Severity::Low, &["x"], r"(unclosed", Scope::Line),
        rule("B2", Severity::Low, &[], r"abc", Scope::Line),
        rule("B3", Severity::Low, &[""], r"abc", Scope::Line),
        SecretRule {
            allow: &["[bad"],
            ..rule("B4", Severity::Low, &["abc"], r"abc", Scope::Line)
        },
        rule("B5", Severity::Low, &["abc"], r"abc", Scope::Line),
    ];
    let e = Engine::with_rules(ScanConfig::default(), BAD);
    let bad: Vec<&str> = e.rule_errors().iter().map(|(id, _)| *id).collect();
    assert_eq!(bad, ["B1", "B2", "B3", "B4"]);
    assert_eq!(ids(&e.scan_text("xx abc")), ["B5"]);
    // No rules at all: nothing found, nothing panics.
    let empty = Engine::with_rules(ScanConfig::default(), &[]);
    assert!(empty.scan_text("password=hunter2hunter2").is_empty());
}

#[test]
fn a_rule_never_runs_without_its_keyword() {
    let e = engine();
    // The pattern matches, but `zebra` is absent: the rule does not run.
    assert!(e.scan_text("id 12345678\n").is_empty());
    // Keyword present on the line: it runs.
    assert_eq!(
        secrets("zebra 12345678", &e.scan_text("zebra 12345678")),
        [("T006", "12345678")]
    );
}

#[test]
fn keywords_are_case_insensitive() {
    let e = engine();
    for t in ["ZEBRA 12345678", "Zebra 12345678", "zEbRa:12345678"] {
        assert_eq!(ids(&e.scan_text(t)), ["T006"], "{t}");
    }
    let t = "PASSWORD = s3cr3t-V4lue";
    assert_eq!(secrets(t, &e.scan_text(t)), [("T002", "s3cr3t-V4lue")]);
}

#[test]
fn overlapping_keywords_all_trigger_their_rules() {
    let e = engine();
    // `apikey` contains `key`: both rules must run on this line.
    let t = "apikey=ABCDE12345 key#QWERT67890";
    assert_eq!(
        secrets(t, &e.scan_text(t)),
        [("T010", "ABCDE12345"), ("T011", "QWERT67890")]
    );
}

#[test]
fn line_scope_needs_the_keyword_on_the_same_line() {
    let e = engine();
    assert!(e.scan_text("zebra\n12345678\n").is_empty());
    assert!(e.scan_text("12345678\nzebra\n").is_empty());
    let t = "a\nb zebra 12345678\nc 87654321\n";
    assert_eq!(secrets(t, &e.scan_text(t)), [("T006", "12345678")]);
}

#[test]
fn text_scope_runs_on_the_whole_text_once_a_keyword_occurs() {
    let e = engine();
    assert!(e.scan_text("12345678\n").is_empty());
    let t = "12345678\nthe giraffe\n87654321\n";
    assert_eq!(
        secrets(t, &e.scan_text(t)),
        [("T007", "12345678"), ("T007", "87654321")]
    );
    let pem = "x\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq98\nQ2xv\n-----END RSA PRIVATE KEY-----\n";
    let ms = e.scan_text(pem);
    assert_eq!(ids(&ms), ["T003"]);
    assert_eq!((ms[0].line, ms[0].column), (2, 1));
    assert!(pem[ms[0].secret_range.clone()].ends_with("-----END RSA PRIVATE KEY-----"));
}

#[test]
fn secret_capture_group_or_whole_match() {
    let e = engine();
    let t = format!("password: 'Tr0ub4dor&3'\nurl={TOKEN}\n");
    let ms = e.scan_text(&t);
    assert_eq!(secrets(&t, &ms), [("T002", "Tr0ub4dor&3"), ("T001", TOKEN)]);
    // match_range covers the context, secret_range only the group.
    assert_eq!(&t[ms[0].match_range.clone()], "password: 'Tr0ub4dor&3");
    assert_eq!(ms[1].match_range, ms[1].secret_range);
}

#[test]
fn anchors_keep_their_line_meaning() {
    let e = engine();
    let t = "first line\ntoken: abc123xyz\n  token: indented\n";
    assert_eq!(secrets(t, &e.scan_text(t)), [("T005", "abc123xyz")]);
    let crlf = "first\r\ntoken: abc123xyz\r\n";
    assert_eq!(secrets(crlf, &e.scan_text(crlf)), [("T005", "abc123xyz")]);
}

#[test]
fn entropy_threshold() {
    let e = engine();
    let low = format!("ghp_{}", "ab".repeat(18));
    assert!(e.scan_text(&low).is_empty(), "1 bit/char is below 3.0");
    assert_eq!(ids(&e.scan_text(TOKEN)), ["T001"]);
    // acme: minimum 2.5 bits.
    assert!(e.scan_text("acme_aabbaabbaabbaabb").is_empty());
    assert_eq!(ids(&e.scan_text("acme_k3j5h7g9f1d2s4a6")), ["T004"]);
}

#[test]
fn rule_allow_regexes() {
    let e = engine();
    assert!(e.scan_text("acme_deadbeef3j5h7g9f").is_empty());
    assert_eq!(ids(&e.scan_text("acme_3j5h7g9fdeadbeef")), ["T004"]);
}

#[test]
fn global_allowlist_every_placeholder_form() {
    let e = engine();
    for value in [
        "changeme",
        "change_me",
        "CHANGEME",
        "password",
        "secret",
        "example",
        "dummy",
        "test",
        "xxxxxxxxxxxx",
        "XXXX-XXXX-1234",
        "********",
        "abc****xyz",
        "<your-token>",
        "<password>",
        "${DB_PASSWORD}",
        "${DB_PASSWORD:-x}",
        "$DB_PASSWORD",
        "$(cat/run/secrets/db)",
        "{{.Values.db.password}}",
        "%(db_password)s",
        "%DB_PASSWORD%",
        "null",
        "None",
        "true",
        "FALSE",
        "aaaaaaaaaa",
        "11111111",
        "my-example-pw",
        "sample123",
        "placeholder-value",
        "your_password_here",
        "insert-here",
        "[redacted]",
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    ] {
        let line = format!("password={value}");
        assert!(
            e.scan_text(&line).is_empty(),
            "{value:?} should be allowed (placeholder)"
        );
        assert!(is_placeholder(value), "{value}");
    }
    for value in ["hunter2hunter2", "S3cure!Pass", "sk_test_51Hq2vXJ3kLm9"] {
        let line = format!("password={value}");
        assert_eq!(ids(&e.scan_text(&line)), ["T002"], "{value}");
    }
}

#[test]
fn a_token_inside_a_generic_match_is_reported_once_as_the_specific_rule() {
    let e = engine();
    for t in [
        format!("password={TOKEN}"),
        format!("password: \"{TOKEN}\""),
        format!("export PASSWD='{TOKEN}'"),
    ] {
        let ms = e.scan_text(&t);
        assert_eq!(secrets(&t, &ms), [("T001", TOKEN)], "{t}");
    }
    // A generic match whose secret extends beyond the token (contains it) yields to it too.
    let t = format!("password={TOKEN}-suffix");
    let ms = e.scan_text(&t);
    assert_eq!(ids(&ms), ["T001"]);
}

#[test]
fn same_range_two_rules_higher_severity_wins() {
    let e = engine();
    let t = "id zz-abcdefgh";
    let ms = e.scan_text(t);
    assert_eq!(secrets(t, &ms), [("T009", "zz-abcdefgh")]);
}

#[test]
fn separate_secrets_are_all_reported() {
    let e = engine();
    let t = format!("a={TOKEN} b={TOKEN}\npassword=hunter2hunter2 zebra 12345678\n");
    let ms = e.scan_text(&t);
    assert_eq!(ids(&ms), ["T001", "T001", "T002", "T006"]);
    // Sorted by position.
    assert!(
        ms.windows(2)
            .all(|w| w[0].secret_range.start <= w[1].secret_range.start)
    );
}

#[test]
fn scan_value_reports_ranges_in_the_value() {
    let e = engine();
    // The generic rule sees the key name.
    let ms = e.scan_value(Some("DB_PASSWORD"), "hunter2hunter2");
    assert_eq!(ids(&ms), ["T002"]);
    assert_eq!(ms[0].secret_range, 0..14);
    assert_eq!(ms[0].match_range, 0..14, "clipped to the value");
    assert_eq!((ms[0].line, ms[0].column), (1, 1));
    // A token in the value: offsets relative to the value.
    let value = format!("Bearer {TOKEN}");
    let ms = e.scan_value(Some("AUTH"), &value);
    assert_eq!(secrets(&value, &ms), [("T001", TOKEN)]);
    assert_eq!(ms[0].secret_range.start, 7);
    assert_eq!(ms[0].column, 8);
    // A match only in the name part is dropped.
    assert!(e.scan_value(Some(TOKEN), "1").is_empty());
    assert!(e.scan_value(Some("zebra_12345678"), "x").is_empty());
    // No name: the value alone.
    assert_eq!(ids(&e.scan_value(None, TOKEN)), ["T001"]);
    // Placeholder values are not findings.
    assert!(e.scan_value(Some("PASSWORD"), "${PASSWORD}").is_empty());
    assert!(e.scan_value(Some("PASSWORD"), "changeme").is_empty());
}

#[test]
fn lines_and_columns_count_chars() {
    let e = engine();
    let t = format!("héllo wörld\n\n  ♥♥ {TOKEN}\n");
    let ms = e.scan_text(&t);
    assert_eq!(ids(&ms), ["T001"]);
    assert_eq!((ms[0].line, ms[0].column), (3, 6));
}

#[test]
fn crlf_lines() {
    let e = engine();
    let t = format!("a=1\r\npassword=hunter2hunter2\r\ntoken={TOKEN}\r\n");
    let ms = e.scan_text(&t);
    assert_eq!(
        secrets(&t, &ms),
        [("T002", "hunter2hunter2"), ("T001", TOKEN)]
    );
    assert_eq!((ms[0].line, ms[0].column), (2, 10));
    assert_eq!((ms[1].line, ms[1].column), (3, 7));
}

#[test]
fn redaction_and_debug_never_show_the_secret() {
    let e = engine();
    let t = format!("x {TOKEN}");
    let ms = e.scan_text(&t);
    assert_eq!(ms[0].redacted, "ghp_****…(40 chars)");
    let dbg = format!("{:?}", ms[0]);
    assert!(!dbg.contains(&TOKEN[4..]), "{dbg}");
    assert!(!dbg.contains(&TOKEN[10..20]));
    let t = "password=hunter2hunter2";
    let dbg = format!("{:?}", e.scan_text(t));
    assert!(!dbg.contains("hunter2"), "{dbg}");
    assert!(!ms[0].in_test_path);
}

#[test]
fn long_lines_are_scanned_in_windows_around_keywords() {
    let e = engine();
    // 1 MiB of filler on one line, secrets in the middle and at the end.
    let mut t = "a".repeat(512 * 1024);
    t.push_str(" password=hunter2hunter2 ");
    t.push_str(&"b".repeat(512 * 1024));
    t.push(' ');
    t.push_str(TOKEN);
    t.push_str("\nzebra 12345678\n");
    let ms = e.scan_text(&t);
    assert_eq!(
        secrets(&t, &ms),
        [
            ("T002", "hunter2hunter2"),
            ("T001", TOKEN),
            ("T006", "12345678")
        ]
    );
    assert_eq!((ms[0].line, ms[0].column), (1, 512 * 1024 + 11));
    assert_eq!((ms[2].line, ms[2].column), (2, 7));
    // The pattern is matched against the line (anchors hold) in a window.
    let mut t = String::from("token: abc123xyz");
    t.push_str(&" ".repeat(100_000));
    t.push_str("end");
    assert!(
        e.scan_text(&t).is_empty(),
        "`$` is the end of the line, not of the window"
    );
}

#[test]
fn small_windows_still_find_what_they_surround() {
    let cfg = ScanConfig {
        max_line_len: 64,
        line_window: 48,
        ..ScanConfig::default()
    };
    let e = Engine::with_rules(cfg, RULES);
    let mut t = String::new();
    for i in 0..200 {
        t.push_str(&format!("filler{i:03} "));
        if i % 50 == 7 {
            t.push_str(&format!("password={i:03}hunter2 "));
        }
    }
    let ms = e.scan_text(&t);
    let got: Vec<&str> = secrets(&t, &ms).into_iter().map(|(_, s)| s).collect();
    assert_eq!(
        got,
        ["007hunter2", "057hunter2", "107hunter2", "157hunter2"]
    );
}

#[test]
fn perl_classes_are_ascii() {
    static ASCII: &[SecretRule] = &[rule(
        "A1",
        Severity::Low,
        &["pw="],
        r"\bpw=(?P<secret>\w{6,})\b",
        Scope::Line,
    )];
    let e = Engine::with_rules(ScanConfig::default(), ASCII);
    let t = "x pw=abc123xyzé";
    assert_eq!(secrets(t, &e.scan_text(t)), [("A1", "abc123xyz")]);
    // A non-ASCII letter is not a word character: `\b` holds between it and `p`.
    let t = "épw=abcdef12";
    assert_eq!(secrets(t, &e.scan_text(t)), [("A1", "abcdef12")]);
    assert!(e.scan_text("pw=ab€cdefgh").is_empty());
}

#[test]
fn dedupe_tie_breaks() {
    // Both recognise the value by context, same severity: the longer keyword wins.
    static CONTEXT: &[SecretRule] = &[
        rule(
            "C1",
            Severity::High,
            &["secret"],
            r"secret\w*\s*=\s*(?P<secret>\w{12,})",
            Scope::Line,
        ),
        rule(
            "C2",
            Severity::High,
            &["aws_secret_access_key"],
            r"aws_secret_access_key\s*=\s*(?P<secret>\w{12,})",
            Scope::Line,
        ),
        // Higher severity beats a longer keyword.
        rule(
            "C3",
            Severity::Critical,
            &["vault"],
            r"vault_\w+\s*=\s*(?P<secret>\w{12,})",
            Scope::Line,
        ),
        rule(
            "C4",
            Severity::Medium,
            &["vault_token"],
            r"vault_token\s*=\s*(?P<secret>\w{12,})",
            Scope::Line,
        ),
    ];
    let e = Engine::with_rules(ScanConfig::default(), CONTEXT);
    let t = "aws_secret_access_key = AbCdEf012345678";
    assert_eq!(ids(&e.scan_text(t)), ["C2"]);
    let t = "vault_token = AbCdEf012345678";
    assert_eq!(ids(&e.scan_text(t)), ["C3"]);
    // Same everything but the rule: the lower id, deterministically.
    static TWINS: &[SecretRule] = &[
        rule(
            "D2",
            Severity::Low,
            &["tw"],
            r"tw(?P<secret>\d{6})",
            Scope::Line,
        ),
        rule(
            "D1",
            Severity::Low,
            &["tw"],
            r"tw(?P<secret>\d{6})",
            Scope::Line,
        ),
    ];
    let e = Engine::with_rules(ScanConfig::default(), TWINS);
    assert_eq!(ids(&e.scan_text("tw123456")), ["D1"]);
}

#[test]
fn inline_suppressions_drop_the_line() {
    let e = engine();
    let tok = "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5";
    for line in [
        format!("token = \"{tok}\"  # pragma: allowlist secret"),
        format!("token = \"{tok}\"  // gitleaks:allow"),
        format!("token = \"{tok}\"  # bulkhead:allow"),
        format!("token = \"{tok}\"  # nosec"),
        format!("token := \"{tok}\" //nosec G101"),
        format!("token = '{tok}' -- NOSEC"),
        format!("<token>{tok}</token> <!-- nosec -->"),
        format!("password={tok} # Pragma: Allowlist Secret"),
    ] {
        assert!(e.scan_text(&line).is_empty(), "{line}");
    }
    // Only the marked line: the next one is still reported.
    let two = format!("a = \"{tok}\"  # nosec\nb = \"{tok}\"\n");
    let ms = e.scan_text(&two);
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0].line, 2);
    // `nosec` that is not a comment marker does not suppress.
    for line in [
        format!("token = \"{tok}\"  # nosecurity review pending"),
        format!("nosec_token = \"{tok}\""),
        format!("password=abcnosec1 {tok}"),
    ] {
        assert!(!e.scan_text(&line).is_empty(), "{line}");
    }
    // A PEM block is suppressed by a marker on its first line.
    let pem =
        "-----BEGIN RSA PRIVATE KEY----- # gitleaks:allow\nMIIB\n-----END RSA PRIVATE KEY-----\n";
    assert!(e.scan_text(pem).is_empty());
    assert_eq!(e.scan_text(&pem.replace(" # gitleaks:allow", "")).len(), 1);
    // `scan_value` honours markers too.
    assert!(
        e.scan_value(Some("TOKEN"), &format!("{tok} # nosec"))
            .is_empty()
    );
}
