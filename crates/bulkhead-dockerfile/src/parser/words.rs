//! Word splitting the way BuildKit's line parsers do it, and small Go-compatible string helpers.
//!
//! All positions are byte offsets into the string given to each function.

use std::ops::Range;

/// Go's `unicode.IsSpace` on a character (the Unicode `White_Space` property, like Rust's `is_whitespace`).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go's `unicode.IsSpace(rune(b))` on a single byte, as BuildKit's byte-wise scanners call it.
pub(crate) fn is_space_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xA0)
}

/// BuildKit's `reWhitespace` class: `[\t\v\f\r ]`.
pub(crate) fn is_blank(c: char) -> bool {
    matches!(c, '\t' | '\u{0b}' | '\u{0c}' | '\r' | ' ')
}

/// Go's `strings.ToLower`: simple per-character lower-casing.
pub fn go_to_lower(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\u{130}' {
            out.push('i');
            continue;
        }
        let mut it = c.to_lowercase();
        match (it.next(), it.next()) {
            (Some(l), None) => out.push(l),
            _ => out.push(c),
        }
    }
    out
}

/// Go's `strings.ToUpper`: simple per-character upper-casing.
pub(crate) fn go_to_upper(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let mut it = c.to_uppercase();
        match (it.next(), it.next()) {
            (Some(u), None) => out.push(u),
            _ => out.push(c),
        }
    }
    out
}

/// Go's `strings.TrimSpace` as a sub-range of `range` in `s`.
pub(crate) fn trim_range(s: &str, range: Range<usize>) -> Range<usize> {
    let Some(sub) = s.get(range.clone()) else {
        return range.start..range.start;
    };
    let lead = sub.len() - sub.trim_start_matches(is_space).len();
    let trail = sub.trim_end_matches(is_space).len();
    if lead >= trail {
        return range.start + lead..range.start + lead;
    }
    range.start + lead..range.start + trail
}

/// Go's `regexp.MustCompile("[\t\v\f\r ]+").Split(s, n)` (with `n < 0` for all pieces), as ranges.
pub(crate) fn blank_split(s: &str, limit: Option<usize>) -> Vec<Range<usize>> {
    if s.is_empty() {
        // Go returns one empty piece for an empty string.
        return std::iter::once(0..0).collect();
    }
    // Runs of blanks, leftmost first.
    let mut matches = Vec::new();
    let mut run_start: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if is_blank(c) {
            if run_start.is_none() {
                run_start = Some(i);
            }
        } else if let Some(st) = run_start.take() {
            matches.push(st..i);
            if limit.is_some_and(|n| matches.len() >= n) {
                break;
            }
        }
    }
    if let Some(st) = run_start
        && limit.is_none_or(|n| matches.len() < n)
    {
        matches.push(st..s.len());
    }
    let mut out = Vec::new();
    let (mut beg, mut end) = (0usize, 0usize);
    for m in matches {
        if limit.is_some_and(|n| out.len() + 1 == n) {
            break;
        }
        end = m.start;
        if m.end != 0 {
            out.push(beg..end);
        }
        beg = m.end;
    }
    if end != s.len() {
        out.push(beg..s.len());
    }
    out
}

/// The words of BuildKit's `parseStringsWhitespaceDelimited` (nothing for an empty string).
pub fn split_blank_runs(s: &str) -> Vec<Range<usize>> {
    if s.is_empty() {
        return Vec::new();
    }
    blank_split(s, None)
}

/// One word of BuildKit's `parseWords`: quotes and escape tokens are kept, so `text` is the source slice
/// `start..end` (minus a lone escape token at the very end, which BuildKit drops).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// BuildKit's `parseWords` (used for ENV, LABEL and ARG): splits on Unicode spaces outside quotes; an
/// escape token keeps the next character in the word, except inside single quotes.
pub(crate) fn parse_words(rest: &str, escape: char) -> Vec<Word> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let chars: Vec<(usize, char)> = rest.char_indices().collect();
    let next_pos = |i: usize| chars.get(i + 1).map(|&(p, _)| p).unwrap_or(rest.len());
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut start = 0usize;
    // End of the last character written to the word (a dropped trailing escape token is not part of it).
    let mut end = 0usize;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut i = 0usize;
    loop {
        let at_end = i >= chars.len();
        let (pos, ch) = chars.get(i).copied().unwrap_or((rest.len(), '\0'));
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if is_space(ch) {
                i += 1;
                continue;
            }
            phase = Phase::Word;
            start = pos;
            end = pos;
        }
        if at_end {
            if blank_ok || !word.is_empty() {
                words.push(Word {
                    text: std::mem::take(&mut word),
                    start,
                    end,
                });
            }
            break;
        }
        let mut ch = ch;
        if phase == Phase::Word {
            if is_space(ch) {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push(Word {
                        text: std::mem::take(&mut word),
                        start,
                        end,
                    });
                }
                word.clear();
                blank_ok = false;
                i += 1;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                if i + 1 == chars.len() {
                    // An escape token at the very end is dropped.
                    i += 1;
                    continue;
                }
                word.push(ch);
                i += 1;
                ch = chars.get(i).map(|&(_, c)| c).unwrap_or('\0');
            }
            word.push(ch);
            end = next_pos(i);
            i += 1;
            continue;
        }
        // In quotes.
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            if i + 1 == chars.len() {
                phase = Phase::Word;
                i += 1;
                continue;
            }
            i += 1;
            word.push(ch);
            ch = chars.get(i).map(|&(_, c)| c).unwrap_or('\0');
        }
        word.push(ch);
        end = next_pos(i);
        i += 1;
    }
    words
}

/// A flag word found by [`extract_flags`]: the processed text (quotes removed, escapes applied, bytes
/// widened one by one like BuildKit does) and its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlagWord {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// BuildKit's `extractBuilderFlags` on `line[range]`: the leading `--flag[=value]` words and the offset where
/// the arguments start. It scans bytes, not characters, as BuildKit does (so a non-ASCII byte becomes the
/// character with that code point, and the bytes 0x85 and 0xA0 count as spaces).
pub(crate) fn extract_flags(
    line: &str,
    range: Range<usize>,
    escape: char,
) -> (Vec<FlagWord>, usize) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let bytes = line.as_bytes();
    let end = range.end.min(bytes.len());
    let esc = u8::try_from(escape).unwrap_or(b'\\');
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut word_start = range.start;
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut ch = 0u8;
    let mut pos = range.start;
    let ceil = |p: usize| line.ceil_char_boundary(p);
    while pos <= end {
        if pos != end {
            ch = bytes.get(pos).copied().unwrap_or(0);
        }
        if phase == Phase::Spaces {
            if pos == end {
                break;
            }
            if is_space_byte(ch) {
                pos += 1;
                continue;
            }
            if ch != b'-' || pos + 1 == end || bytes.get(pos + 1) != Some(&b'-') {
                return (words, ceil(pos));
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if pos == end {
            if word != "--" && (blank_ok || !word.is_empty()) {
                words.push(FlagWord {
                    text: std::mem::take(&mut word),
                    start: word_start,
                    end,
                });
            }
            break;
        }
        if phase == Phase::Word {
            if is_space_byte(ch) {
                phase = Phase::Spaces;
                if word == "--" {
                    return (words, ceil(pos));
                }
                if blank_ok || !word.is_empty() {
                    words.push(FlagWord {
                        text: std::mem::take(&mut word),
                        start: word_start,
                        end: pos,
                    });
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
            if ch == esc {
                if pos + 1 == end {
                    pos += 1;
                    continue;
                }
                pos += 1;
                ch = bytes.get(pos).copied().unwrap_or(0);
            }
            word.push(char::from(ch));
            pos += 1;
            continue;
        }
        // In quotes.
        if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        if ch == esc {
            if pos + 1 == end {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            ch = bytes.get(pos).copied().unwrap_or(0);
        }
        word.push(char::from(ch));
        pos += 1;
    }
    (words, end)
}

/// One pair of BuildKit's `parseNameVal`: key and value ranges and the separator node (`=` or empty for the
/// legacy `KEY name value` form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameVal {
    pub key: Range<usize>,
    pub value: Range<usize>,
    pub legacy: bool,
}

/// BuildKit's `parseNameVal` for ENV and LABEL (`command` names the instruction in error messages).
pub(crate) fn parse_name_val(
    rest: &str,
    escape: char,
    command: &str,
) -> Result<Vec<NameVal>, String> {
    let words = parse_words(rest, escape);
    let Some(first) = words.first() else {
        return Ok(Vec::new());
    };
    if !first.text.contains('=') {
        let parts = blank_split(rest, Some(2));
        return match (parts.first(), parts.get(1)) {
            (Some(k), Some(v)) => Ok(vec![NameVal {
                key: k.clone(),
                value: v.clone(),
                legacy: true,
            }]),
            _ => Err(format!("{command} must have two arguments")),
        };
    }
    let mut out = Vec::with_capacity(words.len());
    for w in &words {
        let Some(eq) = w.text.find('=') else {
            return Err(format!(
                "Syntax error - can't find = in {}. Must be of the form: name=value",
                go_quote(&w.text)
            ));
        };
        // The word text is the source slice, so offsets inside it are source offsets.
        let key = w.start..w.start + eq;
        let value = (w.start + eq + 1).min(w.end)..w.end;
        out.push(NameVal {
            key,
            value,
            legacy: false,
        });
    }
    Ok(out)
}

/// BuildKit's `parseHealthConfig` split: the type word (up to the first space byte) and where the rest
/// starts. `None` when `rest` is empty.
pub(crate) fn health_split(rest: &str) -> Option<(Range<usize>, usize)> {
    let bytes = rest.as_bytes();
    let mut sep = 0;
    while sep < bytes.len() && !bytes.get(sep).copied().is_some_and(is_space_byte) {
        sep += 1;
    }
    let mut next = sep;
    while next < bytes.len() && bytes.get(next).copied().is_some_and(is_space_byte) {
        next += 1;
    }
    if sep == 0 {
        return None;
    }
    // Go slices bytes; a space byte inside a multi-byte character cannot be a boundary for us, so the
    // cut moves to the enclosing character's boundaries.
    Some((
        0..rest.floor_char_boundary(sep),
        rest.ceil_char_boundary(next),
    ))
}

/// Go's `strconv.IsPrint`, approximated without the Unicode category tables: control, format, separator,
/// private-use and non-character code points are not printable.
fn is_print(c: char) -> bool {
    let u = u32::from(c);
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    if u <= 0xff {
        return (0xa1..=0xff).contains(&u) && u != 0xad;
    }
    if c.is_whitespace() || c.is_control() {
        return false;
    }
    let format = matches!(
        u,
        0x600..=0x605
            | 0x61c
            | 0x6dd
            | 0x70f
            | 0x890..=0x891
            | 0x8e2
            | 0x180e
            | 0x200b..=0x200f
            | 0x202a..=0x202e
            | 0x2060..=0x2064
            | 0x2066..=0x206f
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0x110bd
            | 0x110cd
            | 0x13430..=0x1343f
            | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a
            | 0xe0001
            | 0xe0020..=0xe007f
    );
    let private = matches!(u, 0xe000..=0xf8ff | 0xf0000..=0xffffd | 0x100000..=0x10fffd);
    let nonchar = (0xfdd0..=0xfdef).contains(&u) || (u & 0xfffe) == 0xfffe;
    !(format || private || nonchar)
}

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_print(c) => out.push(c),
            '\u{07}' => out.push_str("\\a"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0b}' => out.push_str("\\v"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)))
            }
            c if u32::from(c) < 0x10000 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str, r: Vec<Range<usize>>) -> Vec<&str> {
        r.into_iter().map(|r| s.get(r).unwrap_or("?")).collect()
    }

    #[test]
    fn blank_split_matches_go() {
        assert_eq!(
            texts("a  b\tc", blank_split("a  b\tc", None)),
            vec!["a", "b", "c"]
        );
        assert_eq!(texts(" a ", blank_split(" a ", None)), vec!["", "a", ""]);
        assert_eq!(
            texts("a b c", blank_split("a b c", Some(2))),
            vec!["a", "b c"]
        );
        assert_eq!(texts("abc", blank_split("abc", Some(2))), vec!["abc"]);
        assert_eq!(
            texts("a\u{a0}b", blank_split("a\u{a0}b", None)),
            vec!["a\u{a0}b"]
        );
    }

    #[test]
    fn parse_words_keeps_quotes() {
        let w = parse_words(r#"abc="123 456" def"#, '\\');
        let t: Vec<&str> = w.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(t, vec![r#"abc="123 456""#, "def"]);
        let w = parse_words(r"a\ b 'c\'d", '\\');
        let t: Vec<&str> = w.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(t, vec![r"a\ b", r"'c\'d"]);
        // A trailing escape token is dropped and not part of the word's span.
        let src = r"a=b\";
        let w = parse_words(src, '\\');
        assert_eq!(
            w.first()
                .map(|w| (w.text.as_str(), src.get(w.start..w.end))),
            Some(("a=b", Some("a=b")))
        );
    }

    #[test]
    fn flags_are_bytes() {
        let line = "--from=a\\ b\"c d\" --x=\u{e9} e f";
        let (f, rest) = extract_flags(line, 0..line.len(), '\\');
        let t: Vec<&str> = f.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(t, vec!["--from=a bc d", "--x=\u{c3}\u{a9}"]);
        assert_eq!(line.get(rest..), Some("e f"));
    }

    #[test]
    fn quote_like_go() {
        assert_eq!(
            go_quote("a\"b\\c\n\u{0}\u{7f}\u{85}\u{2665}"),
            "\"a\\\"b\\\\c\\n\\x00\\x7f\\u0085\u{2665}\""
        );
    }

    #[test]
    fn lower_upper() {
        assert_eq!(go_to_lower("WOR\u{212a}DIR"), "workdir");
        assert_eq!(go_to_lower("ENTRYPO\u{130}NT"), "entrypoint");
        assert_eq!(go_to_upper("ma\u{131}nta\u{131}ner"), "MAINTAINER");
    }
}
