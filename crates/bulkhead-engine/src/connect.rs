//! Which engine to talk to, and the connection.
//!
//! FIRST VERSION: `--host` or `DOCKER_HOST` (unix socket or plain `tcp://`), else the default socket.
//! TLS, ssh, Docker contexts and Podman's socket come next.

use bollard::Docker;

/// The default engine address.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// A connected engine.
#[derive(Debug, Clone)]
pub struct Connection {
    pub docker: Docker,
    /// The address, as shown to the user.
    pub host: String,
}

/// The engine could not be reached; the message says which address and why.
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to the Docker engine at {host}: {reason}")]
pub struct ConnectError {
    pub host: String,
    pub reason: String,
}

/// The address to audit: `host`, else `$DOCKER_HOST`, else [`DEFAULT_HOST`].
pub fn resolve_host(host: Option<&str>) -> String {
    host.map(str::to_string)
        .or_else(|| std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| DEFAULT_HOST.to_string())
}

/// Connect (lazily: nothing is sent until the first request).
pub fn connect(host: Option<&str>) -> Result<Connection, ConnectError> {
    let host = resolve_host(host);
    let err = |reason: String| ConnectError {
        host: host.clone(),
        reason,
    };
    let docker = if let Some(path) = host.strip_prefix("unix://") {
        Docker::connect_with_unix(path, 120, bollard::API_DEFAULT_VERSION)
    } else if host.starts_with("tcp://") || host.starts_with("http://") {
        Docker::connect_with_http(&host, 120, bollard::API_DEFAULT_VERSION)
    } else {
        return Err(err(
            "unsupported address (expected unix:// or tcp://)".into()
        ));
    }
    .map_err(|e| err(e.to_string()))?;
    Ok(Connection { docker, host })
}
