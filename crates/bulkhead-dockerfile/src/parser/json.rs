//! Decoding of exec-form arguments exactly like Go's `encoding/json` `Unmarshal` into `[]interface{}`, as
//! BuildKit's `parseJSON` does: the whole text must be one valid JSON value (surrounding whitespace
//! allowed), strings are decoded with Go's rules (a lone surrogate escape becomes U+FFFD), a number that
//! overflows a float64 is a decoding error, and nesting deeper than 10000 levels is a syntax error.
//!
//! Written without recursion, so hostile input cannot exhaust the stack.

use std::ops::Range;

/// A top-level element of the array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    /// The decoded string, or `None` for a non-string element (number, object, array, bool, null).
    pub value: Option<String>,
    /// The element in the input (for a string: the literal with its quotes).
    pub range: Range<usize>,
}

/// Outcome of decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Json {
    /// Not something Go decodes into `[]interface{}` (syntax error, not an array, number out of range):
    /// BuildKit falls back to shell form.
    Invalid,
    /// A JSON array; the caller checks that every element is a string.
    Array { elements: Vec<Element>, end: usize },
}

const MAX_DEPTH: usize = 10_000;

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

struct Cursor<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let h = self.b.get(at..at + 4)?;
        let mut v = 0u32;
        for &c in h {
            v = v * 16 + char::from(c).to_digit(16)?;
        }
        Some(v)
    }

    /// Parses a string literal at the cursor (which is on `"`), returning the decoded value.
    fn string(&mut self) -> Option<String> {
        if !self.eat(b'"') {
            return None;
        }
        let mut out = String::new();
        let mut run = self.i;
        loop {
            let c = self.peek()?;
            match c {
                b'"' => {
                    out.push_str(self.s.get(run..self.i)?);
                    self.i += 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push_str(self.s.get(run..self.i)?);
                    let e = *self.b.get(self.i + 1)?;
                    self.i += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let r = self.hex4(self.i)?;
                            self.i += 4;
                            if (0xd800..0xe000).contains(&r) {
                                // Go pairs a high surrogate with a following \uXXXX low surrogate; anything
                                // else becomes U+FFFD and the next escape is decoded on its own.
                                let low = if self.b.get(self.i) == Some(&b'\\')
                                    && self.b.get(self.i + 1) == Some(&b'u')
                                {
                                    self.hex4(self.i + 2)
                                } else {
                                    None
                                };
                                match low {
                                    Some(lo)
                                        if (0xd800..0xdc00).contains(&r)
                                            && (0xdc00..0xe000).contains(&lo) =>
                                    {
                                        let cp = 0x10000 + ((r - 0xd800) << 10) + (lo - 0xdc00);
                                        out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                                        self.i += 6;
                                    }
                                    _ => out.push('\u{fffd}'),
                                }
                            } else {
                                out.push(char::from_u32(r).unwrap_or('\u{fffd}'));
                            }
                        }
                        _ => return None,
                    }
                    run = self.i;
                }
                c if c < 0x20 => return None,
                _ => self.i += 1,
            }
        }
    }

    /// Parses a number; `Some(true)` when it does not fit a float64 (Go reports a decoding error).
    fn number(&mut self) -> Option<bool> {
        let start = self.i;
        self.eat(b'-');
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
            }
            _ => return None,
        }
        if self.eat(b'.') {
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return None;
            }
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        if self.peek() == Some(b'e') || self.peek() == Some(b'E') {
            self.i += 1;
            if self.peek() == Some(b'+') || self.peek() == Some(b'-') {
                self.i += 1;
            }
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return None;
            }
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        let text = self.s.get(start..self.i)?;
        Some(text.parse::<f64>().map(|f| f.is_infinite()).unwrap_or(true))
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + word.len())? == word {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }
}

/// Decodes `s` (which BuildKit has already checked starts with `[`).
pub(crate) fn decode_array(s: &str) -> Json {
    decode(s).unwrap_or(Json::Invalid)
}

fn decode(s: &str) -> Option<Json> {
    let mut c = Cursor {
        s,
        b: s.as_bytes(),
        i: 0,
    };
    c.skip_ws();
    if c.peek() != Some(b'[') {
        return None;
    }
    // Open containers: b'[' or b'{'.
    let mut stack: Vec<u8> = Vec::new();
    let mut elements = Vec::new();
    let mut overflow = false;
    // Start of the current top-level element and whether it is a string.
    let mut elem: Option<(usize, Option<String>)> = None;

    // Parse one value; then handle separators and closers until another value is expected.
    'value: loop {
        c.skip_ws();
        let depth = stack.len();
        let start = c.i;
        match c.peek()? {
            b'[' | b'{' => {
                let open = c.peek()?;
                c.i += 1;
                stack.push(open);
                if stack.len() > MAX_DEPTH {
                    return None;
                }
                if depth == 1 {
                    elem = Some((start, None));
                }
                c.skip_ws();
                let close = if open == b'[' { b']' } else { b'}' };
                if c.eat(close) {
                    stack.pop();
                } else if open == b'{' {
                    c.string()?;
                    c.skip_ws();
                    if !c.eat(b':') {
                        return None;
                    }
                    continue 'value;
                } else {
                    continue 'value;
                }
            }
            b'"' => {
                let v = c.string()?;
                if depth == 1 {
                    elem = Some((start, Some(v)));
                }
            }
            b'-' | b'0'..=b'9' => {
                overflow |= c.number()?;
                if depth == 1 {
                    elem = Some((start, None));
                }
            }
            b't' | b'f' | b'n' => {
                let word: &[u8] = match c.peek()? {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                c.literal(word)?;
                if depth == 1 {
                    elem = Some((start, None));
                }
            }
            _ => return None,
        }
        // After a complete value.
        loop {
            if stack.len() == 1
                && let Some((st, value)) = elem.take()
            {
                elements.push(Element {
                    value,
                    range: st..c.i,
                });
            }
            c.skip_ws();
            let Some(&top) = stack.last() else {
                // The top-level array is complete: only whitespace may follow.
                if c.i != c.b.len() {
                    return None;
                }
                if overflow {
                    return None;
                }
                return Some(Json::Array {
                    elements,
                    end: end_of_value(s),
                });
            };
            let close = if top == b'[' { b']' } else { b'}' };
            if c.eat(b',') {
                if top == b'{' {
                    c.skip_ws();
                    c.string()?;
                    c.skip_ws();
                    if !c.eat(b':') {
                        return None;
                    }
                }
                continue 'value;
            }
            if c.eat(close) {
                stack.pop();
                continue;
            }
            return None;
        }
    }
}

/// End of the JSON value in `s` (trailing JSON whitespace excluded).
fn end_of_value(s: &str) -> usize {
    s.trim_end_matches([' ', '\t', '\n', '\r']).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(s: &str) -> Option<Vec<Option<String>>> {
        match decode_array(s) {
            Json::Invalid => None,
            Json::Array { elements, .. } => Some(elements.into_iter().map(|e| e.value).collect()),
        }
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn valid_arrays() {
        assert_eq!(strings("[]"), Some(vec![]));
        assert_eq!(strings(r#"[ "a", "b" ]"#), Some(vec![s("a"), s("b")]));
        assert_eq!(
            strings(r#"["\" \\ \/ \b \f \n \r \t \u0000"]"#),
            Some(vec![s("\" \\ / \u{8} \u{c} \n \r \t \u{0}")])
        );
        assert_eq!(
            strings(r#"["\ud83d\ude00", "\ud800x", "\udc00"]"#),
            Some(vec![s("😀"), s("\u{fffd}x"), s("\u{fffd}")])
        );
        assert_eq!(
            strings(r#"["a", 1, {"k": [true, null]}, false]"#),
            Some(vec![s("a"), None, None, None])
        );
    }

    #[test]
    fn invalid_arrays() {
        for bad in [
            "['a']",
            r#"["a""#,
            r#"["a"] x"#,
            r#"["a",]"#,
            r#"["a" "b"]"#,
            r#"["\x"]"#,
            "[\"a\tb\"]",
            "[01]",
            "[1.]",
            "[1e400]",
            "[tru]",
            r#"[{"a"}]"#,
        ] {
            assert_eq!(strings(bad), None, "{bad}");
        }
        let deep_ok = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(strings(&deep_ok).is_some());
        let deep = format!("{}{}", "[".repeat(10_001), "]".repeat(10_001));
        assert_eq!(strings(&deep), None);
    }

    #[test]
    fn element_ranges() {
        let src = r#"[ "a b" , 12 ]"#;
        let Json::Array { elements, end } = decode_array(src) else {
            panic!("array")
        };
        assert_eq!(src.get(elements[0].range.clone()), Some(r#""a b""#));
        assert_eq!(src.get(elements[1].range.clone()), Some("12"));
        assert_eq!(end, src.len());
    }
}
