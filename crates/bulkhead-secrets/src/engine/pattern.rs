//! How rule patterns are compiled: Perl classes are ASCII.
//!
//! `\d`, `\w`, `\s` (and their negations) and the word boundary `\b` mean their ASCII versions, as in
//! RE2 (and so in the Go-regex rule sets secret rules are usually written against): secrets are ASCII,
//! and a Unicode `\w` is hundreds of UTF-8 ranges, so the common `[\w.-]{0,50}?` prefix alone makes a
//! pattern's automata about 7 MB and its compilation 30 ms; a rule set of 200 such rules would hold
//! 450 MB. A Unicode word boundary also stops the lazy DFA on any non-ASCII text. `.`, negated
//! brackets and `\p{..}` classes keep matching any character, so matches stay on char boundaries.
//!
//! The rewrite is done on the parsed pattern (spans of the Perl classes and `\b` assertions), never
//! by text search; a pattern that does not parse is left as it is (its compile error is reported).

use regex_syntax::ast::{self, Ast, ClassPerlKind, ClassSetItem};

/// The pattern with ASCII Perl classes and word boundaries, or `None` when nothing changes (or it does
/// not parse).
pub(super) fn ascii_perl_classes(pattern: &str) -> Option<String> {
    let ast = ast::parse::Parser::new().parse(pattern).ok()?;
    let edits = ast::visit(&ast, Edits::default()).ok()?;
    if edits.0.is_empty() {
        return None;
    }
    let mut edits = edits.0;
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(pattern.len() + edits.len() * 8);
    let mut at = 0;
    for (start, end, with) in edits {
        // Spans never overlap; be defensive anyway.
        if start < at {
            return None;
        }
        out.push_str(pattern.get(at..start)?);
        out.push_str(with);
        at = end;
    }
    out.push_str(pattern.get(at..)?);
    Some(out)
}

/// (start, end, replacement) of each rewritten item.
#[derive(Default)]
struct Edits(Vec<(usize, usize, &'static str)>);

fn perl_in_brackets(kind: &ClassPerlKind, negated: bool) -> &'static str {
    match (kind, negated) {
        (ClassPerlKind::Digit, false) => "[:digit:]",
        (ClassPerlKind::Digit, true) => "[:^digit:]",
        (ClassPerlKind::Space, false) => "[:space:]",
        (ClassPerlKind::Space, true) => "[:^space:]",
        (ClassPerlKind::Word, false) => "[:word:]",
        (ClassPerlKind::Word, true) => "[:^word:]",
    }
}

fn perl_alone(kind: &ClassPerlKind, negated: bool) -> &'static str {
    match (kind, negated) {
        (ClassPerlKind::Digit, false) => "[[:digit:]]",
        (ClassPerlKind::Digit, true) => "[[:^digit:]]",
        (ClassPerlKind::Space, false) => "[[:space:]]",
        (ClassPerlKind::Space, true) => "[[:^space:]]",
        (ClassPerlKind::Word, false) => "[[:word:]]",
        (ClassPerlKind::Word, true) => "[[:^word:]]",
    }
}

impl ast::Visitor for Edits {
    type Output = Edits;
    type Err = ();

    fn finish(self) -> Result<Edits, ()> {
        Ok(self)
    }

    fn visit_pre(&mut self, ast: &Ast) -> Result<(), ()> {
        match ast {
            Ast::ClassPerl(c) => {
                self.0.push((
                    c.span.start.offset,
                    c.span.end.offset,
                    perl_alone(&c.kind, c.negated),
                ));
            }
            Ast::Assertion(a) if a.kind == ast::AssertionKind::WordBoundary => {
                self.0
                    .push((a.span.start.offset, a.span.end.offset, r"(?-u:\b)"));
            }
            _ => {}
        }
        Ok(())
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), ()> {
        if let ClassSetItem::Perl(c) = item {
            self.0.push((
                c.span.start.offset,
                c.span.end.offset,
                perl_in_brackets(&c.kind, c.negated),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_perl_classes_and_word_boundaries() {
        assert_eq!(
            ascii_perl_classes(r"\bghp_\w{36}\b").as_deref(),
            Some(r"(?-u:\b)ghp_[[:word:]]{36}(?-u:\b)")
        );
        assert_eq!(
            ascii_perl_classes(r#"(?i)[\w.-]{0,50}?key\s*[:=]\s*["']?([^\s"']{8,})\D"#).as_deref(),
            Some(
                r#"(?i)[[:word:].-]{0,50}?key[[:space:]]*[:=][[:space:]]*["']?([^[:space:]"']{8,})[[:^digit:]]"#
            )
        );
        // Escaped backslashes and literal text are untouched.
        assert_eq!(
            ascii_perl_classes(r"\\w\\b").as_deref(),
            None,
            "no Perl class here"
        );
        assert_eq!(ascii_perl_classes(r"abc[a-z]\pL"), None);
        assert_eq!(ascii_perl_classes(r"(unclosed"), None);
    }

    #[test]
    fn rewritten_patterns_compile_and_stay_small() {
        let p = r#"(?i)[\w.-]{0,50}?(?:access|auth|key|secret|token)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([\w.=-]{10,150}|[a-z0-9][a-z0-9+/]{11,}={0,3})(?:[\x60'"\s;]|\\[nr]|$)"#;
        let ascii = ascii_perl_classes(p).unwrap();
        let re = regex_automata::meta::Regex::new(&ascii).unwrap();
        assert!(re.memory_usage() < 1_000_000, "{}", re.memory_usage());
        // ASCII classes: a non-ASCII letter is not a word character, so the match starts after it.
        let hay = "tokén_key = 0123456789abcdef ";
        let m = re.find(hay).unwrap();
        assert_eq!(&hay[m.range()], "n_key = 0123456789abcdef ");
    }
}
