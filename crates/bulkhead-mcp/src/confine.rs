//! File paths given by a client are confined to the server's root (`--root`, default the working
//! directory): resolved against it, symlinks followed, and refused when the real path leaves it.

use std::path::{Path, PathBuf};

/// `path` with `.` and `..` folded as written, without touching the file system (symlinks are not
/// followed: a path that leaves a directory this way leaves it whatever the links say).
pub fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The directory client paths must stay in.
#[derive(Debug, Clone)]
pub struct Root {
    dir: PathBuf,
}

impl Root {
    /// The root, resolved (it must exist and be a directory).
    pub fn new(dir: &Path) -> Result<Root, String> {
        let real = dir.canonicalize().map_err(|e| {
            format!(
                "--root {}: {e}; give an existing directory the server may read",
                dir.display()
            )
        })?;
        if !real.is_dir() {
            return Err(format!("--root {}: not a directory", dir.display()));
        }
        Ok(Root { dir: real })
    }

    /// The root directory (resolved).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The real path of `given` (relative paths are relative to the root), or why it is refused.
    pub fn resolve(&self, given: &str) -> Result<PathBuf, String> {
        if given.trim().is_empty() {
            return Err("the path is empty: give a path under the server's root".into());
        }
        if given.contains('\0') {
            return Err("the path contains a NUL byte".into());
        }
        let p = Path::new(given);
        let joined = if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.dir.join(p)
        };
        // Refused before touching the file system when it leaves the root as written: whether something
        // exists outside the root is not for a client to learn.
        if !lexical(&joined).starts_with(&self.dir) {
            return Err(self.outside(given));
        }
        let real = joined.canonicalize().map_err(|e| {
            format!(
                "{given}: {e} (paths are resolved against the server's root {})",
                self.dir.display()
            )
        })?;
        if !real.starts_with(&self.dir) {
            return Err(self.outside(given));
        }
        Ok(real)
    }

    fn outside(&self, given: &str) -> String {
        format!(
            "{given}: refused, it is outside the server's root {} (paths, including through symlinks, must stay under --root)",
            self.dir.display()
        )
    }

    /// `real` as the client should see it: relative to the root.
    pub fn show(&self, real: &Path) -> String {
        match real.strip_prefix(&self.dir) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".into(),
            Ok(rel) => rel.display().to_string(),
            Err(_) => real.display().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_root_are_refused_also_through_symlinks() {
        let outer = tempfile::tempdir().unwrap();
        let root_dir = outer.path().join("root");
        std::fs::create_dir_all(root_dir.join("app")).unwrap();
        std::fs::write(root_dir.join("app/Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(outer.path().join("secret.txt"), "x").unwrap();
        std::os::unix::fs::symlink(outer.path().join("secret.txt"), root_dir.join("link")).unwrap();
        let root = Root::new(&root_dir).unwrap();
        assert!(root.resolve("app/Dockerfile").is_ok());
        let abs = root_dir.join("app/Dockerfile");
        assert_eq!(
            root.show(&root.resolve(abs.to_str().unwrap()).unwrap()),
            "app/Dockerfile"
        );
        for bad in [
            "../secret.txt",
            "link",
            "/etc/passwd",
            "app/../../secret.txt",
        ] {
            let e = root.resolve(bad).unwrap_err();
            assert!(e.contains("outside the server's root"), "{bad}: {e}");
        }
        assert!(root.resolve("missing").unwrap_err().contains("missing"));
        // Outside and missing: refused the same way as outside and present.
        assert!(
            root.resolve("../nothing-here")
                .unwrap_err()
                .contains("outside the server's root")
        );
        assert!(root.resolve("").is_err());
    }
}
