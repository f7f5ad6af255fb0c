//! Variable interpolation (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`,
//! `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}`, nested, `$$`) and `.env` files.

use std::collections::HashMap;

/// The variables interpolation reads.
pub type Vars = HashMap<String, String>;

/// Interpolate `s`; `Err` carries the message (a `?err` variable unset or empty, `${` unterminated, a bad
/// name).
pub fn interpolate(s: &str, vars: &Vars) -> Result<String, String> {
    interpolate_depth(s, vars, 0)
}

const MAX_NESTING: usize = 32;

fn interpolate_depth(s: &str, vars: &Vars, depth: usize) -> Result<String, String> {
    if depth > MAX_NESTING {
        return Err(format!(
            "interpolation nested deeper than {MAX_NESTING} levels"
        ));
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(r) = after.strip_prefix('{') {
            let close = matching_brace(r).ok_or_else(|| {
                format!("invalid interpolation format for {s:?}: `${{` is not closed by `}}`")
            })?;
            let inner = &r[..close];
            out.push_str(&braced(inner, vars, depth, s)?);
            rest = &r[close + 1..];
        } else {
            let n = name_len(after);
            if n == 0 {
                // A lone `$` stays as it is.
                out.push('$');
                rest = after;
            } else {
                if let Some(v) = vars.get(&after[..n]) {
                    out.push_str(v);
                }
                rest = &after[n..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The length of a variable name at the start of `s` (`[A-Za-z_][A-Za-z0-9_]*`).
fn name_len(s: &str) -> usize {
    let b = s.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {}
        _ => return 0,
    }
    b.iter()
        .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
        .unwrap_or(b.len())
}

/// The index of the `}` closing a `${` whose contents start `s` (nested `${...}` counted).
fn matching_brace(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'$' if b.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'$' if b.get(i + 1) == Some(&b'$') => i += 1,
            b'}' => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn braced(inner: &str, vars: &Vars, depth: usize, whole: &str) -> Result<String, String> {
    let n = name_len(inner);
    let name = &inner[..n];
    let op_rest = &inner[n..];
    if n == 0 {
        return Err(format!(
            "invalid interpolation format for {whole:?}: `${{{inner}}}` does not start with a variable name"
        ));
    }
    let value = vars.get(name);
    let set = value.is_some();
    let non_empty = value.is_some_and(|v| !v.is_empty());
    let current = || value.cloned().unwrap_or_default();
    let word = |w: &str| interpolate_depth(w, vars, depth + 1);
    if op_rest.is_empty() {
        return Ok(current());
    }
    for (op, colon) in [(":-", true), ("-", false)] {
        if let Some(w) = op_rest.strip_prefix(op) {
            let ok = if colon { non_empty } else { set };
            return if ok { Ok(current()) } else { word(w) };
        }
    }
    for (op, colon) in [(":?", true), ("?", false)] {
        if let Some(w) = op_rest.strip_prefix(op) {
            let ok = if colon { non_empty } else { set };
            if ok {
                return Ok(current());
            }
            let msg = word(w)?;
            let state = if set { "empty" } else { "not set" };
            return Err(if msg.is_empty() {
                format!("required variable {name} is {state}")
            } else {
                format!("required variable {name} is {state}: {msg}")
            });
        }
    }
    for (op, colon) in [(":+", true), ("+", false)] {
        if let Some(w) = op_rest.strip_prefix(op) {
            let ok = if colon { non_empty } else { set };
            return if ok { word(w) } else { Ok(String::new()) };
        }
    }
    Err(format!(
        "invalid interpolation format for {whole:?}: `${{{inner}}}` (expected ${{VAR}}, ${{VAR:-default}}, ${{VAR?error}}, ${{VAR:+alt}})"
    ))
}

/// A problem in a `.env` file: 1-based line, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvProblem {
    /// 1-based line in the env file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parse a `.env` file: `KEY=VALUE`, `export KEY=VALUE`, `#` comments, single quotes (literal), double
/// quotes (escapes, may span lines), unquoted values (trailing ` #comment` dropped, trimmed). Unquoted and
/// double-quoted values are interpolated with the variables known so far (`lookup` first, then earlier
/// lines).
pub fn parse_dotenv(text: &str, lookup: &Vars) -> (Vec<(String, String)>, Vec<EnvProblem>) {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut problems = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((idx, raw)) = lines.next() {
        let line = raw.trim_start_matches('\u{feff}').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(line);
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim_start()),
            None => (line, ""),
        };
        if key.is_empty() || !key.bytes().all(|c| c.is_ascii_graphic()) {
            problems.push(EnvProblem {
                line: idx + 1,
                message: format!("invalid variable name {key:?} (expected KEY=VALUE)"),
            });
            continue;
        }
        if !line.contains('=') {
            // `KEY` alone: taken from the environment when set, otherwise ignored.
            continue;
        }
        let mut env: Vars = out.iter().cloned().collect();
        for (k, v) in lookup {
            env.insert(k.clone(), v.clone());
        }
        let value = if let Some(q) = value.strip_prefix('\'') {
            match q.find('\'') {
                Some(e) => q[..e].to_owned(),
                None => {
                    problems.push(EnvProblem {
                        line: idx + 1,
                        message: "unterminated single quote".into(),
                    });
                    q.to_owned()
                }
            }
        } else if let Some(q) = value.strip_prefix('"') {
            let mut buf = q.to_owned();
            let mut closed = unescape_until_quote(&buf);
            while closed.is_none() {
                match lines.next() {
                    Some((_, more)) => {
                        buf.push('\n');
                        buf.push_str(more);
                        closed = unescape_until_quote(&buf);
                    }
                    None => break,
                }
            }
            match closed {
                Some(v) => interpolate(&v, &env).unwrap_or(v),
                None => {
                    problems.push(EnvProblem {
                        line: idx + 1,
                        message: "unterminated double quote".into(),
                    });
                    buf
                }
            }
        } else {
            let v = match value.find(" #") {
                Some(c) => &value[..c],
                None => value,
            }
            .trim_end();
            interpolate(v, &env).unwrap_or_else(|_| v.to_owned())
        };
        out.retain(|(k, _)| k != key);
        out.push((key.to_owned(), value));
    }
    (out, problems)
}

/// The unescaped contents up to the first unescaped `"`, or `None` when there is none.
fn unescape_until_quote(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(o) => out.push(o),
                None => return None,
            },
            o => out.push(o),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        [("A", "a"), ("E", ""), ("P", "8080")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn forms() {
        let v = vars();
        let i = |s: &str| interpolate(s, &v);
        assert_eq!(i("$A-${A}").as_deref(), Ok("a-a"));
        assert_eq!(i("x$$A").as_deref(), Ok("x$A"));
        assert_eq!(i("${U:-d}|${E:-d}|${E-d}|${U-d}").as_deref(), Ok("d|d||d"));
        assert_eq!(i("${A:+y}|${E:+y}|${E+y}|${U+y}").as_deref(), Ok("y||y|"));
        assert_eq!(i("${U:-${P:-1}}:80").as_deref(), Ok("8080:80"));
        assert_eq!(i("${U:-${V:-x}}").as_deref(), Ok("x"));
        assert_eq!(i("$ 5$").as_deref(), Ok("$ 5$"));
        assert_eq!(i("$U|$A_B").as_deref(), Ok("|"));
        assert_eq!(
            i("${U:?need U}"),
            Err("required variable U is not set: need U".into())
        );
        assert_eq!(i("${E?x}").as_deref(), Ok(""));
        assert_eq!(i("${E:?}"), Err("required variable E is empty".into()));
        assert!(i("${A").unwrap_err().contains("not closed"));
        assert!(i("${1A}").unwrap_err().contains("variable name"));
        assert!(i("${A/x}").unwrap_err().contains("invalid interpolation"));
    }

    #[test]
    fn dotenv() {
        let text = "# c\nexport A=1\nB = 'x $A' \nC=\"q\\n${A}\"\nD=plain # comment\nE=\"multi\nline\"\nbad line\n";
        let (vars, problems) = parse_dotenv(text, &Vars::new());
        let get = |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("A"), Some("1"));
        assert_eq!(get("B"), Some("x $A"));
        assert_eq!(get("C"), Some("q\n1"));
        assert_eq!(get("D"), Some("plain"));
        assert_eq!(get("E"), Some("multi\nline"));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 8);
    }
}
