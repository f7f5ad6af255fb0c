//! A reference rule set for the throughput benchmark: the usual shapes of secret rules (token
//! prefixes, context-keyed assignments with captures and entropy, URL credentials keyed on `://`,
//! multi-line PEM and service-account blocks), so the engine can be measured against a realistic
//! load whatever the state of the real rule set. Not used by the product.

use bulkhead_core::Severity;
use bulkhead_secrets::{Scope, SecretRule};

const fn r(
    id: &'static str,
    severity: Severity,
    keywords: &'static [&'static str],
    pattern: &'static str,
    entropy: Option<f64>,
) -> SecretRule {
    SecretRule {
        id,
        name: id,
        title: id,
        severity,
        keywords,
        pattern,
        scope: Scope::Line,
        entropy,
        validate: None,
        allow: &[],
        aliases: &[],
        examples: &[],
        near_misses: &[],
        doc: "",
    }
}

const fn text(rule: SecretRule) -> SecretRule {
    SecretRule {
        scope: Scope::Text,
        ..rule
    }
}

use Severity::{Critical as C, High as H, Medium as M};

pub static REFERENCE_RULES: &[SecretRule] = &[
    r("R01", C, &["ghp_"], r"\bghp_[A-Za-z0-9]{36}\b", Some(3.0)),
    r("R02", C, &["gho_"], r"\bgho_[A-Za-z0-9]{36}\b", Some(3.0)),
    r(
        "R03",
        C,
        &["ghu_", "ghs_"],
        r"\bgh[us]_[A-Za-z0-9]{36}\b",
        Some(3.0),
    ),
    r(
        "R04",
        C,
        &["github_pat_"],
        r"\bgithub_pat_[A-Za-z0-9_]{82}\b",
        Some(3.0),
    ),
    r(
        "R05",
        C,
        &["glpat-"],
        r"\bglpat-[A-Za-z0-9_-]{20}\b",
        Some(3.0),
    ),
    r(
        "R06",
        C,
        &["akia", "asia", "abia", "acca"],
        r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b",
        Some(3.0),
    ),
    r(
        "R07",
        C,
        &["aws_secret", "secret_access_key"],
        r#"(?i)aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?(?P<secret>[A-Za-z0-9/+=]{40})\b"#,
        Some(3.5),
    ),
    r(
        "R08",
        H,
        &["xoxb-"],
        r"\bxoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24}\b",
        None,
    ),
    r(
        "R09",
        H,
        &["xoxp-"],
        r"\bxoxp-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[a-f0-9]{32}\b",
        None,
    ),
    r(
        "R10",
        M,
        &["hooks.slack.com"],
        r"https://hooks\.slack\.com/services/T[A-Z0-9]{8,10}/B[A-Z0-9]{8,10}/[A-Za-z0-9]{24}",
        None,
    ),
    r(
        "R11",
        C,
        &["sk_live_", "rk_live_", "sk_test_"],
        r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{24,99}\b",
        Some(3.0),
    ),
    r("R12", H, &["aiza"], r"\bAIza[0-9A-Za-z_-]{35}\b", Some(3.0)),
    text(r(
        "R13",
        C,
        &["service_account"],
        r#""type"\s*:\s*"service_account"[\s\S]*?"private_key"\s*:\s*"(?P<secret>-----BEGIN[^"]+)""#,
        None,
    )),
    text(r(
        "R14",
        C,
        &["private key"],
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----",
        None,
    )),
    r("R15", C, &["npm_"], r"\bnpm_[A-Za-z0-9]{36}\b", Some(3.0)),
    r(
        "R16",
        H,
        &["_authtoken"],
        r"(?i)_authToken\s*=\s*(?P<secret>[A-Za-z0-9_\-.]{20,})",
        Some(3.0),
    ),
    r(
        "R17",
        C,
        &["pypi-ageichlwas5vcmc"],
        r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}",
        None,
    ),
    r(
        "R18",
        H,
        &["\"auth\""],
        r#""auth"\s*:\s*"(?P<secret>[A-Za-z0-9+/=]{16,})""#,
        Some(3.0),
    ),
    r(
        "R19",
        C,
        &["t3blbkfj"],
        r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}\b",
        None,
    ),
    r(
        "R20",
        C,
        &["sk-ant-"],
        r"\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,}",
        None,
    ),
    r(
        "R21",
        M,
        &["eyj"],
        r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
        None,
    ),
    r(
        "R22",
        H,
        &["://"],
        r"\b[a-z][a-z0-9+.-]{1,20}://[^\s:@/]{1,64}:(?P<secret>[^\s:@/]{3,128})@[^\s/]+",
        None,
    ),
    r(
        "R23",
        H,
        &["password", "passwd", "pwd"],
        r#"(?i)(?:password|passwd|pwd)["']?\s*[:=]\s*["'](?P<secret>[^"'\s]{6,})["']"#,
        None,
    ),
    r(
        "R24",
        M,
        &["secret"],
        r#"(?i)secret[\w-]{0,20}["']?\s*[:=]\s*["']?(?P<secret>[A-Za-z0-9/+=_\-]{12,})"#,
        Some(3.0),
    ),
    r(
        "R25",
        M,
        &["token"],
        r#"(?i)token[\w-]{0,20}["']?\s*[:=]\s*["']?(?P<secret>[A-Za-z0-9/+=_\-.]{16,})"#,
        Some(3.5),
    ),
    r(
        "R26",
        M,
        &["api_key", "apikey", "api-key"],
        r#"(?i)api[_-]?key["']?\s*[:=]\s*["']?(?P<secret>[A-Za-z0-9_\-]{16,})"#,
        Some(3.0),
    ),
    r(
        "R27",
        H,
        &["sg."],
        r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
        None,
    ),
    r("R28", H, &["key-"], r"\bkey-[0-9a-f]{32}\b", Some(3.0)),
    r(
        "R29",
        H,
        &["heroku"],
        r#"(?i)heroku[\w-]{0,20}["']?\s*[:=]\s*["']?(?P<secret>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"#,
        None,
    ),
    r(
        "R30",
        C,
        &["accountkey="],
        r"(?i)AccountKey=(?P<secret>[A-Za-z0-9+/]{86}==)",
        None,
    ),
    r(
        "R31",
        H,
        &["client_secret", "clientsecret"],
        r#"(?i)client_?secret["']?\s*[:=]\s*["']?(?P<secret>[A-Za-z0-9_~.\-]{16,})"#,
        Some(3.0),
    ),
    r(
        "R32",
        H,
        &["shpat_", "shpss_", "shpca_"],
        r"\bshp(?:at|ss|ca)_[a-fA-F0-9]{32}\b",
        None,
    ),
    r("R33", H, &["dop_v1_"], r"\bdop_v1_[a-f0-9]{64}\b", None),
    r("R34", C, &["hvs."], r"\bhvs\.[A-Za-z0-9_-]{90,}", None),
    r("R35", H, &["dapi"], r"\bdapi[a-f0-9]{32}\b", None),
    r(
        "R36",
        M,
        &[":aa"],
        r"\b[0-9]{8,10}:AA[0-9A-Za-z_-]{33}\b",
        None,
    ),
    r(
        "R37",
        M,
        &["authorization"],
        r"(?i)authorization:\s*basic\s+(?P<secret>[A-Za-z0-9+/=]{16,})",
        Some(3.0),
    ),
    r(
        "R38",
        M,
        &["bearer"],
        r"(?i)\bbearer\s+(?P<secret>[A-Za-z0-9_\-.=]{20,})",
        Some(3.5),
    ),
    r(
        "R39",
        C,
        &["age-secret-key-1"],
        r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
        None,
    ),
    r(
        "R40",
        H,
        &["sq0atp-", "sq0csp-"],
        r"\bsq0(?:atp|csp)-[0-9A-Za-z_-]{22,43}\b",
        None,
    ),
    r(
        "R41",
        H,
        &["dckr_pat_"],
        r"\bdckr_pat_[A-Za-z0-9_-]{27}\b",
        None,
    ),
    r("R42", H, &["hf_"], r"\bhf_[A-Za-z]{34}\b", Some(3.0)),
];
