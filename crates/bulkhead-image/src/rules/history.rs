//! Reading history `created_by` lines, as the builders write them:
//!
//! - classic builder: `/bin/sh -c #(nop)  ENV PATH=/usr/local/bin:…` for instructions without a command,
//!   `/bin/sh -c apt-get update` for `RUN`, `|2 NPM_TOKEN=… FOO=bar /bin/sh -c npm ci` for a `RUN` that sees
//!   build arguments (their values are recorded!);
//! - BuildKit: `RUN /bin/sh -c apt-get update # buildkit`, `RUN |1 NPM_TOKEN=… /bin/sh -c npm ci # buildkit`,
//!   `ENV K=V`, `ARG K=default`, `COPY . /app # buildkit`;
//! - anything else (`BusyBox 1.38.0 (musl)`, kaniko/buildah variants) is shown as written.

use bulkhead_dockerfile::secrets::{is_placeholder, is_sensitive_name, scrub};
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// Longest instruction text shown in a location (chars).
pub const DISPLAY_LEN: usize = 80;

/// Where an assignment of a history line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentKind {
    /// A build argument a `RUN` saw (`|N K=V … /bin/sh -c …`): the value given at build time.
    BuildArg,
    /// An `ARG` default.
    Arg,
    /// An `ENV`.
    Env,
}

/// One `NAME=value` of a history line. Ranges index the raw `created_by` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Build argument, `ARG` default or `ENV`.
    pub kind: AssignmentKind,
    /// The variable name.
    pub name: String,
    /// The value with surrounding quotes removed.
    pub value: String,
    /// The value as written (quotes included).
    pub value_range: Range<usize>,
}

/// Splits `s` (starting at byte `base` of the line) into whitespace-separated words, keeping quoted parts
/// (`"a b"`, `'a b'`) inside their word. Returns byte ranges into the line.
fn words(s: &str, base: usize) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c.is_whitespace() => {
                if let Some(st) = start.take() {
                    out.push(base + st..base + i);
                }
            }
            None => {
                if start.is_none() {
                    start = Some(i);
                }
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
            }
        }
    }
    if let Some(st) = start {
        out.push(base + st..base + s.len());
    }
    out
}

/// The `|N` build-argument prefix of a RUN: `(N, byte offset just after "|N")`.
fn build_arg_prefix(s: &str) -> Option<(usize, usize)> {
    let rest = s.strip_prefix('|')?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let n: usize = rest.get(..digits)?.parse().ok()?;
    let after = 1 + digits;
    s[after..]
        .starts_with(char::is_whitespace)
        .then_some((n, after))
}

/// Offset of the part of a line after `prefix` and the whitespace that follows it.
fn after(s: &str, prefix: &str) -> Option<usize> {
    let rest = s.strip_prefix(prefix)?;
    Some(s.len() - rest.trim_start().len())
}

/// The instruction part of a raw line: `(offset of it, is a RUN)`, with the `/bin/sh -c #(nop)` wrapper,
/// `RUN ` prefix and build-argument prefix skipped.
struct Parsed {
    /// Byte offset where the instruction (or the RUN command) starts.
    body: usize,
    /// End of the meaningful text (before ` # buildkit`).
    end: usize,
    run: bool,
    /// Build-argument words, for a RUN that has them.
    build_args: Vec<Range<usize>>,
}

fn parse(raw: &str) -> Parsed {
    let trimmed_end = raw.trim_end();
    let end = trimmed_end
        .strip_suffix("# buildkit")
        .map(|s| s.trim_end().len())
        .unwrap_or(trimmed_end.len());
    let text = &raw[..end];
    let mut pos = text.len() - text.trim_start().len();
    let mut run = false;
    if let Some(a) = after(&text[pos..], "RUN ") {
        pos += a;
        run = true;
    }
    let mut build_args = Vec::new();
    if let Some((n, a)) = build_arg_prefix(&text[pos..]) {
        let words = words(&text[pos + a..], pos + a);
        let taken: Vec<Range<usize>> = words.into_iter().take(n).collect();
        if let Some(last) = taken.last() {
            let rest = &text[last.end..];
            pos = text.len() - rest.trim_start().len();
        }
        build_args = taken;
        run = true;
    }
    if let Some(a) = after(&text[pos..], "/bin/sh -c #(nop)") {
        return Parsed {
            body: pos + a,
            end,
            run: false,
            build_args,
        };
    }
    if let Some(a) = after(&text[pos..], "/bin/sh -c") {
        pos += a;
        run = true;
    }
    Parsed {
        body: pos,
        end,
        run,
        build_args,
    }
}

/// The instruction a history line records, as a Dockerfile would say it, without build arguments:
/// `RUN npm ci`, `ENV PATH=/usr/local/bin`, `COPY . /app`. Not redacted: see [`display`].
pub fn instruction(raw: &str) -> String {
    let p = parse(raw);
    let body = raw.get(p.body..p.end).unwrap_or("").trim();
    if p.run {
        format!("RUN {body}").trim_end().to_string()
    } else {
        body.to_string()
    }
}

/// [`instruction`], redacted ([`redact_line`]) and shortened to [`DISPLAY_LEN`] characters.
pub fn display(raw: &str) -> String {
    let text = redact_line(&instruction(raw));
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > DISPLAY_LEN {
        let cut: String = text.chars().take(DISPLAY_LEN - 1).collect();
        format!("{}…", cut.trim_end())
    } else {
        text
    }
}

/// `NAME=value` with an optionally quoted value.
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?P<k>[A-Za-z_][A-Za-z0-9_.-]*)=(?P<v>"[^"]*"|'[^']*'|[^\s"']+)"#)
        .expect("static regex")
});

/// Redacts a line for display: secrets the engine recognises, and the values of assignments whose name
/// says they hold a credential (`DB_PASSWORD=…`), unless the value is a placeholder or a reference.
pub fn redact_line(text: &str) -> String {
    let scrubbed = scrub(text);
    ASSIGNMENT
        .replace_all(&scrubbed, |c: &regex::Captures| {
            let k = c.name("k").map_or("", |m| m.as_str());
            let v = c.name("v").map_or("", |m| m.as_str());
            let unquoted = unquote(v);
            if is_sensitive_name(k) && !is_placeholder(unquoted) && !unquoted.contains("****") {
                format!("{k}={}", bulkhead_core::text::redact(unquoted))
            } else {
                format!("{k}={v}")
            }
        })
        .into_owned()
}

/// Redacts one `NAME=value` entry (an `Env` entry, a label as `key=value`) as a whole: when the name says
/// it holds a credential, the whole value is masked, spaces included (`DB_PASSWORD=correct horse battery`
/// would otherwise keep `horse battery`); anything else goes through [`redact_line`].
pub fn redact_assignment(entry: &str) -> String {
    if let Some((name, value)) = entry.split_once('=')
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && is_sensitive_name(name)
        && !value.trim().is_empty()
        && !is_placeholder(value)
        && !value.contains("****")
    {
        return format!("{name}={}", bulkhead_core::text::redact(value));
    }
    redact_line(entry)
}

fn unquote(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

fn assignment(raw: &str, word: &Range<usize>, kind: AssignmentKind) -> Option<Assignment> {
    let w = raw.get(word.clone())?;
    let (name, value) = w.split_once('=')?;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return None;
    }
    let vstart = word.start + name.len() + 1;
    Some(Assignment {
        kind,
        name: name.to_string(),
        value: unquote(value).to_string(),
        value_range: vstart..word.end,
    })
}

/// The assignments a history line records: build arguments of a RUN, `ARG` defaults, `ENV` values.
pub fn assignments(raw: &str) -> Vec<Assignment> {
    let p = parse(raw);
    let mut out: Vec<Assignment> = p
        .build_args
        .iter()
        .filter_map(|w| assignment(raw, w, AssignmentKind::BuildArg))
        .collect();
    if p.run {
        return out;
    }
    let body = raw.get(p.body..p.end).unwrap_or("");
    let (kind, offset) = if let Some(a) = after(body, "ARG ") {
        (AssignmentKind::Arg, a)
    } else if let Some(a) = after(body, "ENV ") {
        (AssignmentKind::Env, a)
    } else {
        return out;
    };
    let base = p.body + offset;
    let rest = raw.get(base..p.end).unwrap_or("");
    let ws = words(rest, base);
    // Legacy `ENV NAME value with spaces`.
    if kind == AssignmentKind::Env
        && let Some(first) = ws.first()
        && !raw.get(first.clone()).unwrap_or("").contains('=')
    {
        if let (Some(second), Some(last)) = (ws.get(1), ws.last()) {
            out.push(Assignment {
                kind,
                name: raw.get(first.clone()).unwrap_or("").to_string(),
                value: unquote(raw.get(second.start..last.end).unwrap_or("")).to_string(),
                value_range: second.start..last.end,
            });
        }
        return out;
    }
    out.extend(ws.iter().filter_map(|w| assignment(raw, w, kind)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "npm_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5";

    #[test]
    fn instructions_of_both_builders() {
        assert_eq!(
            instruction("/bin/sh -c #(nop)  ENV PATH=/usr/local/bin:/usr/bin"),
            "ENV PATH=/usr/local/bin:/usr/bin"
        );
        assert_eq!(
            instruction("/bin/sh -c apt-get update && apt-get install -y curl"),
            "RUN apt-get update && apt-get install -y curl"
        );
        assert_eq!(
            instruction("RUN /bin/sh -c apk add --no-cache curl # buildkit"),
            "RUN apk add --no-cache curl"
        );
        assert_eq!(
            instruction(&format!("|2 NPM_TOKEN={TOKEN} FOO=bar /bin/sh -c npm ci")),
            "RUN npm ci"
        );
        assert_eq!(
            instruction(&format!(
                "RUN |1 NPM_TOKEN={TOKEN} /bin/sh -c npm ci # buildkit"
            )),
            "RUN npm ci"
        );
        assert_eq!(instruction("COPY . /app # buildkit"), "COPY . /app");
        assert_eq!(
            instruction("BusyBox 1.38.0 (musl), Alpine 3.23.5"),
            "BusyBox 1.38.0 (musl), Alpine 3.23.5"
        );
        assert_eq!(instruction(""), "");
        assert_eq!(instruction("|x"), "|x");
        assert_eq!(instruction("|3 A=b"), "RUN");
    }

    #[test]
    fn assignments_of_build_args_arg_and_env() {
        let raw = format!("RUN |2 NPM_TOKEN={TOKEN} FOO=\"a b\" /bin/sh -c npm ci # buildkit");
        let a = assignments(&raw);
        assert_eq!(a.len(), 2, "{a:?}");
        assert_eq!(a[0].kind, AssignmentKind::BuildArg);
        assert_eq!(a[0].name, "NPM_TOKEN");
        assert_eq!(&raw[a[0].value_range.clone()], TOKEN);
        assert_eq!(a[1].value, "a b");

        let a = assignments("ARG VERSION=1.2 GITHUB_TOKEN");
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].kind, a[0].name.as_str()),
            (AssignmentKind::Arg, "VERSION")
        );

        let a = assignments("/bin/sh -c #(nop)  ENV DB_PASSWORD=Xk9mQ2vL8pR4tW7 LANG=C.UTF-8");
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].kind, AssignmentKind::Env);
        assert_eq!(a[0].value, "Xk9mQ2vL8pR4tW7");

        let a = assignments("/bin/sh -c #(nop)  ENV DB_PASSWORD Xk9mQ2vL8p R4tW7");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].value, "Xk9mQ2vL8p R4tW7");

        // A RUN's own words are not assignments of the image.
        assert!(assignments("/bin/sh -c export PASSWORD=abc && run").is_empty());
    }

    #[test]
    fn display_redacts_and_shortens() {
        let d = display(&format!(
            "RUN /bin/sh -c curl -u admin:Xk9mQ2vL8pR4tW7 https://x/ && echo DB_PASSWORD=Zq8Lm3Vb9Rk4Tw7Y && npm config set //registry.npmjs.org/:_authToken {TOKEN} # buildkit"
        ));
        assert!(d.starts_with("RUN curl"), "{d}");
        assert!(!d.contains("Zq8Lm3Vb9Rk4"), "{d}");
        assert!(d.chars().count() <= DISPLAY_LEN, "{d}");
        let r = redact_line(&format!(
            "DB_PASSWORD=Zq8Lm3Vb9Rk4Tw7Y TOKEN={TOKEN} PATH=/bin"
        ));
        assert!(!r.contains("Zq8Lm3Vb9Rk4"), "{r}");
        assert!(!r.contains("aB3dE5fG7h"), "{r}");
        assert!(r.contains("PATH=/bin"), "{r}");
        // References and fingerprints stay readable.
        let r = redact_line(
            "DB_PASSWORD=$DB_PASSWORD GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
        );
        assert_eq!(
            r,
            "DB_PASSWORD=$DB_PASSWORD GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D"
        );
    }

    #[test]
    fn hostile_lines_never_panic() {
        // Tricky pieces glued together in many orders (a tiny deterministic generator).
        const PIECES: &[&str] = &[
            "|",
            "|2",
            "|99999999999999999999999",
            " ",
            "RUN ",
            "/bin/sh -c",
            " #(nop) ",
            "ENV ",
            "ARG ",
            "=",
            "K=",
            "=v",
            "\"",
            "'",
            "é",
            "日本",
            "PASSWORD=x\u{301}y",
            "# buildkit",
            "\t",
            "A=\"b c",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..3000 {
            let mut line = String::new();
            for _ in 0..(state % 9) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                line.push_str(PIECES[(state % PIECES.len() as u64) as usize]);
            }
            let _ = instruction(&line);
            let _ = display(&line);
            for a in assignments(&line) {
                assert!(line.get(a.value_range.clone()).is_some(), "{line:?} {a:?}");
            }
        }
    }
}
