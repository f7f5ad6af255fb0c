//! Docker contexts: `DOCKER_CONTEXT` or `currentContext` in `config.json`, resolved through
//! `contexts/meta/<sha256(name)>/meta.json` (`Endpoints.docker.Host`, `SkipTLSVerify`), with TLS material in
//! `contexts/tls/<sha256(name)>/docker/`.

use super::{ClientEnv, ConnectError, Endpoint, EndpointSource, TlsFiles, normalize_host};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The directory name Docker gives a context's files: the hex SHA-256 of its name.
pub fn context_dir_name(name: &str) -> String {
    Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The endpoint of the current context, or `None` when there is none (or it is `default`, which means
/// the local socket).
pub fn resolve_context(env: &ClientEnv) -> Result<Option<Endpoint>, ConnectError> {
    let Some(dir) = &env.config_dir else {
        return Ok(None);
    };
    let name = match &env.docker_context {
        Some(n) => n.clone(),
        None => {
            let cfg = dir.join("config.json");
            let Ok(text) = std::fs::read_to_string(&cfg) else {
                return Ok(None);
            };
            let v: Value = serde_json::from_str(&text).map_err(|e| ConnectError {
                host: format!("the current Docker context ({})", cfg.display()),
                reason: format!("{} is not valid JSON: {e}", cfg.display()),
            })?;
            match v.get("currentContext").and_then(Value::as_str) {
                Some(n) if !n.is_empty() => n.to_string(),
                _ => return Ok(None),
            }
        }
    };
    if name == "default" {
        return Ok(None);
    }
    let err = |reason: String| ConnectError {
        host: format!("context {name:?}"),
        reason,
    };
    let hash = context_dir_name(&name);
    let meta_path = dir.join("contexts/meta").join(&hash).join("meta.json");
    let text = std::fs::read_to_string(&meta_path).map_err(|e| {
        err(format!(
            "the context does not exist: cannot read {}: {e} (see `docker context ls`; unset DOCKER_CONTEXT or `docker context use default`)",
            meta_path.display()
        ))
    })?;
    let meta: Value = serde_json::from_str(&text)
        .map_err(|e| err(format!("{} is not valid JSON: {e}", meta_path.display())))?;
    let docker = meta.get("Endpoints").and_then(|e| e.get("docker"));
    let host = docker
        .and_then(|d| d.get("Host"))
        .and_then(Value::as_str)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            err(format!(
                "{} has no Endpoints.docker.Host",
                meta_path.display()
            ))
        })?;
    let skip = docker
        .and_then(|d| d.get("SkipTLSVerify"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let tls_dir = dir.join("contexts/tls").join(&hash).join("docker");
    let tls = tls_dir.is_dir().then(|| TlsFiles::in_dir(&tls_dir));
    Ok(Some(Endpoint {
        host: normalize_host(host),
        source: EndpointSource::Context(name),
        tls,
        skip_tls_verify: skip,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_directory_is_the_sha256_of_the_name() {
        // `docker context create` stores "default"-named data under this digest (sha256 of "default").
        assert_eq!(
            context_dir_name("default"),
            "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
        );
    }

    #[test]
    fn no_config_means_no_context() {
        let dir = tempfile::tempdir().unwrap();
        let env = ClientEnv {
            config_dir: Some(dir.path().to_path_buf()),
            ..ClientEnv::default()
        };
        assert_eq!(resolve_context(&env).unwrap(), None);
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"currentContext":"default"}"#,
        )
        .unwrap();
        assert_eq!(resolve_context(&env).unwrap(), None);
    }

    #[test]
    fn bad_config_json_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), "{not json").unwrap();
        let env = ClientEnv {
            config_dir: Some(dir.path().to_path_buf()),
            ..ClientEnv::default()
        };
        let e = resolve_context(&env).unwrap_err().to_string();
        assert!(e.contains("config.json is not valid JSON"), "{e}");
    }

    #[test]
    fn tls_directory_and_skip_verify_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let hash = context_dir_name("remote");
        let meta = dir.path().join("contexts/meta").join(&hash);
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"remote","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://10.1.2.3:2376","SkipTLSVerify":true}}}"#,
        )
        .unwrap();
        let tls = dir.path().join("contexts/tls").join(&hash).join("docker");
        std::fs::create_dir_all(&tls).unwrap();
        let env = ClientEnv {
            config_dir: Some(dir.path().to_path_buf()),
            docker_context: Some("remote".into()),
            ..ClientEnv::default()
        };
        let ep = resolve_context(&env).unwrap().unwrap();
        assert_eq!(ep.host, "tcp://10.1.2.3:2376");
        assert_eq!(ep.source, EndpointSource::Context("remote".into()));
        assert!(ep.skip_tls_verify);
        assert_eq!(ep.tls, Some(TlsFiles::in_dir(&tls)));
    }
}
