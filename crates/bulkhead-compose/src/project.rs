//! A loaded compose project.

use crate::node::{Node, Pos};
use std::path::PathBuf;

/// One file read (the main files, extended and included ones, `.env`).
#[derive(Debug, Clone, Default)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// A problem with the input: file, position, what was expected. The rest of the project is still analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    /// 1-based; 0 when the problem is about the whole file.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A compose project after loading.
#[derive(Debug, Clone, Default)]
pub struct Project {
    pub files: Vec<SourceFile>,
    /// The merged, interpolated model (a mapping with `services`, `networks`, `volumes`, `secrets`, ...), or
    /// `None` when nothing could be loaded.
    pub model: Option<Node>,
    pub diagnostics: Vec<Diagnostic>,
    /// The project directory (the first file's directory).
    pub dir: PathBuf,
}

impl Project {
    /// The services in document order: `(name, node)`, only those enabled by the active profiles.
    pub fn services(&self) -> Vec<(&str, &Node)> {
        self.model
            .as_ref()
            .and_then(|m| m.get("services"))
            .and_then(Node::as_map)
            .map(|m| m.iter().map(|(k, v)| (k.name.as_str(), v)).collect())
            .unwrap_or_default()
    }

    /// The top-level `networks` mapping entries.
    pub fn networks(&self) -> Vec<(&str, &Node)> {
        self.model
            .as_ref()
            .and_then(|m| m.get("networks"))
            .and_then(Node::as_map)
            .map(|m| m.iter().map(|(k, v)| (k.name.as_str(), v)).collect())
            .unwrap_or_default()
    }

    /// The path of a position's file.
    pub fn path_of(&self, pos: &Pos) -> Option<&std::path::Path> {
        self.files.get(pos.file).map(|f| f.path.as_path())
    }
}
