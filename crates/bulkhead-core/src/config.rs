//! Configuration files: `bulkhead.toml` or `.bulkhead.toml`, found by walking up from the target.
//! Command-line flags override what the file says.
//!
//! ```toml
//! profile = "production"
//! fail-on = "high"
//! select = ["DF"]
//! ignore = ["DF024", "DL3008"]
//!
//! [severity]
//! DF040 = "low"
//!
//! [check]
//! trusted-registries = ["registry.example.com", "ghcr.io/acme"]
//! exclude = ["vendor/**"]
//! ```

use crate::Severity;
use crate::policy::{FailOn, Policy, Profile};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const CONFIG_NAMES: [&str; 2] = ["bulkhead.toml", ".bulkhead.toml"];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    pub profile: Option<String>,
    pub fail_on: Option<String>,
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    #[serde(default)]
    pub check: CheckConfig,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CheckConfig {
    /// Registries (or registry/namespace prefixes) base images may come from. Empty: any.
    #[serde(default)]
    pub trusted_registries: Vec<String>,
    /// Glob patterns (relative to the config file's directory) that discovery skips.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// A configuration problem, with the file and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}{line}: {message}")]
    Parse {
        path: PathBuf,
        line: String,
        message: String,
    },
}

/// The loaded configuration: where it came from and the resolved settings.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    pub file: ConfigFile,
}

impl Config {
    /// Finds the nearest `bulkhead.toml`/`.bulkhead.toml` at or above `start` (a file or a directory).
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let abs = std::path::absolute(start).ok()?;
        let mut dir = if abs.is_dir() {
            Some(abs.as_path())
        } else {
            abs.parent()
        };
        while let Some(d) = dir {
            for name in CONFIG_NAMES {
                let p = d.join(name);
                if p.is_file() {
                    return Some(p);
                }
            }
            dir = d.parent();
        }
        None
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| {
                    format!(
                        ":{}",
                        text[..s.start.min(text.len())].matches('\n').count() + 1
                    )
                })
                .unwrap_or_default();
            ConfigError::Parse {
                path: path.to_path_buf(),
                line,
                message: e.message().trim().to_string(),
            }
        })?;
        let cfg = Config {
            path: Some(path.to_path_buf()),
            file,
        };
        // Validate values now, so a typo fails with the file named rather than later.
        cfg.policy_base().map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            line: String::new(),
            message,
        })?;
        Ok(cfg)
    }

    /// The policy the file describes (before command-line overrides).
    pub fn policy_base(&self) -> Result<Policy, String> {
        let profile = match &self.file.profile {
            Some(p) => p.parse::<Profile>()?,
            None => Profile::default(),
        };
        let mut policy = Policy::new(profile);
        policy.select = self.file.select.clone();
        policy.ignore = self.file.ignore.clone();
        for (k, v) in &self.file.severity {
            let s: Severity = v.parse().map_err(|e| format!("[severity] {k}: {e}"))?;
            policy.severity.insert(k.clone(), s);
        }
        if let Some(f) = &self.file.fail_on {
            policy.fail_on = Some(f.parse::<FailOn>().map_err(|e| format!("fail-on: {e}"))?);
        }
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovers_upward_and_parses() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(
            dir.path().join(".bulkhead.toml"),
            "profile = \"regulated\"\nignore = [\"DL3008\"]\n[severity]\nDF040 = \"low\"\n",
        )
        .unwrap();
        let found = Config::discover(&sub).unwrap();
        assert_eq!(found.file_name().unwrap(), ".bulkhead.toml");
        let cfg = Config::load(&found).unwrap();
        let p = cfg.policy_base().unwrap();
        assert_eq!(p.profile, Profile::Regulated);
        assert_eq!(p.ignore, vec!["DL3008".to_string()]);
        assert_eq!(p.severity.get("DF040"), Some(&Severity::Low));
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = Config::parse(
            Path::new("x/bulkhead.toml"),
            "profile = \"prod\"\nbogus = 1\n",
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("x/bulkhead.toml:2"), "{msg}");
        let err = Config::parse(Path::new("b.toml"), "profile = \"strict\"\n").unwrap_err();
        assert!(
            err.to_string().contains("unknown profile `strict`"),
            "{err}"
        );
    }
}
