//! The snapshot of one engine: everything the rules read, as the Engine API returned it (bollard's models),
//! plus facts about the client environment and, when bulkhead runs on the engine's host, host files.

use bollard::models::{
    Config, ContainerInspectResponse, ContainerTopResponse, ImageInspect, NetworkInspect, Node,
    Secret, Service, Swarm, SystemInfo, SystemVersion, Volume,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One engine's state.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// The address audited (`unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376`, `ssh://admin@host`).
    pub host: String,
    /// RFC 3339 time the snapshot was taken.
    #[serde(default)]
    pub taken_at: String,
    /// API version negotiated with the engine (`1.41`).
    #[serde(default)]
    pub api_version: Option<String>,
    /// Whether the connection to the engine used TLS (set by the collector; `None` when unknown).
    #[serde(default)]
    pub connection_tls: Option<bool>,
    /// `docker` or `podman` (from the version's components and platform name).
    #[serde(default)]
    pub engine_kind: Option<String>,
    /// Where the address came from when not given directly: `context "prod"`, `Podman's Docker-compatible
    /// socket`, `DOCKER_HOST`.
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub info: Option<SystemInfo>,
    #[serde(default)]
    pub version: Option<SystemVersion>,
    /// Every container (running and stopped when asked for all), in the engine's order.
    #[serde(default)]
    pub containers: Vec<Container>,
    /// Images the containers use, by image id.
    #[serde(default)]
    pub images: BTreeMap<String, ImageInspect>,
    /// Networks as inspected (with their containers' endpoints).
    #[serde(default)]
    pub networks: Vec<NetworkInspect>,
    #[serde(default)]
    pub volumes: Vec<Volume>,
    /// Swarm state when the engine is a Swarm node (`None` otherwise).
    #[serde(default)]
    pub swarm: Option<SwarmState>,
    /// Facts about the client side (environment of the auditing process).
    #[serde(default)]
    pub client: ClientFacts,
    /// Host files, when bulkhead runs on the engine's host (unix socket on this machine).
    #[serde(default)]
    pub host_files: Option<HostFacts>,
    /// What could not be read, with why: the audit goes on without it.
    #[serde(default)]
    pub problems: Vec<Problem>,
}

/// One container.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Container {
    pub inspect: ContainerInspectResponse,
    /// `docker top` (ps -ef columns) for running containers; `None` when stopped or unavailable.
    #[serde(default)]
    pub top: Option<ContainerTopResponse>,
}

impl Container {
    /// The name without its leading `/` (or the short id when unnamed).
    pub fn name(&self) -> String {
        match self.inspect.name.as_deref() {
            Some(n) if !n.trim_start_matches('/').is_empty() => {
                n.trim_start_matches('/').to_string()
            }
            _ => self.short_id(),
        }
    }
    /// The first 12 characters of the id.
    pub fn short_id(&self) -> String {
        self.inspect
            .id
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(12)
            .collect()
    }
    /// Whether the container is running.
    pub fn running(&self) -> bool {
        self.inspect
            .state
            .as_ref()
            .and_then(|s| s.running)
            .unwrap_or(false)
    }
    /// Its labels.
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.inspect
            .config
            .as_ref()
            .and_then(|c| c.labels.clone())
            .map(|l| l.into_iter().collect())
            .unwrap_or_default()
    }
}

/// Swarm state of a node.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SwarmState {
    /// `None` on a worker (only managers can inspect the swarm).
    #[serde(default)]
    pub swarm: Option<Swarm>,
    #[serde(default)]
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub services: Vec<Service>,
    #[serde(default)]
    pub secrets: Vec<Secret>,
    #[serde(default)]
    pub configs: Vec<Config>,
}

/// The auditing process's environment: what the Docker client would do.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClientFacts {
    /// `DOCKER_CONTENT_TRUST` as set (`1` enables content trust).
    #[serde(default)]
    pub content_trust: Option<String>,
    #[serde(default)]
    pub docker_host: Option<String>,
    #[serde(default)]
    pub tls_verify: Option<String>,
}

/// Files on the engine's host that the daemon rules read (CIS 3.x).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HostFacts {
    #[serde(default)]
    pub files: Vec<FileFact>,
    /// The `dockerd` command line (arguments after the program), when a `dockerd` process was found.
    #[serde(default)]
    pub daemon_args: Option<Vec<String>>,
    /// Whether a `docker-proxy` (userland proxy) process runs; `None` when processes could not be listed.
    #[serde(default)]
    pub docker_proxy_running: Option<bool>,
}

/// One host file or directory.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FileFact {
    pub path: String,
    pub exists: bool,
    /// Permission bits (`0o660`).
    #[serde(default)]
    pub mode: Option<u32>,
    #[serde(default)]
    pub uid: Option<u32>,
    #[serde(default)]
    pub gid: Option<u32>,
    /// Owner and group names when they resolve.
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    /// Contents, for small configuration files only (`/etc/docker/daemon.json`).
    #[serde(default)]
    pub content: Option<String>,
}

/// Something that could not be inspected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// What (`container web`, `network backend`, `swarm services`).
    pub object: String,
    pub message: String,
}

impl Snapshot {
    /// A container by id, id prefix or name.
    pub fn container(&self, key: &str) -> Option<&Container> {
        self.containers.iter().find(|c| {
            c.name() == key.trim_start_matches('/')
                || c.inspect
                    .id
                    .as_deref()
                    .is_some_and(|id| !key.is_empty() && id.starts_with(key))
        })
    }
    /// Whether the engine runs rootless (`SecurityOptions` holds `name=rootless`).
    pub fn rootless(&self) -> bool {
        self.security_options()
            .iter()
            .any(|o| o.contains("name=rootless"))
    }
    /// `Info.SecurityOptions` (`name=seccomp,profile=default`, `name=apparmor`, `name=userns`, ...).
    pub fn security_options(&self) -> Vec<String> {
        self.info
            .as_ref()
            .and_then(|i| i.security_options.clone())
            .unwrap_or_default()
    }
}
