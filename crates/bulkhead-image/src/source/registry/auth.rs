//! Who the registry is asked as: credentials from the environment, from Docker's `config.json` (its
//! `auths` entries and credential helpers), or nobody.

use oci_client::secrets::RegistryAuth;
use std::fmt;
use std::path::{Path, PathBuf};

/// User name for every registry, when set together with [`PASSWORD_ENV`]; wins over Docker's config.
pub const USERNAME_ENV: &str = "BULKHEAD_REGISTRY_USERNAME";
/// Password (or personal access token) going with [`USERNAME_ENV`].
pub const PASSWORD_ENV: &str = "BULKHEAD_REGISTRY_PASSWORD";

/// The key Docker files Docker Hub credentials under.
const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// Credentials for one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// No credentials: anonymous pulls (a token registry still hands out an anonymous token).
    Anonymous,
    /// User name and password, sent as HTTP basic auth or to the token server.
    Basic { username: String, password: String },
    /// A registry bearer token, sent as is.
    Bearer(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::Basic { username, .. } => {
                write!(
                    f,
                    "Basic {{ username: {username:?}, password: <redacted> }}"
                )
            }
            Credentials::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

/// Credentials with where they came from, for the messages of a refused pull.
#[derive(Clone, Debug)]
pub struct Login {
    pub credentials: Credentials,
    /// Where the credentials were found (`/root/.docker/config.json`, `BULKHEAD_REGISTRY_USERNAME/...`);
    /// empty when anonymous.
    pub origin: String,
    /// Why credentials that seemed configured could not be used (unreadable config, failing
    /// credential helper, identity token), added to an authentication error.
    pub problem: Option<String>,
}

impl Login {
    /// No credentials.
    pub fn anonymous() -> Login {
        Login {
            credentials: Credentials::Anonymous,
            origin: String::new(),
            problem: None,
        }
    }

    /// A user name and password given by the caller; `origin` says where they come from.
    pub fn basic(username: &str, password: &str, origin: &str) -> Login {
        Login {
            credentials: Credentials::Basic {
                username: username.to_string(),
                password: password.to_string(),
            },
            origin: origin.to_string(),
            problem: None,
        }
    }

    /// What `docker pull` would use for `registry` (`index.docker.io`, `ghcr.io`, `127.0.0.1:5000`):
    /// [`USERNAME_ENV`]/[`PASSWORD_ENV`] when both are set, else Docker's `config.json` (in
    /// `$DOCKER_CONFIG`, else `~/.docker`), else anonymous.
    pub fn for_registry(registry: &str) -> Login {
        if let (Some(user), Some(password)) =
            (env_nonempty(USERNAME_ENV), env_nonempty(PASSWORD_ENV))
        {
            return Login::basic(&user, &password, &format!("{USERNAME_ENV}/{PASSWORD_ENV}"));
        }
        match docker_config_path() {
            Some(path) if path.is_file() => Login::from_docker_config(&path, registry),
            _ => Login::anonymous(),
        }
    }

    /// The credentials a Docker `config.json` holds for `registry`: its `credHelpers` entry, `auths`
    /// entry (base64 `auth`, or `username`/`password`) or `credsStore`, in Docker's order. A config
    /// without an entry gives anonymous; one that cannot be used gives anonymous with
    /// [`Login::problem`] set.
    pub fn from_docker_config(path: &Path, registry: &str) -> Login {
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => {
                return Login {
                    problem: Some(format!("{} could not be read: {e}", path.display())),
                    ..Login::anonymous()
                };
            }
        };
        let key = config_key(registry);
        let origin = path.display().to_string();
        use docker_credential::{CredentialRetrievalError as E, DockerCredential as C};
        match docker_credential::get_credential_from_reader(std::io::BufReader::new(file), key) {
            Ok(C::UsernamePassword(username, password)) => {
                Login::basic(&username, &password, &origin)
            }
            Ok(C::IdentityToken(_)) => Login {
                problem: Some(format!(
                    "{origin} holds an identity token for {registry}, which bulkhead cannot exchange; \
                     set {USERNAME_ENV} and {PASSWORD_ENV} instead"
                )),
                ..Login::anonymous()
            },
            Err(E::NoCredentialConfigured) => Login::anonymous(),
            Err(E::HelperFailure { helper, stderr, .. }) => Login {
                problem: Some(format!(
                    "credential helper {helper} (configured in {origin}) failed for {registry}: {}",
                    stderr.trim()
                )),
                ..Login::anonymous()
            },
            Err(e) => Login {
                problem: Some(format!("credentials for {registry} in {origin}: {e}")),
                ..Login::anonymous()
            },
        }
    }

    pub(super) fn is_anonymous(&self) -> bool {
        self.credentials == Credentials::Anonymous
    }

    pub(super) fn to_oci(&self) -> RegistryAuth {
        match &self.credentials {
            Credentials::Anonymous => RegistryAuth::Anonymous,
            Credentials::Basic { username, password } => {
                RegistryAuth::Basic(username.clone(), password.clone())
            }
            Credentials::Bearer(token) => RegistryAuth::Bearer(token.clone()),
        }
    }
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Docker's `config.json`: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn docker_config_path() -> Option<PathBuf> {
    let dir = std::env::var_os("DOCKER_CONFIG")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".docker")))?;
    Some(dir.join("config.json"))
}

/// The key Docker uses for a registry in `auths` and for credential helpers.
fn config_key(registry: &str) -> &str {
    match registry {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB_KEY,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path, json: &str) -> PathBuf {
        let path = dir.join("config.json");
        std::fs::write(&path, json).unwrap();
        path
    }

    #[test]
    fn auths_entry_base64_is_decoded() {
        let dir = tempfile::tempdir().unwrap();
        // base64("alice:s3cr:et") — a colon in the password stays in the password.
        let path = config(
            dir.path(),
            r#"{"auths":{"127.0.0.1:5001":{"auth":"YWxpY2U6czNjcjpldA=="}}}"#,
        );
        let login = Login::from_docker_config(&path, "127.0.0.1:5001");
        assert_eq!(
            login.credentials,
            Credentials::Basic {
                username: "alice".into(),
                password: "s3cr:et".into()
            }
        );
        assert_eq!(login.origin, path.display().to_string());
        assert!(login.problem.is_none());
        // Another registry has no entry.
        let other = Login::from_docker_config(&path, "ghcr.io");
        assert!(other.is_anonymous());
        assert!(other.problem.is_none());
    }

    #[test]
    fn docker_hub_entry_is_found_under_its_v1_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = config(
            dir.path(),
            r#"{"auths":{"https://index.docker.io/v1/":{"auth":"Ym9iOnB3"}}}"#,
        );
        for name in ["docker.io", "index.docker.io"] {
            let login = Login::from_docker_config(&path, name);
            assert_eq!(
                login.credentials,
                Credentials::Basic {
                    username: "bob".into(),
                    password: "pw".into()
                },
                "{name}"
            );
        }
    }

    #[test]
    fn broken_entries_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let path = config(
            dir.path(),
            r#"{"auths":{"r.example":{"auth":"%%%not base64"}}}"#,
        );
        let login = Login::from_docker_config(&path, "r.example");
        assert!(login.is_anonymous());
        let problem = login.problem.unwrap();
        assert!(problem.contains("r.example"), "{problem}");

        let path = config(dir.path(), "{not json");
        let login = Login::from_docker_config(&path, "r.example");
        assert!(login.problem.is_some());

        let login = Login::from_docker_config(&dir.path().join("missing.json"), "r.example");
        assert!(login.problem.unwrap().contains("could not be read"));
    }

    #[test]
    fn identity_tokens_are_reported_not_sent() {
        let dir = tempfile::tempdir().unwrap();
        let path = config(
            dir.path(),
            r#"{"auths":{"r.example":{"identitytoken":"refresh-me"}}}"#,
        );
        let login = Login::from_docker_config(&path, "r.example");
        assert!(login.is_anonymous());
        assert!(login.problem.unwrap().contains("identity token"));
    }

    #[test]
    fn debug_redacts_secrets() {
        let login = Login::basic("u", "hunter2", "test");
        let text = format!("{login:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!format!("{:?}", Credentials::Bearer("tok123".into())).contains("tok123"));
    }
}
