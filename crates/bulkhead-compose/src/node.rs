//! The YAML tree with positions.

/// Where a node or key starts: the file (index into [`crate::Project::files`]), 1-based line and column
/// (in characters), and the byte offset in that file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub file: usize,
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

/// A mapping key with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub pos: Pos,
}

/// A value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string scalar (after interpolation).
    Str(String),
    Seq(Vec<Node>),
    /// Keys in document order (after merges: the order of the first file that set them).
    Map(Vec<(Key, Node)>),
}

/// A node: its value, where it starts and (when known) where it ends (exclusive), in the same file.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
    pub end: Option<Pos>,
}

impl Node {
    /// A node without a position (defaults filled in by the loader).
    pub fn synthetic(value: Value) -> Node {
        Node {
            value,
            pos: Pos::default(),
            end: None,
        }
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value under `key` in a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The value at a path of keys (`["deploy", "resources", "limits", "memory"]`).
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }

    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar as text (`true`, `512`, `0.5`, a string); `None` for null, sequences and maps.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Str(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// A boolean, accepting the strings compose accepts (`true`, `false`, `yes`, `no`, `on`, `off`).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            Value::Str(s) => match s.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "y" => Some(true),
                "false" | "no" | "off" | "n" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The strings of a sequence of scalars (non-scalars skipped).
    pub fn strings(&self) -> Vec<String> {
        self.as_seq()
            .map(|s| s.iter().filter_map(Node::scalar_text).collect())
            .unwrap_or_default()
    }
}
