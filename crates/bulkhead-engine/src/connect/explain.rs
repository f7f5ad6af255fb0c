//! Why an engine could not be reached, in one line with the usual fix.

use bollard::errors::Error;
use std::error::Error as StdError;

/// One line saying why a request to the engine failed: no such socket, connection refused, permission
/// denied (with the `sudo` / docker group / rootless hint), TLS, an answer that is not HTTP, an HTTP error
/// (old API versions), a timeout.
pub fn explain_error(e: &Error) -> String {
    match e {
        Error::SocketNotFoundError(path) => {
            return format!(
                "no such socket {path} (is the engine running? `systemctl start docker`, or give --host)"
            );
        }
        Error::DockerResponseServerError {
            status_code,
            message,
        } => {
            let lower = message.to_ascii_lowercase();
            let hint = if lower.contains("version") {
                " (the engine refused the API version: it may be too old for this client; API 1.24 or later is needed)"
            } else {
                " (is this a Docker engine, or a proxy in front of one?)"
            };
            return format!("the engine answered HTTP {status_code}: {message}{hint}");
        }
        Error::RequestTimeoutError => {
            return "no answer in time (a firewall dropping packets, or not a Docker engine?)"
                .into();
        }
        Error::JsonDataError { message, .. } => {
            return format!(
                "the answer is not the Engine API's JSON ({message}): not a Docker engine?"
            );
        }
        Error::JsonSerdeError { err } => {
            return format!(
                "the answer is not the Engine API's JSON ({err}): not a Docker engine?"
            );
        }
        Error::APIVersionParseError {} => {
            return "the engine's /version answer has no usable ApiVersion: not a Docker engine?"
                .into();
        }
        Error::CertPathError { path } | Error::CertParseError { path } => {
            return format!("TLS: cannot read or parse {}", path.display());
        }
        _ => {}
    }
    let chain = chain(e);
    let lower = chain.to_ascii_lowercase();
    if let Some(tls) = find::<rustls::Error>(e) {
        return format!(
            "TLS failed: {tls} (check the CA, the client certificate and the host name)"
        );
    }
    // hyper's connector hides the rustls error behind an io::Error whose source() skips it: go by the text.
    if ["certificate", "handshake", "tls", "alert"]
        .iter()
        .any(|k| lower.contains(k))
    {
        let last = chain.rsplit(": ").next().unwrap_or(&chain);
        let what = chain
            .find("invalid peer certificate")
            .and_then(|i| chain.get(i..))
            .unwrap_or(last);
        return format!(
            "TLS failed: {what} (check the CA, the client certificate and the host name)"
        );
    }
    if let Some(io) = find::<std::io::Error>(e) {
        use std::io::ErrorKind::*;
        return match io.kind() {
            NotFound => "no such socket (is the engine running?)".to_string(),
            ConnectionRefused => {
                "connection refused: nothing listens there (the engine is stopped, or a stale socket file / wrong port)".to_string()
            }
            PermissionDenied => "permission denied on the socket: run with sudo, add your user to the docker group (`sudo usermod -aG docker $USER`, then log in again), or use a rootless engine's socket (unix://$XDG_RUNTIME_DIR/docker.sock)".to_string(),
            TimedOut => "connection timed out".to_string(),
            ConnectionReset | ConnectionAborted | UnexpectedEof | BrokenPipe => {
                format!("the connection was closed without an answer: not a Docker engine? ({chain})")
            }
            _ => chain.clone(),
        };
    }
    if lower.contains("invalid http")
        || lower.contains("parse")
        || lower.contains("http/0.9")
        || lower.contains("incomplete message")
        || lower.contains("connection closed before message completed")
    {
        return format!(
            "the address answered, but not with the Engine API: not a Docker engine? ({chain})"
        );
    }
    chain
}

/// The error and its sources, `: `-joined, without repeating a source that the previous text contains.
fn chain(e: &Error) -> String {
    let mut out = e.to_string();
    let mut cur: Option<&dyn StdError> = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !t.is_empty() && !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        cur = s.source();
    }
    // The transport layers' own wording says nothing to a user.
    for noise in [
        "Error in the hyper legacy client: ",
        "client error (Connect): ",
        "client error (SendRequest): ",
    ] {
        out = out.replace(noise, "");
    }
    out
}

fn find<T: StdError + 'static>(e: &Error) -> Option<&T> {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(s) = cur {
        if let Some(t) = s.downcast_ref::<T>() {
            return Some(t);
        }
        // io::Error may wrap its cause (hyper's connect errors).
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(t) = inner.downcast_ref::<T>()
        {
            return Some(t);
        }
        cur = s.source();
    }
    None
}
