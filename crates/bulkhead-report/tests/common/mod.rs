//! A small multi-stage Dockerfile and a handful of findings over it, shared by the renderer tests.
#![allow(dead_code)]

use bulkhead_core::text::LineIndex;
use bulkhead_core::{
    Category, Evidence, Finding, Fix, Location, Profile, RuleMeta, Severity, Span, TextEdit,
};
use bulkhead_report::{InputDiagnostic, ReportInput};
use std::borrow::Cow;
use std::collections::HashMap;

pub const SECRET: &str = "npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";

pub const DOCKERFILE: &str = "\
FROM node:latest AS build
WORKDIR /app
COPY . .
ENV NPM_TOKEN=npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789
RUN npm ci \\
 && npm run build

FROM node:20-slim
COPY --from=build /app/dist /app
EXPOSE 22
USER root
CMD [\"node\", \"/app/server.js\"]
";

pub const SECRET_LINE: &str = "ENV NPM_TOKEN=npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";

macro_rules! rule {
    ($id:literal, $name:literal, $title:literal, $sev:ident, $cat:ident, [$($a:literal),*], [$($c:literal),*], $rem:literal, $doc:literal, $fixable:literal) => {
        RuleMeta {
            id: $id,
            name: $name,
            title: $title,
            severity: Severity::$sev,
            category: Category::$cat,
            aliases: &[$($a),*],
            compliance: &[$($c),*],
            remediation: $rem,
            doc: $doc,
            min_profile: Profile::Dev,
            fixable: $fixable,
        }
    };
}

pub const DF001: RuleMeta = rule!(
    "DF001",
    "root-user",
    "Final stage runs as root",
    High,
    Security,
    ["DL3002", "DS-0002"],
    ["CIS-Docker-4.1"],
    "Add a `USER` instruction with a non-root user to the final stage.",
    " ## What it does\n Checks that the final stage does not run as root.\n\n ## Why is this bad?\n A process that escapes the container is root on the host.\n\n ## Example\n ```dockerfile\n USER root\n ```\n",
    true
);
pub const DF002: RuleMeta = rule!(
    "DF002",
    "latest-tag",
    "Base image uses the `latest` tag",
    Medium,
    Security,
    ["DL3007"],
    [],
    "Pin the base image to a version tag or a digest.",
    " ## What it does\n Flags `FROM` images without a tag or with `latest`.\n",
    false
);
pub const DF010: RuleMeta = rule!(
    "DF010",
    "expose-ssh",
    "SSH port exposed",
    Low,
    BestPractice,
    [],
    [],
    "Do not run SSH in a container; use `docker exec`.",
    "",
    false
);
pub const DF020: RuleMeta = rule!(
    "DF020",
    "npm-scripts",
    "npm install runs package scripts",
    Info,
    BestPractice,
    [],
    [],
    "Use `npm ci --ignore-scripts` where the build allows it.",
    " Install scripts of dependencies run with the build's privileges.\n",
    false
);
pub const SC001: RuleMeta = rule!(
    "SC001",
    "secret-in-env",
    "Secret in ENV",
    Critical,
    Security,
    ["CKV_DOCKER_9"],
    ["PCI-DSS-3.5"],
    "Pass the token as a build secret (`RUN --mount=type=secret`) and rotate it.",
    " ## What it does\n Finds credentials in `ENV` and `ARG`.\n",
    false
);
pub const CT005: RuleMeta = rule!(
    "CT005",
    "caps-not-dropped",
    "Capabilities not dropped",
    High,
    Security,
    ["CIS-5.3"],
    ["CIS-Docker-5.3"],
    "Run with `--cap-drop ALL` and add back only what is needed.",
    " ## What it does\n Checks that running containers drop capabilities.\n",
    false
);

/// Rules that ran. `CP001` (used by one finding) is deliberately missing.
pub const RULES: &[RuleMeta] = &[DF001, DF002, DF010, DF020, SC001, CT005];

/// The span of the `nth` occurrence of `needle` in `text`.
pub fn span_of(text: &str, needle: &str) -> Span {
    let start = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in text"));
    LineIndex::new(text).span(text, start, start + needle.len())
}

pub fn finding(meta: &RuleMeta, message: &str, location: Location) -> Finding {
    Finding::new(meta, message, location)
}

/// Findings over [`DOCKERFILE`], a compose file without source and an engine object, deliberately not in
/// report order.
pub fn findings() -> Vec<Finding> {
    let d = DOCKERFILE;
    let user = span_of(d, "USER root");
    let root_start = user.byte_start + "USER ".len();
    let secret = span_of(d, SECRET);
    let cp001 = RuleMeta {
        id: "CP001",
        name: "privileged",
        title: "Service runs privileged",
        remediation: "Remove `privileged: true`; add only the capabilities the service needs.",
        aliases: &[],
        ..DF002
    };
    vec![
        finding(
            &DF001,
            "the final stage runs as `root`",
            Location::file("Dockerfile").with_span(user),
        )
        .with_evidence(Evidence::plain("USER root"))
        .with_fix(Fix {
            description: "run as an unprivileged user (10001)".into(),
            safe: true,
            edits: vec![TextEdit {
                path: "Dockerfile".into(),
                start: root_start,
                end: root_start + "root".len(),
                replacement: "10001".into(),
            }],
        }),
        finding(
            &CT005,
            "all default capabilities are kept",
            Location {
                path: None,
                span: None,
                object: Some("container web / HostConfig.CapDrop".into()),
            },
        )
        .with_evidence(Evidence::plain("CapDrop: []")),
        finding(
            &SC001,
            "an npm token is stored in the image configuration",
            Location::file("Dockerfile").with_span(secret),
        )
        .with_evidence(Evidence::redacted("NPM_TOKEN=", SECRET)),
        finding(
            &DF002,
            "`node:latest` moves without notice",
            Location::file("Dockerfile").with_span(span_of(d, "node:latest")),
        )
        .with_fix(Fix {
            description: "pin to the current major version".into(),
            safe: false,
            edits: vec![],
        }),
        finding(
            &DF010,
            "port 22 (SSH) is exposed",
            Location::file("Dockerfile").with_span(span_of(d, "EXPOSE 22")),
        ),
        finding(
            &DF020,
            "dependencies' install scripts run during the build",
            Location::file("Dockerfile").with_span(span_of(d, "RUN npm ci \\\n && npm run build")),
        ),
        finding(
            &cp001,
            "service `web` runs privileged",
            Location::file("compose.yaml").with_span(Span {
                start_line: 3,
                start_column: 5,
                end_line: 3,
                end_column: 21,
                byte_start: 30,
                byte_end: 46,
            }),
        )
        .with_severity(Severity::Critical),
    ]
}

pub fn diagnostics() -> Vec<InputDiagnostic> {
    vec![InputDiagnostic::new(
        "Dockerfile.dev",
        Some(12),
        "unterminated heredoc",
    )]
}

/// Sources: the Dockerfile only.
pub fn sources() -> HashMap<String, String> {
    HashMap::from([("Dockerfile".to_string(), DOCKERFILE.to_string())])
}

/// Builds a [`ReportInput`] and hands it to `f`.
pub fn with_input<R>(
    findings: &[Finding],
    diagnostics: &[InputDiagnostic],
    files: &HashMap<String, String>,
    f: impl FnOnce(&ReportInput<'_>) -> R,
) -> R {
    let lookup = |p: &str| files.get(p).map(|s| Cow::Borrowed(s.as_str()));
    let input = ReportInput {
        findings,
        rules: RULES,
        sources: &lookup,
        tool_version: "0.1.0",
        files_scanned: 3,
        diagnostics,
        subject: None,
    };
    f(&input)
}
