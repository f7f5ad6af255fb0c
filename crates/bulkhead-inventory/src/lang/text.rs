//! Small text helpers shared by the catalogers: RFC 822 style header blocks and quoted strings.

use std::borrow::Cow;

/// How a header block continues a value on the next line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Folding {
    /// Core metadata (PEP 566): an indented line continues the value, joined with a newline.
    Newline,
    /// JAR manifests: a line starting with one space continues the value, joined without it
    /// (lines are wrapped at 72 bytes, possibly in the middle of a word).
    Manifest,
}

/// The `Key: value` headers of the first block of `text` (up to the first blank line once a header was
/// seen), in order. Lines that are neither a header nor a continuation are skipped.
pub(super) fn header_block(text: &str, folding: Folding) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            if headers.is_empty() {
                continue;
            }
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                match folding {
                    Folding::Newline => {
                        value.push('\n');
                        value.push_str(line.trim());
                    }
                    Folding::Manifest => value.push_str(line.get(1..).unwrap_or("")),
                }
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            let key = key.trim();
            if !key.is_empty() {
                headers.push((key.to_string(), value.trim().to_string()));
            }
        }
    }
    if folding == Folding::Manifest {
        for (_, value) in &mut headers {
            let trimmed = value.trim_end();
            if trimmed.len() != value.len() {
                *value = trimmed.to_string();
            }
        }
    }
    headers
}

/// The value of the first header named `key` (ASCII case-insensitive), if not empty.
pub(super) fn header<'a>(headers: &'a [(String, String)], key: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// `data` as text; invalid UTF-8 sequences become U+FFFD and a leading byte-order mark is dropped.
pub(super) fn lossy(data: &[u8]) -> Cow<'_, str> {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    String::from_utf8_lossy(data)
}

/// The first quoted string literal in `s` (`"x"` or `'x'`, with backslash escapes kept verbatim), or
/// a Ruby `%q{x}` / `%Q(x)` / `%q<x>` / `%q[x]` literal; the rest of `s` after it.
pub(super) fn first_string_literal(s: &str) -> Option<(&str, &str)> {
    let mut from = 0;
    loop {
        let start = from + s.get(from..)?.find(['"', '\'', '%'])?;
        let rest = s.get(start..)?;
        from = start + 1;
        let mut chars = rest.char_indices();
        let (_, open) = chars.next()?;
        let close = if open == '%' {
            let delimiter = match (chars.next(), chars.next()) {
                (Some((_, 'q' | 'Q')), Some((_, delimiter))) => delimiter,
                _ => continue,
            };
            match delimiter {
                '{' => '}',
                '(' => ')',
                '<' => '>',
                '[' => ']',
                '|' | '!' | '/' => delimiter,
                _ => continue,
            }
        } else {
            open
        };
        let body_start = chars.clone().next().map_or(rest.len(), |(i, _)| i);
        let mut escaped = false;
        for (i, c) in chars {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == close {
                return Some((rest.get(body_start..i)?, rest.get(i + c.len_utf8()..)?));
            }
        }
        return None;
    }
}

/// Every string literal in `s`, in order.
pub(super) fn string_literals(mut s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    while let Some((literal, rest)) = first_string_literal(s) {
        out.push(literal);
        s = rest;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_block_folds_and_stops_at_the_body() {
        let text = "\nName: a\nLicense: line one\n  line two\n\nBody: not a header\n";
        let h = header_block(text, Folding::Newline);
        assert_eq!(header(&h, "name"), Some("a"));
        assert_eq!(header(&h, "License"), Some("line one\nline two"));
        assert_eq!(header(&h, "Body"), None);
    }

    #[test]
    fn manifest_folding_joins_without_the_space() {
        let text = "Manifest-Version: 1.0\r\nBundle-SymbolicName: org.example.very-lo\r\n ng-name\r\n\r\nName: x\r\n";
        let h = header_block(text, Folding::Manifest);
        assert_eq!(
            header(&h, "Bundle-SymbolicName"),
            Some("org.example.very-long-name")
        );
        assert_eq!(h.len(), 2);
    }

    #[test]
    fn string_literals_of_ruby_and_json_forms() {
        assert_eq!(
            string_literals(r#"["MIT".freeze, 'Apache-2.0']"#),
            vec!["MIT", "Apache-2.0"]
        );
        assert_eq!(
            first_string_literal("%q{rake} # x").map(|(s, _)| s),
            Some("rake")
        );
        assert_eq!(
            first_string_literal(r#""a\"b" x"#).map(|(s, _)| s),
            Some(r#"a\"b"#)
        );
        assert_eq!(
            first_string_literal("50% off \"x\"").map(|(s, _)| s),
            Some("x")
        );
        assert_eq!(first_string_literal("\"unterminated"), None);
        // No recursion per `%`: a hostile line of them is just scanned.
        let percents = format!("{}\"x\"", "%".repeat(1_000_000));
        assert_eq!(first_string_literal(&percents).map(|(s, _)| s), Some("x"));
    }
}
