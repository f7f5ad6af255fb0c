//! Dockerfiles: a lossless, error-tolerant parser that agrees with BuildKit ([`parser`]), a semantic model
//! of stages and ARG/ENV scope ([`model`]), shell understanding of RUN ([`shell`]), the build context with
//! Docker's `.dockerignore` semantics ([`context`]), the security rules ([`rules`]) with their fixes.

pub mod ast;
pub mod context;
pub mod parser;
pub use bulkhead_secrets::files as sensitive;
pub mod shell;

pub use ast::*;
pub use parser::{parse, parse_bytes};
pub mod model;
pub mod rules;
pub mod secrets;
