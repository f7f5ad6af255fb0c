//! Streamable HTTP: the MCP endpoint at `/mcp` on a loopback address (another address only when asked,
//! and then only with a token), optionally behind a bearer token.

use crate::Options;
use crate::server::{Bulkhead, State};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::net::SocketAddr;
use std::sync::Arc;

/// Whether `token` equals `expected`, in time independent of where they differ.
fn same(token: &[u8], expected: &[u8]) -> bool {
    if token.len() != expected.len() {
        return false;
    }
    token
        .iter()
        .zip(expected)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

async fn require_token(expected: Arc<String>, req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(t) if same(t.as_bytes(), expected.as_bytes()) => next.run(req).await,
        _ => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a bearer token is required: send `Authorization: Bearer <token>` with the token the server was started with\n",
        )
            .into_response(),
    }
}

/// A session ended with DELETE is answered 204 No Content (the SDK answers 202, which clients such as
/// the Python SDK report as a failed termination).
async fn delete_is_no_content(req: Request, next: Next) -> Response {
    let delete = req.method() == axum::http::Method::DELETE;
    let mut resp = next.run(req).await;
    if delete && resp.status() == StatusCode::ACCEPTED {
        *resp.status_mut() = StatusCode::NO_CONTENT;
    }
    resp
}

/// Whether a browser `Origin` is a page served from this machine: `http(s)://localhost|127.0.0.1|[::1]`
/// with an optional numeric port and nothing else.
fn local_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let (host, port) = if let Some(v6) = rest.strip_prefix("[::1]") {
        ("[::1]", v6)
    } else {
        match rest.split_once(':') {
            Some((h, _)) => (h, &rest[h.len()..]),
            None => (rest, ""),
        }
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|p| {
            !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
        });
    matches!(host, "localhost" | "127.0.0.1" | "[::1]") && port_ok
}

/// Browser requests from pages not served by this machine are refused (DNS rebinding, a hostile page
/// posting to a local port); clients that are not browsers send no `Origin` and pass.
async fn check_origin(req: Request, next: Next) -> Response {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .map(|v| v.to_str().unwrap_or("").to_string());
    match origin {
        Some(o) if !local_origin(&o) => (
            StatusCode::FORBIDDEN,
            "requests from web pages of other origins are refused\n",
        )
            .into_response(),
        _ => next.run(req).await,
    }
}

/// Parses and vets the listening address.
pub fn address(addr: &str, opts: &Options) -> Result<SocketAddr, String> {
    let sa: SocketAddr = addr
        .parse()
        .map_err(|e| format!("--http {addr}: {e}; expected IP:PORT such as 127.0.0.1:8808"))?;
    if !sa.ip().is_loopback() {
        if !opts.allow_remote {
            return Err(format!(
                "--http {addr}: not a loopback address; the server binds to 127.0.0.1 or ::1 unless --allow-remote is given"
            ));
        }
        if opts.token.is_none() {
            return Err(format!(
                "--http {addr}: a non-loopback address needs --token (or BULKHEAD_MCP_TOKEN) so that only your clients can call the tools"
            ));
        }
    }
    Ok(sa)
}

pub async fn serve(addr: &str, opts: &Options, state: Arc<State>) -> Result<(), String> {
    let sa = address(addr, opts)?;
    // Browsers send an Origin: only pages served from this machine may call (DNS rebinding, a hostile page
    // posting to localhost). Clients that are not browsers send none and pass.
    let mut config = StreamableHttpServerConfig::default().with_allowed_origins([
        "http://localhost:*",
        "http://127.0.0.1:*",
        "http://[::1]:*",
        "https://localhost:*",
        "https://127.0.0.1:*",
        "https://[::1]:*",
    ]);
    if opts.allow_remote {
        // DNS-rebinding protection checks the Host header against loopback names by default; a deliberate
        // remote address is reached under other names.
        config = config.disable_allowed_hosts();
    }
    let st = state.clone();
    let service = StreamableHttpService::new(
        move || Ok(Bulkhead::new(st.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let mut router = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(middleware::from_fn(delete_is_no_content))
        .layer(middleware::from_fn(check_origin));
    if let Some(t) = &opts.token {
        let expected = Arc::new(t.clone());
        router = router.layer(middleware::from_fn(move |req, next| {
            require_token(expected.clone(), req, next)
        }));
    }
    let listener = tokio::net::TcpListener::bind(sa)
        .await
        .map_err(|e| format!("--http {addr}: cannot listen: {e}"))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("--http {addr}: {e}"))?;
    eprintln!("bulkhead mcp: serving streamable HTTP at http://{local}/mcp");
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| format!("HTTP server failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_addresses_need_both_the_flag_and_a_token() {
        let mut o = Options::default();
        assert!(address("127.0.0.1:0", &o).is_ok());
        assert!(address("[::1]:0", &o).is_ok());
        assert!(
            address("0.0.0.0:8808", &o)
                .unwrap_err()
                .contains("--allow-remote")
        );
        o.allow_remote = true;
        assert!(address("0.0.0.0:8808", &o).unwrap_err().contains("--token"));
        o.token = Some("t".into());
        assert!(address("0.0.0.0:8808", &o).is_ok());
        assert!(address("localhost:80", &o).unwrap_err().contains("IP:PORT"));
    }

    #[test]
    fn only_this_machines_origins_pass() {
        for ok in [
            "http://localhost",
            "http://localhost:8808",
            "https://127.0.0.1:3000",
            "http://[::1]:80",
        ] {
            assert!(local_origin(ok), "{ok}");
        }
        for bad in [
            "http://localhost:80.evil.com",
            "http://localhost.evil.com",
            "http://evil.com",
            "null",
            "http://127.0.0.1:",
            "http://127.0.0.1:8808/x",
            "file://localhost",
            "http://[::1]:80.evil",
        ] {
            assert!(!local_origin(bad), "{bad}");
        }
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abd", b"abc"));
        assert!(!same(b"ab", b"abc"));
    }
}
