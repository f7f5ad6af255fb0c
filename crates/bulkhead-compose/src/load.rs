//! Loading compose files into a [`Project`].
//!
//! PLACEHOLDER: being written (discovery, YAML with positions, merge, extends, include, profiles,
//! interpolation, schema validation).

use crate::project::Project;
use std::path::PathBuf;

/// How to load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Active profiles (`--profile`, `COMPOSE_PROFILES`).
    pub profiles: Vec<String>,
    /// Variables for interpolation, on top of `.env` (the process environment by default).
    pub env: Option<Vec<(String, String)>>,
}

/// Load the files (merged in order, like `docker compose -f a -f b`).
pub fn load(paths: &[PathBuf], opts: &LoadOptions) -> Project {
    let _ = (paths, opts);
    Project::default()
}

/// Whether a file name is one compose looks for (`compose.yaml`, `compose.yml`, `docker-compose.yaml`,
/// `docker-compose.yml`, and `*.override.*` / `compose.*.yaml` variants).
pub fn is_compose_file_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.starts_with("compose") || n.starts_with("docker-compose"))
        && (n.ends_with(".yaml") || n.ends_with(".yml"))
}
