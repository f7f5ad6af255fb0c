//! Compose files, audited the way the engine would run them.
//!
//! - [`node`]: the YAML tree every stage shares: maps, sequences and scalars, each node and key carrying
//!   the file, line, column and byte offset it came from (kept through merges, `extends` and `include`).
//! - [`load`]: from paths to a [`Project`]: file discovery, several `-f` files merged in order, `extends`,
//!   `include`, profiles, interpolation (`${VAR:-default}`, `${VAR?err}`, `$$`) from the environment and
//!   `.env`, anchors and merge keys, schema validation; problems are [`Diagnostic`]s and the rest goes on.
//! - [`rules`]: the `CP` rules over a project.

pub mod fix;
pub mod load;
pub mod node;
pub mod project;
pub mod rules;

pub use node::{Key, Node, Pos, Value};
pub use project::{Diagnostic, Project, SourceFile};
