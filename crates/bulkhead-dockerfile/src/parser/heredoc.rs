//! Heredocs (`RUN <<EOF`): BuildKit lexes the whole instruction line into shell words, and every word
//! matching `^(\d*)<<(-?)\s*([^<]*)$` opens one.

use super::Logical;
use super::lex::Lex;
use crate::ast::ByteRange;

/// A heredoc marker found on an instruction line.
pub(super) struct HeredocSpec {
    pub name: String,
    pub fd: Option<u32>,
    pub strip_tabs: bool,
    pub expand: bool,
    pub marker_range: ByteRange,
}

/// BuildKit's `heredocsFromLine`: the line is split into words with quotes and escapes kept, and each word
/// matching `^(\d*)<<(-?)\s*([^<]*)$` opens a heredoc. A line the lexer rejects has no heredocs.
pub(super) fn heredocs_from_line(lg: &Logical) -> Result<Vec<HeredocSpec>, String> {
    let lex = Lex {
        escape: '\\',
        raw_quotes: true,
        raw_escapes: true,
    };
    let Ok(processed) = lex.process(&lg.text) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for w in processed.words {
        if let Some(mut spec) = parse_heredoc_word(&w.text)? {
            spec.marker_range = lg.source(w.start..w.end);
            out.push(spec);
        }
    }
    Ok(out)
}

/// BuildKit's `ParseHeredoc` on one word.
pub(super) fn parse_heredoc_word(word: &str) -> Result<Option<HeredocSpec>, String> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let Some(after) = word.get(digits..).and_then(|s| s.strip_prefix("<<")) else {
        return Ok(None);
    };
    if after.contains('<') {
        return Ok(None);
    }
    let strip_tabs = after.starts_with('-');
    let rest = after.strip_prefix('-').unwrap_or(after);
    let rest = rest.trim_start_matches(['\t', '\n', '\u{0c}', '\r', ' ']);
    if rest.is_empty() {
        return Ok(None);
    }
    let fd = if digits == 0 {
        None
    } else {
        Some(
            word.get(..digits)
                .and_then(|d| d.parse::<u32>().ok())
                .unwrap_or(u32::MAX),
        )
    };
    let plain = Lex {
        escape: '\\',
        raw_quotes: false,
        raw_escapes: false,
    };
    let words = plain.process(rest)?.words;
    let [name] = words.as_slice() else {
        return Ok(None);
    };
    let raw = Lex {
        raw_quotes: true,
        ..plain
    };
    let raw_words = raw.process(rest)?.words;
    if raw_words.len() != words.len() {
        return Err(format!(
            "internal lexing of heredoc produced inconsistent results: {rest}"
        ));
    }
    let quotes = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    let expand = raw_words
        .first()
        .is_some_and(|r| quotes(&r.text) == quotes(&name.text));
    Ok(Some(HeredocSpec {
        name: name.text.clone(),
        fd,
        strip_tabs,
        expand,
        marker_range: 0..0,
    }))
}

/// BuildKit's `(?m)^\t+` removal.
pub(super) fn strip_leading_tabs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for piece in s.split_inclusive('\n') {
        out.push_str(piece.trim_start_matches('\t'));
    }
    out
}
