//! A bearer-token server for the token-auth registry of `scripts/registry.sh`: it answers the realm
//! (`http://127.0.0.1:5003/token`) with JWTs signed (ES256) by the key the script generated, whose
//! certificate the registry trusts, the way Docker Hub's auth service does:
//! - the basic-auth account of the env file gets `pull` on any repository it asks for;
//! - anyone else gets `pull` on `bulkhead-test/*` only (an empty grant elsewhere: the registry then
//!   refuses with 401);
//! - wrong credentials get a 401 from the token server itself.

use super::RegistryEnv;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One request the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The user of the basic credentials sent, if any.
    pub user: Option<String>,
    pub scope: String,
    pub status: u16,
}

pub struct TokenServer {
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

struct Config {
    key: EcdsaKeyPair,
    cert_b64: String,
    issuer: String,
    service: String,
    user: String,
    password: String,
}

/// Start the server on the realm's address (retrying while another test process holds the port).
pub fn start(env: &RegistryEnv) -> TokenServer {
    let realm = env.get("BULKHEAD_REGISTRY_TOKEN_REALM");
    let addr = realm
        .strip_prefix("http://")
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("realm {realm} is not http://host:port/..."));
    let key_der = std::fs::read(env.get("BULKHEAD_REGISTRY_TOKEN_KEY")).unwrap();
    let cert_der = std::fs::read(env.get("BULKHEAD_REGISTRY_TOKEN_CERT")).unwrap();
    let key = EcdsaKeyPair::from_pkcs8(
        &ECDSA_P256_SHA256_FIXED_SIGNING,
        &key_der,
        &SystemRandom::new(),
    )
    .unwrap();
    let config = Arc::new(Config {
        key,
        cert_b64: STANDARD.encode(cert_der),
        issuer: env.get("BULKHEAD_REGISTRY_TOKEN_ISSUER").to_string(),
        service: env.get("BULKHEAD_REGISTRY_TOKEN_SERVICE").to_string(),
        user: env.get("BULKHEAD_REGISTRY_BASIC_USER").to_string(),
        password: env.get("BULKHEAD_REGISTRY_BASIC_PASSWORD").to_string(),
    });
    let mut listener = None;
    for _ in 0..150 {
        match TcpListener::bind(addr) {
            Ok(l) => {
                listener = Some(l);
                break;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
    let listener =
        listener.unwrap_or_else(|| panic!("cannot listen on {addr} for the token server"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = serve(stream, &config, &log);
        }
    });
    TokenServer { seen }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn serve(stream: TcpStream, config: &Config, log: &Mutex<Vec<Seen>>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut authorization = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("authorization")
        {
            authorization = Some(value.trim().to_string());
        }
    }
    let target = request_line.split_whitespace().nth(1).unwrap_or("");
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let mut scope = String::new();
    for pair in query.split('&') {
        if let Some(("scope", v)) = pair.split_once('=') {
            scope = percent_decode(v);
        }
    }
    let user = authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b).ok())
        .and_then(|d| String::from_utf8(d).ok())
        .and_then(|d| {
            d.split_once(':')
                .map(|(u, p)| (u.to_string(), p.to_string()))
        });
    // repository:NAME:ACTIONS
    let repository = scope
        .strip_prefix("repository:")
        .and_then(|r| r.rsplit_once(':'))
        .map(|(name, _)| name.to_string())
        .unwrap_or_default();
    let (status, body) = match &user {
        Some((u, p)) if *u != config.user || *p != config.password => (
            401,
            r#"{"details":"invalid username or password"}"#.to_string(),
        ),
        Some(_) => (200, token_body(config, &user, &repository, true)),
        None => {
            let allowed = repository.starts_with("bulkhead-test/");
            (200, token_body(config, &user, &repository, allowed))
        }
    };
    log.lock().unwrap().push(Seen {
        user: user.as_ref().map(|(u, _)| u.clone()),
        scope,
        status,
    });
    let reason = if status == 200 { "OK" } else { "Unauthorized" };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

fn token_body(
    config: &Config,
    user: &Option<(String, String)>,
    repository: &str,
    grant: bool,
) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let access = if grant && !repository.is_empty() {
        serde_json::json!([{"type": "repository", "name": repository, "actions": ["pull"]}])
    } else {
        serde_json::json!([])
    };
    let header = serde_json::json!({"typ": "JWT", "alg": "ES256", "x5c": [config.cert_b64]});
    let claims = serde_json::json!({
        "iss": config.issuer,
        "sub": user.as_ref().map_or("", |(u, _)| u.as_str()),
        "aud": config.service,
        "exp": now + 300,
        "nbf": now - 10,
        "iat": now - 10,
        "jti": format!("{now}-{}", std::process::id()),
        "access": access,
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap()),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap())
    );
    let signature = config
        .key
        .sign(&SystemRandom::new(), signing_input.as_bytes())
        .unwrap();
    let jwt = format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.as_ref())
    );
    serde_json::json!({"token": jwt, "expires_in": 300}).to_string()
}
