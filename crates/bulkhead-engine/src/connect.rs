//! Which engine to talk to, and the connection.
//!
//! The address comes, first match wins, from: `--host`; `DOCKER_HOST`; the Docker context named by
//! `DOCKER_CONTEXT`, else `currentContext` in `~/.docker/config.json` (resolved through
//! `~/.docker/contexts/meta/<sha256(name)>/meta.json`, TLS material in `contexts/tls/<sha256>/docker/`);
//! else the first local socket present among `/var/run/docker.sock`, the rootless
//! `$XDG_RUNTIME_DIR/docker.sock`, then Podman's compatible sockets (`$XDG_RUNTIME_DIR/podman/podman.sock`,
//! `/run/podman/podman.sock`).
//!
//! Schemes: `unix://PATH` (or a bare path), `tcp://` and `http://` (plain; TLS when `DOCKER_TLS_VERIFY` or
//! `DOCKER_TLS` is set, certificates from `DOCKER_CERT_PATH`, default `~/.docker`), `https://` (TLS), and
//! `ssh://[USER@]HOST[:PORT]` (through the system `ssh` client, which runs `docker system dial-stdio` on the
//! remote host).
//!
//! Connecting is lazy: nothing is sent until [`crate::collect`] negotiates the API version, and an engine
//! that cannot be reached gives one [`ConnectError`] line naming the address and why.

mod context;
mod explain;

pub use context::{context_dir_name, resolve_context};
pub use explain::explain_error;

use bollard::Docker;
use std::path::{Path, PathBuf};

/// The default engine address.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// Seconds a request may take before it is abandoned.
pub const REQUEST_TIMEOUT_SECS: u64 = 60;

/// A connected engine.
#[derive(Debug, Clone)]
pub struct Connection {
    pub docker: Docker,
    /// The address, as shown to the user.
    pub host: String,
    /// Where the address came from.
    pub source: EndpointSource,
    /// Whether the connection uses TLS (`tcp://` with client certificates, `https://`).
    pub tls: bool,
}

impl Connection {
    /// Whether the engine is on this machine (a unix socket): host files can then be read.
    pub fn local(&self) -> bool {
        self.host.starts_with("unix://")
    }

    /// How to name the engine in messages: the address, plus the context or the Podman socket it came from.
    pub fn display(&self) -> String {
        format!("{}{}", self.host, self.source.suffix())
    }
}

/// Where an engine address came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointSource {
    /// `--host`.
    Flag,
    /// `DOCKER_HOST`.
    Env,
    /// A Docker context, by name.
    Context(String),
    /// The first local Docker socket present.
    DefaultSocket,
    /// Podman's Docker-compatible socket (the only socket present).
    Podman,
}

impl EndpointSource {
    /// How the address was chosen, when that is worth saying: `context "prod"`, `Podman's
    /// Docker-compatible socket`, `DOCKER_HOST`.
    pub fn describe(&self) -> Option<String> {
        match self {
            EndpointSource::Context(name) => Some(format!("context {name:?}")),
            EndpointSource::Podman => Some("Podman's Docker-compatible socket".to_string()),
            EndpointSource::Env => Some("DOCKER_HOST".to_string()),
            _ => None,
        }
    }

    /// ` (context "prod")`, ` (Podman's Docker-compatible socket)`, or nothing.
    pub fn suffix(&self) -> String {
        self.describe()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default()
    }
}

/// Client certificates for TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    /// `ca.pem`, `cert.pem` and `key.pem` in `dir`.
    pub fn in_dir(dir: &Path) -> TlsFiles {
        TlsFiles {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        }
    }

    fn missing(&self) -> Vec<String> {
        [&self.ca, &self.cert, &self.key]
            .into_iter()
            .filter(|p| !p.is_file())
            .map(|p| p.display().to_string())
            .collect()
    }
}

/// An engine address, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Normalised address (`unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376`, `ssh://admin@host`).
    pub host: String,
    pub source: EndpointSource,
    /// Client certificates when the connection uses TLS.
    pub tls: Option<TlsFiles>,
    /// A context asked to skip server certificate verification (not honoured: bollard always verifies).
    pub skip_tls_verify: bool,
}

/// The client environment that decides the address (the process environment, or a test's).
#[derive(Debug, Clone, Default)]
pub struct ClientEnv {
    /// `DOCKER_HOST`.
    pub docker_host: Option<String>,
    /// `DOCKER_CONTEXT`.
    pub docker_context: Option<String>,
    /// `DOCKER_CONFIG`, else `$HOME/.docker`.
    pub config_dir: Option<PathBuf>,
    /// `DOCKER_TLS_VERIFY` or `DOCKER_TLS` set (non-empty).
    pub tls: bool,
    /// `DOCKER_CERT_PATH`.
    pub cert_path: Option<PathBuf>,
    /// `XDG_RUNTIME_DIR` (rootless Docker and Podman sockets).
    pub xdg_runtime_dir: Option<PathBuf>,
    /// The system Docker socket (`/var/run/docker.sock`).
    pub docker_socket: PathBuf,
    /// The system Podman socket (`/run/podman/podman.sock`).
    pub podman_socket: PathBuf,
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl ClientEnv {
    /// The running process's environment.
    pub fn from_process() -> ClientEnv {
        ClientEnv {
            docker_host: env_var("DOCKER_HOST"),
            docker_context: env_var("DOCKER_CONTEXT"),
            config_dir: env_var("DOCKER_CONFIG")
                .map(PathBuf::from)
                .or_else(|| env_var("HOME").map(|h| Path::new(&h).join(".docker"))),
            tls: env_var("DOCKER_TLS_VERIFY").is_some() || env_var("DOCKER_TLS").is_some(),
            cert_path: env_var("DOCKER_CERT_PATH").map(PathBuf::from),
            xdg_runtime_dir: env_var("XDG_RUNTIME_DIR").map(PathBuf::from),
            docker_socket: PathBuf::from("/var/run/docker.sock"),
            podman_socket: PathBuf::from("/run/podman/podman.sock"),
        }
    }
}

/// The engine could not be reached; the message says which address and why.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot connect to the Docker engine at {host}: {reason}")]
pub struct ConnectError {
    /// The address, with where it came from (`unix:///x.sock (context "dev")`).
    pub host: String,
    pub reason: String,
}

/// The address `host` would connect to, without the context and socket search (kept for callers that
/// only need a string): `host`, else `$DOCKER_HOST`, else [`DEFAULT_HOST`].
pub fn resolve_host(host: Option<&str>) -> String {
    resolve(host, &ClientEnv::from_process())
        .map(|e| e.host)
        .unwrap_or_else(|_| DEFAULT_HOST.to_string())
}

/// Normalise an address: a bare path becomes `unix://PATH`; `unix:` keeps its path.
pub fn normalize_host(host: &str) -> String {
    let h = host.trim();
    if h.starts_with('/') {
        format!("unix://{h}")
    } else {
        h.to_string()
    }
}

/// Resolve the address to audit (see the module documentation for the order).
pub fn resolve(host: Option<&str>, env: &ClientEnv) -> Result<Endpoint, ConnectError> {
    if let Some(h) = host.filter(|h| !h.trim().is_empty()) {
        return Ok(with_env_tls(normalize_host(h), EndpointSource::Flag, env));
    }
    if let Some(h) = &env.docker_host {
        return Ok(with_env_tls(normalize_host(h), EndpointSource::Env, env));
    }
    if let Some(ep) = resolve_context(env)? {
        return Ok(ep);
    }
    Ok(default_socket(env))
}

fn with_env_tls(host: String, source: EndpointSource, env: &ClientEnv) -> Endpoint {
    let tls_scheme = host.starts_with("https://");
    let tcp = host.starts_with("tcp://") || host.starts_with("http://");
    let tls = (tls_scheme || (tcp && env.tls)).then(|| {
        let dir = env
            .cert_path
            .clone()
            .or_else(|| env.config_dir.clone())
            .unwrap_or_else(|| PathBuf::from(".docker"));
        TlsFiles::in_dir(&dir)
    });
    Endpoint {
        host,
        source,
        tls,
        skip_tls_verify: false,
    }
}

/// The first local socket present; Podman's only when no Docker socket exists.
fn default_socket(env: &ClientEnv) -> Endpoint {
    let mut docker = vec![env.docker_socket.clone()];
    let mut podman = Vec::new();
    if let Some(x) = &env.xdg_runtime_dir {
        docker.push(x.join("docker.sock"));
        podman.push(x.join("podman/podman.sock"));
    }
    podman.push(env.podman_socket.clone());
    let found = |cands: &[PathBuf]| cands.iter().find(|p| p.exists()).cloned();
    let (path, source) = match found(&docker) {
        Some(p) => (p, EndpointSource::DefaultSocket),
        None => match found(&podman) {
            Some(p) => (p, EndpointSource::Podman),
            None => (env.docker_socket.clone(), EndpointSource::DefaultSocket),
        },
    };
    Endpoint {
        host: format!("unix://{}", path.display()),
        source,
        tls: None,
        skip_tls_verify: false,
    }
}

/// Connect to the engine `host` names (or the default one), from the process environment.
pub fn connect(host: Option<&str>) -> Result<Connection, ConnectError> {
    connect_with(host, &ClientEnv::from_process())
}

/// Connect, resolving the address in `env`.
pub fn connect_with(host: Option<&str>, env: &ClientEnv) -> Result<Connection, ConnectError> {
    open(&resolve(host, env)?)
}

/// Open a (lazy) connection to a resolved endpoint. Checks what can be checked without a request: the
/// socket file exists, the TLS files exist, the scheme is known.
pub fn open(ep: &Endpoint) -> Result<Connection, ConnectError> {
    let err = |reason: String| ConnectError {
        host: format!("{}{}", ep.host, ep.source.suffix()),
        reason,
    };
    let version = bollard::API_DEFAULT_VERSION;
    let t = REQUEST_TIMEOUT_SECS;
    let docker = if let Some(path) = ep.host.strip_prefix("unix://") {
        let p = Path::new(path);
        match std::fs::metadata(p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(err(format!(
                    "no such socket {path} (is the engine running? `systemctl start docker`, or give --host)"
                )));
            }
            Err(e) => return Err(err(format!("{path}: {e}"))),
            Ok(m) => {
                use std::os::unix::fs::FileTypeExt;
                if !m.file_type().is_socket() {
                    return Err(err(format!("{path} is not a socket")));
                }
            }
        }
        Docker::connect_with_unix(path, t, version)
    } else if ep.host.starts_with("tcp://")
        || ep.host.starts_with("http://")
        || ep.host.starts_with("https://")
    {
        match &ep.tls {
            Some(files) => {
                let missing = files.missing();
                if !missing.is_empty() {
                    return Err(err(format!(
                        "TLS is on but the certificate files are missing: {} (set DOCKER_CERT_PATH to the directory holding ca.pem, cert.pem and key.pem)",
                        missing.join(", ")
                    )));
                }
                install_crypto_provider();
                let addr = ep.host.replacen("http://", "tcp://", 1);
                Docker::connect_with_ssl(&addr, &files.key, &files.cert, &files.ca, t, version)
            }
            None => Docker::connect_with_http(&ep.host, t, version),
        }
    } else if let Some(dest) = ep.host.strip_prefix("ssh://") {
        // bollard hands openssh the destination without its scheme, so a `:PORT` would be read as part
        // of the host name: refuse it with the way round it.
        let hostport = dest.rsplit('@').next().unwrap_or(dest);
        if let Some((h, p)) = hostport.rsplit_once(':')
            && p.parse::<u16>().is_ok()
        {
            return Err(err(format!(
                "ssh:// with a port is not supported: add `Host {h}-docker` / `HostName {h}` / `Port {p}` to ~/.ssh/config and use ssh://{}{h}-docker",
                dest.rsplit_once('@').map(|(u, _)| format!("{u}@")).unwrap_or_default()
            )));
        }
        Docker::connect_with_ssh(&ep.host, t, version, None)
    } else {
        return Err(err(
            "unsupported address (expected unix://PATH, a socket path, tcp://HOST:PORT, https://HOST:PORT or ssh://[USER@]HOST)".into(),
        ));
    }
    .map_err(|e| err(explain_error(&e)))?;
    Ok(Connection {
        docker,
        host: ep.host.clone(),
        source: ep.source.clone(),
        tls: ep.tls.is_some(),
    })
}

/// rustls needs one process-wide provider; ring is the one built in. One installed already is kept.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> ClientEnv {
        ClientEnv {
            docker_socket: PathBuf::from("/nonexistent/docker.sock"),
            podman_socket: PathBuf::from("/nonexistent/podman.sock"),
            ..ClientEnv::default()
        }
    }

    #[test]
    fn flag_beats_env_and_bare_path_is_unix() {
        let mut e = env();
        e.docker_host = Some("tcp://10.0.0.5:2375".into());
        let ep = resolve(Some("/run/x.sock"), &e).unwrap();
        assert_eq!(ep.host, "unix:///run/x.sock");
        assert_eq!(ep.source, EndpointSource::Flag);
        let ep = resolve(None, &e).unwrap();
        assert_eq!(ep.host, "tcp://10.0.0.5:2375");
        assert_eq!(ep.source, EndpointSource::Env);
        assert!(ep.tls.is_none());
    }

    #[test]
    fn tls_verify_takes_certificates_from_cert_path() {
        let mut e = env();
        e.tls = true;
        e.cert_path = Some(PathBuf::from("/certs"));
        let ep = resolve(Some("tcp://h:2376"), &e).unwrap();
        assert_eq!(ep.tls, Some(TlsFiles::in_dir(Path::new("/certs"))));
        // TLS without certificate files: one clear error naming them.
        let err = open(&ep).unwrap_err().to_string();
        assert!(err.contains("tcp://h:2376"), "{err}");
        assert!(err.contains("/certs/ca.pem"), "{err}");
        // unix sockets never use TLS
        assert!(resolve(Some("unix:///x.sock"), &e).unwrap().tls.is_none());
    }

    #[test]
    fn unknown_scheme_is_refused() {
        let err = connect_with(Some("ftp://x"), &env())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ftp://x") && err.contains("unsupported address"),
            "{err}"
        );
    }

    #[test]
    fn no_socket_anywhere_falls_back_to_the_system_socket() {
        let ep = resolve(None, &env()).unwrap();
        assert_eq!(ep.host, "unix:///nonexistent/docker.sock");
        assert_eq!(ep.source, EndpointSource::DefaultSocket);
    }
}
