//! Small text helpers shared by analyzers: line index, spans from byte ranges, redaction.

use crate::Span;

/// Byte offsets of line starts, for turning byte ranges into line/column spans.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    /// 0-based line index containing `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    pub fn line_start(&self, line0: usize) -> usize {
        self.starts.get(line0).copied().unwrap_or(0)
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// 1-based (line, column) of a byte offset; the column counts chars.
    pub fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let start = self.starts[line];
        let col = text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, col + 1)
    }

    /// A [`Span`] for the byte range `start..end` of `text`.
    pub fn span(&self, text: &str, start: usize, end: usize) -> Span {
        let end = end.max(start);
        let (sl, sc) = self.position(text, start);
        let (el, ec) = self.position(text, end);
        Span {
            start_line: sl,
            start_column: sc,
            end_line: el,
            end_column: ec,
            byte_start: start,
            byte_end: end,
        }
    }
}

/// Redacts a secret: at most the first 4 characters (none for values shorter than 12), then `****`
/// and the length, e.g. `ghp_****…(40 chars)`.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = if n >= 16 {
        4
    } else if n >= 12 {
        2
    } else {
        0
    };
    let head: String = secret.chars().take(keep).collect();
    format!("{head}****…({n} chars)")
}

/// Shannon entropy in bits per character.
pub fn shannon_entropy(s: &str) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0usize; 256];
    let mut n = 0usize;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    let n = n as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_chars() {
        let t = "ab\n♥cd\n";
        let idx = LineIndex::new(t);
        assert_eq!(idx.position(t, 0), (1, 1));
        assert_eq!(idx.position(t, 3), (2, 1));
        // byte 6 is 'c' after the 3-byte heart
        assert_eq!(idx.position(t, 6), (2, 2));
    }

    #[test]
    fn redaction_keeps_at_most_four_chars() {
        let r = redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789");
        assert!(r.starts_with("ghp_****"));
        assert!(!r.contains("abcd"));
        assert_eq!(redact("hunter2"), "****…(7 chars)");
    }

    #[test]
    fn entropy_of_uniform_and_random() {
        assert!(shannon_entropy("aaaaaaaa") < 0.01);
        assert!(shannon_entropy("a8Kz03Lq9XbV7mPw") > 3.5);
    }
}

/// Applies byte-range edits to `text`. Edits are applied in order of position; an edit that overlaps one
/// already accepted (or falls outside the text or inside a character) is skipped and returned, so callers can
/// say which fixes were not applied. Insertions at the same offset keep their given order.
pub fn apply_edits<'e>(
    text: &str,
    edits: &[&'e crate::TextEdit],
) -> (String, Vec<&'e crate::TextEdit>) {
    let mut sorted: Vec<(usize, &crate::TextEdit)> = edits.iter().copied().enumerate().collect();
    sorted.sort_by_key(|(i, e)| (e.start, e.end, *i));
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0usize;
    let mut skipped = Vec::new();
    for (_, e) in sorted {
        let valid = e.start <= e.end
            && e.end <= text.len()
            && text.is_char_boundary(e.start)
            && text.is_char_boundary(e.end)
            && e.start >= pos;
        if !valid {
            skipped.push(e);
            continue;
        }
        out.push_str(&text[pos..e.start]);
        out.push_str(&e.replacement);
        pos = e.end;
    }
    out.push_str(&text[pos..]);
    (out, skipped)
}

#[cfg(test)]
mod edit_tests {
    use super::apply_edits;
    use crate::TextEdit;

    fn e(start: usize, end: usize, r: &str) -> TextEdit {
        TextEdit {
            path: "f".into(),
            start,
            end,
            replacement: r.into(),
        }
    }

    #[test]
    fn applies_in_order_and_skips_overlaps() {
        let a = e(0, 3, "COPY");
        let b = e(9, 9, " --x");
        let c = e(1, 2, "zz");
        let (out, skipped) = apply_edits("ADD a b c d", &[&b, &a, &c]);
        assert_eq!(out, "COPY a b c --x d");
        assert_eq!(skipped, vec![&c]);
        let bad = e(5, 100, "");
        let (out, skipped) = apply_edits("abc", &[&bad]);
        assert_eq!(out, "abc");
        assert_eq!(skipped.len(), 1);
    }
}
