//! The compose rules (`CP`). One rule per file; the file's doc comment (through `declare_rule!`) is the
//! rule's documentation. Findings point at the file, line and column of the key or value concerned.
//!
//! PLACEHOLDER: the rules are being written.

use crate::node::Node;
use crate::project::Project;
use bulkhead_core::{Finding, Location, Profile, RuleMeta, Span};

/// Options the rules read.
#[derive(Debug, Clone)]
pub struct ComposeCheckOptions {
    /// The policy profile: `dev` does not demand read-only or limits; `production` and `regulated` do.
    pub profile: Profile,
}

impl Default for ComposeCheckOptions {
    fn default() -> Self {
        ComposeCheckOptions {
            profile: Profile::Staging,
        }
    }
}

/// Everything a rule sees.
pub struct ComposeCheckContext<'a> {
    pub project: &'a Project,
    pub options: &'a ComposeCheckOptions,
}

impl<'a> ComposeCheckContext<'a> {
    /// A finding at a node (its file and span).
    pub fn finding_at(&self, meta: &RuleMeta, node: &Node, message: impl Into<String>) -> Finding {
        let path = self
            .project
            .path_of(&node.pos)
            .map(|p| p.display().to_string());
        let end = node.end.unwrap_or(node.pos);
        let span = Span {
            start_line: node.pos.line,
            start_column: node.pos.column,
            end_line: end.line,
            end_column: end.column,
            byte_start: node.pos.offset,
            byte_end: end.offset.max(node.pos.offset),
        };
        Finding::new(
            meta,
            message,
            Location {
                path,
                span: (node.pos.line > 0).then_some(span),
                object: None,
            },
        )
    }
}

/// One compose rule.
pub trait ComposeRule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &ComposeCheckContext, out: &mut Vec<Finding>);
}

/// Every compose rule.
pub fn registry() -> Vec<&'static dyn ComposeRule> {
    vec![]
}

/// Metadata of every compose rule.
pub fn all_meta() -> Vec<&'static RuleMeta> {
    registry().into_iter().map(|r| r.meta()).collect()
}

/// Run `rules` over a project.
pub fn check_rules(ctx: &ComposeCheckContext, rules: &[&'static dyn ComposeRule]) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in rules {
        r.check(ctx, &mut out);
    }
    out
}
