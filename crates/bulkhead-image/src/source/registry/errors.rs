//! Registry failures turned into messages that say what to do.

use super::auth::{Login, PASSWORD_ENV, USERNAME_ENV};
use oci_client::errors::{OciDistributionError as E, OciErrorCode};

/// What a message needs to know about the pull.
#[derive(Debug, Clone)]
pub(super) struct Ctx {
    /// The registry as the user wrote it (`docker.io`, `127.0.0.1:5000`): what `docker login` takes.
    pub registry: String,
    pub repository: String,
    /// The host requests go to (`index.docker.io` for `docker.io`).
    pub endpoint: String,
    /// The reference, normalized (`127.0.0.1:5000/app:1`).
    pub reference: String,
    /// `http` or `https`.
    pub scheme: &'static str,
    pub anonymous: bool,
    pub origin: String,
    pub problem: Option<String>,
}

impl Ctx {
    pub fn new(
        registry: &str,
        endpoint: &str,
        repository: &str,
        reference: &str,
        login: &Login,
    ) -> Ctx {
        Ctx {
            registry: registry.to_string(),
            endpoint: endpoint.to_string(),
            repository: repository.to_string(),
            reference: reference.to_string(),
            scheme: "https",
            anonymous: login.is_anonymous(),
            origin: login.origin.clone(),
            problem: login.problem.clone(),
        }
    }
}

/// The request that failed.
#[derive(Debug, Clone)]
pub(super) enum Op {
    /// The `/v2/` handshake (and token fetch).
    Connect,
    /// A manifest by tag or digest.
    Manifest(String),
    /// A blob by digest.
    Blob(String),
}

/// An error and its sources, `: `-joined (reqwest's own text stops at "error sending request").
pub(super) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

fn auth_failure(ctx: &Ctx, op: &Op) -> String {
    let registry = &ctx.registry;
    let what = match op {
        Op::Blob(d) => format!("blob {d} of {}", ctx.repository),
        Op::Connect | Op::Manifest(_) => ctx.repository.clone(),
    };
    let mut text = if ctx.anonymous {
        format!(
            "registry {registry} refused anonymous access to {what} (or {} does not exist): log in with `docker login {registry}` or set {USERNAME_ENV} and {PASSWORD_ENV}",
            ctx.repository
        )
    } else {
        format!(
            "registry {registry} refused the credentials from {} for {what}: log in again with `docker login {registry}` or set {USERNAME_ENV} and {PASSWORD_ENV}",
            ctx.origin
        )
    };
    if let Some(p) = &ctx.problem {
        text.push_str(&format!(" (note: {p})"));
    }
    text
}

fn not_found(ctx: &Ctx, op: &Op) -> String {
    match op {
        Op::Manifest(r) if r.contains(':') => format!(
            "no manifest {r} in repository {} of registry {}",
            ctx.repository, ctx.registry
        ),
        Op::Manifest(tag) => format!(
            "no such tag {tag} in registry {} (repository {}): check the name with the registry's tag list, or push it first",
            ctx.registry, ctx.repository
        ),
        Op::Blob(d) => format!(
            "registry {} does not have blob {d} of {}, though the manifest references it",
            ctx.registry, ctx.repository
        ),
        Op::Connect => format!(
            "registry {} answered 404 at /v2/: is it a Docker registry?",
            ctx.registry
        ),
    }
}

/// The message for `err`, met while doing `op`.
pub(super) fn describe(err: &E, ctx: &Ctx, op: &Op) -> String {
    let registry = &ctx.registry;
    match err {
        E::RequestError(e) => transport(e, ctx),
        E::UnauthorizedError { .. } | E::AuthenticationFailure(_) => auth_failure(ctx, op),
        E::RegistryError { envelope, .. } => {
            let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
            let has = |c: OciErrorCode| codes.contains(&&c);
            if has(OciErrorCode::Unauthorized) || has(OciErrorCode::Denied) {
                auth_failure(ctx, op)
            } else if has(OciErrorCode::NameUnknown) {
                format!(
                    "no repository {} in registry {registry}: check the name, or push it first",
                    ctx.repository
                )
            } else if has(OciErrorCode::ManifestUnknown)
                || has(OciErrorCode::NotFound)
                || has(OciErrorCode::BlobUnknown)
            {
                not_found(ctx, op)
            } else if has(OciErrorCode::Toomanyrequests) {
                rate_limited(ctx)
            } else {
                format!(
                    "registry {registry} refused the request for {}: {envelope}",
                    ctx.reference
                )
            }
        }
        E::ServerError { code, message, .. } => match code {
            401 | 403 => auth_failure(ctx, op),
            // A registry explains a 404 with an error document; a bare one is some other server.
            404 if matches!(op, Op::Manifest(_)) => format!(
                "{} (the answer was a bare 404, not a registry error: is {registry} a Docker registry?)",
                not_found(ctx, op)
            ),
            404 => not_found(ctx, op),
            429 => rate_limited(ctx),
            _ => format!(
                "registry {registry} answered HTTP {code} for {}: {}",
                ctx.reference,
                message.trim()
            ),
        },
        E::ImageManifestNotFoundError(_) => not_found(ctx, op),
        E::UnsupportedSchemaVersionError(1) => format!(
            "registry {registry} serves a Docker schema 1 manifest for {}; only schema 2 and OCI images can be read (push the image again with a current Docker)",
            ctx.reference
        ),
        E::UnsupportedMediaTypeError(m) => format!(
            "{} has manifest media type {m}, which is not a container image manifest",
            ctx.reference
        ),
        E::DigestError(e) => format!(
            "{} from registry {registry} failed digest verification: {e}; the registry served corrupted or tampered data",
            match op {
                Op::Blob(d) => format!("blob {d}"),
                Op::Manifest(r) => format!("the manifest {r} of {}", ctx.repository),
                Op::Connect => "a response".to_string(),
            }
        ),
        other => format!("registry {registry}, {}: {}", ctx.reference, chain(other)),
    }
}

fn rate_limited(ctx: &Ctx) -> String {
    format!(
        "registry {} is rate-limiting pulls: retry later, or log in (`docker login {}`) for a higher limit",
        ctx.registry, ctx.registry
    )
}

fn transport(e: &reqwest::Error, ctx: &Ctx) -> String {
    let registry = &ctx.registry;
    let detail = chain(e);
    let lower = detail.to_ascii_lowercase();
    if e.is_timeout() {
        return format!(
            "registry {registry} did not answer in time ({detail}): is it reachable from here?"
        );
    }
    if ctx.scheme == "https"
        && (lower.contains("certificate")
            || lower.contains("unknownissuer")
            || lower.contains("notvalidforname"))
    {
        return format!(
            "the TLS certificate of registry {registry} is not trusted ({detail}): add its CA to the system's trust store, or, for a test registry, allow it as an insecure registry"
        );
    }
    if ctx.scheme == "https"
        && (lower.contains("corrupt message") || lower.contains("invalidcontenttype"))
    {
        return format!(
            "registry {registry} does not speak HTTPS ({detail}): if it is a plain-HTTP registry, allow it as an insecure registry"
        );
    }
    // The token handshake goes to the realm the registry names, often another host.
    if let Some(url) = e.url()
        && let Some(host) = url.host_str()
    {
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        if !authority.eq_ignore_ascii_case(&ctx.endpoint) {
            return format!(
                "cannot reach {}://{authority}{}, the token service registry {registry} sends clients to ({detail}): is it running and reachable from here?",
                url.scheme(),
                url.path()
            );
        }
    }
    if lower.contains("dns error") {
        return format!(
            "cannot resolve the host of registry {registry} ({detail}): check the registry name and this machine's DNS"
        );
    }
    if e.is_connect() || lower.contains("connection refused") {
        return format!(
            "cannot connect to registry {registry} at {}://{registry}/v2/ ({detail}): is the registry running at {registry}?",
            ctx.scheme
        );
    }
    format!("request to registry {registry} failed: {detail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_client::errors::{OciEnvelope, OciError};

    fn ctx(login: &Login) -> Ctx {
        Ctx::new(
            "127.0.0.1:5000",
            "127.0.0.1:5000",
            "app",
            "127.0.0.1:5000/app:1",
            login,
        )
    }

    fn envelope(code: OciErrorCode) -> E {
        E::RegistryError {
            envelope: OciEnvelope {
                errors: vec![OciError {
                    code,
                    message: "m".into(),
                    detail: serde_json::Value::Null,
                }],
            },
            url: "http://x".into(),
        }
    }

    #[test]
    fn messages_say_what_to_do() {
        let anon = ctx(&Login::anonymous());
        let m = describe(
            &envelope(OciErrorCode::ManifestUnknown),
            &anon,
            &Op::Manifest("1".into()),
        );
        assert!(
            m.starts_with("no such tag 1 in registry 127.0.0.1:5000"),
            "{m}"
        );
        let m = describe(
            &envelope(OciErrorCode::NameUnknown),
            &anon,
            &Op::Manifest("1".into()),
        );
        assert!(m.contains("no repository app"), "{m}");
        let m = describe(
            &E::UnauthorizedError { url: "u".into() },
            &anon,
            &Op::Manifest("1".into()),
        );
        assert!(m.contains("docker login 127.0.0.1:5000"), "{m}");
        assert!(m.contains(USERNAME_ENV), "{m}");
        let user = ctx(&Login::basic("u", "p", "/h/.docker/config.json"));
        let m = describe(
            &E::UnauthorizedError { url: "u".into() },
            &user,
            &Op::Connect,
        );
        assert!(
            m.contains("refused the credentials from /h/.docker/config.json for app"),
            "{m}"
        );
        let m = describe(
            &E::ServerError {
                code: 404,
                url: "u".into(),
                message: String::new(),
            },
            &anon,
            &Op::Blob("sha256:ab".into()),
        );
        assert!(m.contains("does not have blob sha256:ab"), "{m}");
        let m = describe(
            &E::UnsupportedSchemaVersionError(1),
            &anon,
            &Op::Manifest("1".into()),
        );
        assert!(m.contains("schema 1"), "{m}");
        let m = describe(
            &envelope(OciErrorCode::Toomanyrequests),
            &anon,
            &Op::Manifest("1".into()),
        );
        assert!(m.contains("rate-limiting"), "{m}");
    }
}
