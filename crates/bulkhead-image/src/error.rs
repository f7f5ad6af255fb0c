//! Errors that stop a read. Each says what was expected and what to do.

/// A read that could not produce an image at all. Problems that only lose part of the image (one bad
/// entry, one truncated layer) are [`crate::ReadNote`]s instead.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{0}")]
    Message(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
