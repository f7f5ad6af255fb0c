//! Results small enough for a model's context: counts first, then one page of items.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: usize = 50;
/// The most items one call returns.
pub const MAX_LIMIT: usize = 500;

/// Which page of a long result to return.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
pub struct PageArgs {
    /// Items to skip (default 0). The previous page's `next_offset`.
    #[serde(default)]
    pub offset: Option<usize>,
    /// Items to return (default 50, at most 500).
    #[serde(default)]
    pub limit: Option<usize>,
}

impl PageArgs {
    /// Takes this page out of `items`; returns the page and its description
    /// (`total`, `offset`, `returned`, `next_offset`).
    pub fn take<T>(&self, items: Vec<T>) -> (Vec<T>, Value) {
        let total = items.len();
        let offset = self.offset.unwrap_or(0).min(total);
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let page: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
        let next = offset + page.len();
        let meta = json!({
            "total": total,
            "offset": offset,
            "returned": page.len(),
            "next_offset": if next < total { json!(next) } else { Value::Null },
        });
        (page, meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_the_whole_list_once() {
        let items: Vec<usize> = (0..120).collect();
        let mut seen = Vec::new();
        let mut offset = Some(0);
        while let Some(o) = offset {
            let (page, meta) = PageArgs {
                offset: Some(o),
                limit: Some(50),
            }
            .take(items.clone());
            assert_eq!(meta["total"], 120);
            seen.extend(page);
            offset = meta["next_offset"].as_u64().map(|n| n as usize);
        }
        assert_eq!(seen, items);
        let (page, meta) = PageArgs {
            offset: Some(999),
            limit: Some(0),
        }
        .take(items);
        assert!(page.is_empty());
        assert_eq!(meta["offset"], 120);
        assert!(meta["next_offset"].is_null());
    }
}
