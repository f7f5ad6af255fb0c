//! BuildKit-compatible Dockerfile parser. (Being written.)

use crate::ast::Dockerfile;

/// Parses Dockerfile text. Never fails: problems are diagnostics in the result.
pub fn parse(text: &str) -> Dockerfile {
    Dockerfile { text: text.to_string(), escape: '\\', ..Dockerfile::default() }
}

/// Parses raw bytes (invalid UTF-8 is replaced, with a diagnostic).
pub fn parse_bytes(bytes: &[u8]) -> Dockerfile {
    parse(&String::from_utf8_lossy(bytes))
}
