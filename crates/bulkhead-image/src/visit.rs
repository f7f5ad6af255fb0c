//! The hook through which file contents are seen while layers stream past.

use crate::model::FileMeta;

/// Sees regular files as the layer reader streams them. Layers are read in parallel, so a visitor is shared
/// between threads; each call sees one file of one layer.
pub trait LayerVisitor: Sync {
    type Output: Send;
    /// Whether to receive this regular file's contents (files over the reader's per-file limit are never
    /// offered). `path` is absolute and normalized (`/etc/passwd`).
    fn wants(&self, path: &str, meta: &FileMeta) -> bool;
    /// The file's full contents, when [`LayerVisitor::wants`] said yes.
    fn visit(&self, layer: usize, path: &str, meta: &FileMeta, data: &[u8])
    -> Option<Self::Output>;
}

/// One visitor output, with the layer and path it came from.
#[derive(Debug, Clone)]
pub struct Visited<T> {
    pub layer: usize,
    pub path: String,
    pub output: T,
}

impl LayerVisitor for () {
    type Output = ();
    fn wants(&self, _: &str, _: &FileMeta) -> bool {
        false
    }
    fn visit(&self, _: usize, _: &str, _: &FileMeta, _: &[u8]) -> Option<()> {
        None
    }
}

/// An optional visitor: `None` wants nothing (a pass switched off by the caller), `Some` delegates.
impl<V: LayerVisitor> LayerVisitor for Option<V> {
    type Output = V::Output;
    fn wants(&self, path: &str, meta: &FileMeta) -> bool {
        self.as_ref().is_some_and(|v| v.wants(path, meta))
    }
    fn visit(&self, layer: usize, path: &str, meta: &FileMeta, data: &[u8]) -> Option<V::Output> {
        self.as_ref().and_then(|v| v.visit(layer, path, meta, data))
    }
}

/// Two visitors over one read: the file is read once and given to each that wants it.
impl<A: LayerVisitor, B: LayerVisitor> LayerVisitor for (A, B) {
    type Output = (Option<A::Output>, Option<B::Output>);
    fn wants(&self, path: &str, meta: &FileMeta) -> bool {
        self.0.wants(path, meta) || self.1.wants(path, meta)
    }
    fn visit(
        &self,
        layer: usize,
        path: &str,
        meta: &FileMeta,
        data: &[u8],
    ) -> Option<Self::Output> {
        let a = if self.0.wants(path, meta) {
            self.0.visit(layer, path, meta, data)
        } else {
            None
        };
        let b = if self.1.wants(path, meta) {
            self.1.visit(layer, path, meta, data)
        } else {
            None
        };
        if a.is_none() && b.is_none() {
            None
        } else {
            Some((a, b))
        }
    }
}
