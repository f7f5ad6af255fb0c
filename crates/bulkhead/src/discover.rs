//! Finding the Dockerfiles under the paths the user gave.

use globset::{Glob, GlobSet, GlobSetBuilder};
use std::path::{Path, PathBuf};

/// Whether a file name is one of the Dockerfile naming conventions.
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".dockerignore") {
        return false;
    }
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
}

/// Directories never descended into.
const SKIP_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    ".hg",
    ".svn",
    "target",
    "__pycache__",
    ".venv",
    ".tox",
];

pub struct Discovered {
    /// Dockerfiles.
    pub files: Vec<PathBuf>,
    /// Compose files (`compose.yaml`, `docker-compose.yml`, overrides, or any YAML file named explicitly).
    pub compose: Vec<PathBuf>,
    /// Problems with the paths given (missing, unreadable).
    pub errors: Vec<(String, String)>,
}

pub fn excludes(patterns: &[String], base: &Path) -> Result<Option<(GlobSet, PathBuf)>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| format!("invalid exclude pattern `{p}`: {e}"))?);
    }
    b.build()
        .map(|g| Some((g, base.to_path_buf())))
        .map_err(|e| e.to_string())
}

pub fn discover(paths: &[PathBuf], exclude: Option<&(GlobSet, PathBuf)>) -> Discovered {
    let mut files = Vec::new();
    let mut compose = Vec::new();
    let mut errors = Vec::new();
    let excluded = |p: &Path| -> bool {
        let Some((set, base)) = exclude else {
            return false;
        };
        let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let rel = abs.strip_prefix(base).unwrap_or(&abs);
        set.is_match(rel)
    };
    for p in paths {
        match std::fs::metadata(p) {
            Err(e) => errors.push((p.display().to_string(), format!("cannot read: {e}"))),
            Ok(m) if m.is_file() && is_explicit_compose(p) => compose.push(p.clone()),
            Ok(m) if m.is_file() => files.push(p.clone()),
            Ok(m) if m.is_dir() => {
                let walker = walkdir::WalkDir::new(p)
                    .follow_links(false)
                    .sort_by_file_name()
                    .into_iter()
                    .filter_entry(|e| {
                        let name = e.file_name().to_string_lossy();
                        !(e.depth() > 0
                            && e.file_type().is_dir()
                            && SKIP_DIRS.contains(&name.as_ref()))
                    });
                for entry in walker {
                    match entry {
                        Ok(e) => {
                            let name = e.file_name().to_string_lossy().into_owned();
                            if !e.file_type().is_file() || excluded(e.path()) {
                                continue;
                            }
                            if is_dockerfile_name(&name) {
                                files.push(e.into_path());
                            } else if bulkhead_compose::load::is_compose_file_name(&name) {
                                compose.push(e.into_path());
                            }
                        }
                        Err(err) => errors.push((
                            err.path()
                                .map(|p| p.display().to_string())
                                .unwrap_or_else(|| p.display().to_string()),
                            format!("cannot read: {err}"),
                        )),
                    }
                }
            }
            Ok(_) => errors.push((
                p.display().to_string(),
                "not a regular file or directory".into(),
            )),
        }
    }
    Discovered {
        files,
        compose,
        errors,
    }
}

/// A file given by path is a compose file when its name is a compose name or it is YAML.
fn is_explicit_compose(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    bulkhead_compose::load::is_compose_file_name(&name)
        || name.ends_with(".yml")
        || name.ends_with(".yaml")
}

#[cfg(test)]
mod tests {
    use super::is_dockerfile_name;

    #[test]
    fn names() {
        for n in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "api.Dockerfile",
            "Dockerfile.prod",
            "Dockerfile.dev",
        ] {
            assert!(is_dockerfile_name(n), "{n}");
        }
        for n in [
            "Dockerfile.dockerignore",
            "docker-compose.yml",
            "README.md",
            ".dockerignore",
            "Makefile",
        ] {
            assert!(!is_dockerfile_name(n), "{n}");
        }
    }
}
