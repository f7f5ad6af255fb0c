//! Text helpers for the renderers: resolving a finding's span against the file text without trusting it,
//! cutting the lines around it, and neutralising control characters before they reach a terminal.

use crate::SourceLookup;
use bulkhead_core::Span;
use bulkhead_core::text::LineIndex;
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

/// Characters that must not reach a terminal as they are: C0/C1 controls (ANSI escape sequences start
/// with ESC or CSI) and the bidirectional overrides that make text display differently from what it is.
fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// One line of terminal text: line breaks and tabs become spaces, other unsafe characters are escaped
/// (`\u{1b}`), so input text can neither style the terminal nor break the layout.
pub(crate) fn clean_line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_unsafe_char(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Like [`clean_line`] but keeps line breaks (`\r\n` becomes `\n`).
pub(crate) fn clean_text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_unsafe_char(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\t' => out.push(' '),
            c if is_unsafe_char(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The byte offset of a 1-based (line, column) position, columns counting chars. A column one past the
/// last character of the line (the exclusive end of a span that reaches the line's end) is accepted.
fn offset_of(text: &str, index: &LineIndex, line: usize, column: usize) -> Option<usize> {
    if line == 0 || column == 0 || line > index.line_count() {
        return None;
    }
    let start = index.line_start(line - 1);
    let rest = text.get(start..)?;
    let line_text = rest.split('\n').next().unwrap_or("");
    let mut offsets = line_text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(line_text.len()));
    offsets.nth(column - 1).map(|i| start + i)
}

/// The byte range of `span` in `text`, or `None` when the span cannot be placed in it.
///
/// Both the byte offsets and the line/column positions of the span are checked. When both are valid but
/// disagree, the line/column positions win, because those are what the report prints.
fn resolve_span(text: &str, index: &LineIndex, span: &Span) -> Option<Range<usize>> {
    let by_bytes = (span.byte_start <= span.byte_end
        && span.byte_end <= text.len()
        && text.is_char_boundary(span.byte_start)
        && text.is_char_boundary(span.byte_end))
    .then_some(span.byte_start..span.byte_end);

    let by_lines = offset_of(text, index, span.start_line, span.start_column).and_then(|s| {
        let e = offset_of(text, index, span.end_line, span.end_column)?;
        (e >= s).then_some(s..e)
    });

    match (by_bytes, by_lines) {
        (_, Some(l)) => Some(l),
        (Some(b), None) => Some(b),
        (None, None) => None,
    }
}

/// The whole lines of a file around a byte range, ready to hand to the snippet renderer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Excerpt {
    /// The lines, with the secret ranges masked.
    pub text: String,
    /// 1-based number of the first line of `text`.
    pub first_line: usize,
    /// The highlighted range, as byte offsets into `text`.
    pub range: Range<usize>,
}

/// Cuts the lines that hold `range` (which must be a valid char-boundary range of `text`, as given by
/// [`resolve_span`]). Every non-space character inside one of the `secrets` ranges becomes `*`. C1 control
/// characters, which the snippet renderer passes through, become U+FFFD.
fn excerpt(
    text: &str,
    index: &LineIndex,
    range: Range<usize>,
    secrets: &[Range<usize>],
) -> Option<Excerpt> {
    let bytes = text.as_bytes();
    if range.start > range.end || range.end > text.len() {
        return None;
    }
    let start = bytes[..range.start]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let last = if range.end > range.start {
        range.end - 1
    } else {
        range.start
    };
    let end = bytes[last.min(bytes.len())..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| last + i + 1);
    let lines = text.get(start..end)?;

    let mut out = String::with_capacity(lines.len());
    let (mut new_start, mut new_end) = (None, None);
    for (i, c) in lines.char_indices() {
        let at = start + i;
        if at == range.start {
            new_start = Some(out.len());
        }
        if at == range.end {
            new_end = Some(out.len());
        }
        let secret = secrets.iter().any(|r| r.contains(&at));
        let c = if secret && !c.is_whitespace() {
            '*'
        } else if ('\u{80}'..='\u{9f}').contains(&c) {
            '\u{FFFD}'
        } else {
            c
        };
        out.push(c);
    }
    let new_start = new_start.unwrap_or(out.len());
    let new_end = new_end.unwrap_or(out.len()).max(new_start);
    let first_line = index.line_of(start) + 1;
    Some(Excerpt {
        text: out,
        first_line,
        range: new_start..new_end,
    })
}

/// The text of 1-based line `line`, without its line break.
fn line_text<'t>(text: &'t str, index: &LineIndex, line: usize) -> Option<&'t str> {
    if line == 0 || line > index.line_count() {
        return None;
    }
    let l = text.get(index.line_start(line - 1)..)?.split('\n').next()?;
    Some(l.strip_suffix('\r').unwrap_or(l))
}

/// A file's text with its line index.
pub(crate) struct SourceText<'a> {
    text: Cow<'a, str>,
    index: LineIndex,
}

impl<'a> SourceText<'a> {
    pub fn new(text: Cow<'a, str>) -> Self {
        let index = LineIndex::new(&text);
        SourceText { text, index }
    }

    /// See [`resolve_span`].
    pub fn resolve(&self, span: &Span) -> Option<Range<usize>> {
        resolve_span(&self.text, &self.index, span)
    }

    /// See [`excerpt`].
    pub fn excerpt(&self, range: Range<usize>, secrets: &[Range<usize>]) -> Option<Excerpt> {
        excerpt(&self.text, &self.index, range, secrets)
    }

    /// The text of 1-based line `line`, without its line break.
    pub fn line(&self, line: usize) -> Option<&str> {
        line_text(&self.text, &self.index, line)
    }
}

/// Source texts looked up once per path.
pub(crate) struct SourceCache<'a, 'l> {
    lookup: &'l SourceLookup<'a>,
    files: HashMap<String, Option<SourceText<'a>>>,
}

impl<'a, 'l> SourceCache<'a, 'l> {
    pub fn new(lookup: &'l SourceLookup<'a>) -> Self {
        SourceCache {
            lookup,
            files: HashMap::new(),
        }
    }

    pub fn get(&mut self, path: &str) -> Option<&SourceText<'a>> {
        if !self.files.contains_key(path) {
            let text = (self.lookup)(path).map(SourceText::new);
            self.files.insert(path.to_string(), text);
        }
        self.files.get(path).and_then(Option::as_ref)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(t: &str) -> SourceText<'_> {
        SourceText::new(Cow::Borrowed(t))
    }

    fn span(sl: usize, sc: usize, el: usize, ec: usize, bs: usize, be: usize) -> Span {
        Span {
            start_line: sl,
            start_column: sc,
            end_line: el,
            end_column: ec,
            byte_start: bs,
            byte_end: be,
        }
    }

    #[test]
    fn resolves_consistent_spans() {
        let t = "FROM a\nUSER root\n";
        assert_eq!(src(t).resolve(&span(2, 1, 2, 10, 7, 16)), Some(7..16));
        // end at the start of the next line
        assert_eq!(src(t).resolve(&span(2, 1, 3, 1, 7, 17)), Some(7..17));
    }

    #[test]
    fn columns_count_chars() {
        let t = "ENV X=♥y\n";
        // 'y' is column 8, bytes 9..10
        assert_eq!(src(t).resolve(&span(1, 8, 1, 9, 0, 0)), Some(9..10));
    }

    #[test]
    fn bad_bytes_fall_back_to_lines_and_back() {
        let t = "ENV X=♥y\n";
        // byte 7 is inside the heart
        assert_eq!(src(t).resolve(&span(1, 7, 1, 8, 7, 8)), Some(6..9));
        // impossible lines, good bytes
        assert_eq!(src(t).resolve(&span(40, 1, 40, 2, 0, 3)), Some(0..3));
        // nothing valid
        assert_eq!(src(t).resolve(&span(40, 1, 40, 2, 0, 300)), None);
        assert_eq!(src(t).resolve(&span(1, 1, 1, 30, 5, 2)), None);
        assert_eq!(src("").resolve(&span(1, 1, 1, 1, 0, 0)), Some(0..0));
        assert_eq!(src("").resolve(&span(1, 1, 1, 2, 0, 1)), None);
    }

    #[test]
    fn excerpt_cuts_whole_lines_and_masks() {
        let t = "FROM a\nENV TOKEN=abc def\nRUN x\n";
        let s = src(t);
        let r = s.resolve(&span(2, 11, 2, 18, 0, 0)).unwrap();
        let e = s.excerpt(r.clone(), std::slice::from_ref(&r)).unwrap();
        assert_eq!(e.text, "ENV TOKEN=*** ***\n");
        assert_eq!(e.first_line, 2);
        assert_eq!(e.range, 10..17);
        // a secret elsewhere in the excerpt is masked too
        let secret = 21..24;
        let e = s
            .excerpt(0..t.len(), std::slice::from_ref(&secret))
            .unwrap();
        assert_eq!(e.text, "FROM a\nENV TOKEN=abc ***\nRUN x\n");
        let e = s.excerpt(7..7, &[]).unwrap();
        assert_eq!((e.text.as_str(), e.range), ("ENV TOKEN=abc def\n", 0..0));
        let e = s.excerpt(t.len()..t.len(), &[]).unwrap();
        assert_eq!((e.text.as_str(), e.first_line), ("", 4));
        #[allow(clippy::reversed_empty_ranges)]
        let inverted = 3..1;
        assert!(s.excerpt(inverted, &[]).is_none());
    }

    #[test]
    fn cleaning_escapes_controls() {
        assert_eq!(clean_line("a\x1b[31mb\nc"), "a\\u{1b}[31mb c");
        assert_eq!(clean_line("plain"), Cow::Borrowed("plain"));
        assert_eq!(clean_text("a\r\nb\u{202e}"), "a\nb\\u{202e}");
    }

    #[test]
    fn line_text_strips_cr() {
        let s = src("a\r\nb");
        assert_eq!(s.line(1), Some("a"));
        assert_eq!(s.line(2), Some("b"));
        assert_eq!(s.line(3), None);
        assert_eq!(s.line(0), None);
    }
}
