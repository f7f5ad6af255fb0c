//! The scanning engine. (Being written.)

use crate::rule::SecretRule;
use std::ops::Range;

/// Engine settings.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Files larger than this are skipped with a note (default 10 MiB).
    pub max_file_size: u64,
    /// Scan minified files and source maps too (default false).
    pub include_minified: bool,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            max_file_size: 10 * 1024 * 1024,
            include_minified: false,
        }
    }
}

/// One secret found in a text. Offsets index the scanned text.
#[derive(Debug, Clone)]
pub struct SecretMatch {
    pub rule: &'static SecretRule,
    /// The secret itself.
    pub secret_range: Range<usize>,
    /// The whole match of the rule's pattern.
    pub match_range: Range<usize>,
    /// 1-based line and column (chars) of the secret.
    pub line: usize,
    pub column: usize,
    /// The secret, redacted (`ghp_****…(40 chars)`). The engine never hands out the full secret.
    pub redacted: String,
}

/// Why a file was not scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    Binary,
    TooLarge { size: u64, limit: u64 },
    Minified,
    Unreadable(String),
}

/// The result of scanning one file.
#[derive(Debug, Clone, Default)]
pub struct ScanOutcome {
    pub matches: Vec<SecretMatch>,
    pub skipped: Option<SkipReason>,
}

/// The engine (being written).
pub struct Engine {
    pub config: ScanConfig,
}
