//! Taking a [`Snapshot`] of an engine.
//!
//! The API version is negotiated first (an engine that does not answer is the only error); then daemon
//! info, containers, networks and volumes are read at the same time, each container's inspect and `top`
//! and each network's inspect running concurrently (at most [`CONCURRENCY`] requests in flight per group, [`SSH_CONCURRENCY`] over ssh), each image
//! in use inspected once, and the Swarm objects read when the node is a manager. Whatever fails is a
//! [`Problem`] and the rest goes on: a container removed during the audit is "disappeared during the
//! audit", not an error.

mod self_container;

pub use self_container::{container_id_in, self_container_id};

use crate::connect::{ConnectError, Connection, explain_error};
use crate::snapshot::{ClientFacts, Container, Problem, Snapshot, SwarmState};
use bollard::Docker;
use bollard::errors::Error;
use bollard::models::{ContainerSummary, SystemInfo};
use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListNetworksOptions, ListVolumesOptions,
};
use futures_util::stream::{self, StreamExt};
use std::collections::BTreeSet;
use std::time::Duration;

/// Requests in flight at once against one engine.
pub const CONCURRENCY: usize = 32;

/// Requests in flight at once over ssh: each connection there is an `ssh` process (and a master
/// connection), and sshd throttles bursts of new sessions (`MaxStartups`).
pub const SSH_CONCURRENCY: usize = 4;

/// How many requests `conn` may have in flight.
pub fn concurrency(conn: &Connection) -> usize {
    if conn.host.starts_with("ssh://") {
        SSH_CONCURRENCY
    } else {
        CONCURRENCY
    }
}

/// Seconds the first request (API version negotiation) may take.
pub const NEGOTIATE_TIMEOUT_SECS: u64 = 15;

/// What to collect.
#[derive(Debug, Clone, Default)]
pub struct CollectOptions {
    /// Stopped containers too (`--all`).
    pub all: bool,
}

/// Run `fut` to completion on a fresh runtime (on a helper thread when the caller already runs one).
fn block_on<T: Send, F: std::future::Future<Output = T>>(
    make: impl FnOnce() -> F + Send,
) -> Result<T, String> {
    let run = move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|rt| rt.block_on(make()))
            .map_err(|e| format!("cannot start the I/O runtime: {e}"))
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| {
            s.spawn(run)
                .join()
                .unwrap_or_else(|_| Err("the collector thread panicked".to_string()))
        })
    } else {
        run()
    }
}

/// Take a snapshot (blocking: runs its own I/O runtime). Only an engine that does not answer at all is an
/// error; anything else that fails becomes a [`Problem`].
pub fn collect(conn: &Connection, opts: &CollectOptions) -> Result<Snapshot, ConnectError> {
    block_on(|| collect_async(conn, opts)).map_err(|reason| ConnectError {
        host: conn.display(),
        reason,
    })?
}

/// Negotiate the API version with the engine (lowering the client's to the engine's) and return it
/// (`1.41`). The error is one line: which address and why.
pub async fn negotiate(conn: &Connection) -> Result<String, ConnectError> {
    let err = |reason: String| ConnectError {
        host: conn.display(),
        reason,
    };
    let fut = conn.docker.clone().negotiate_version();
    match tokio::time::timeout(Duration::from_secs(NEGOTIATE_TIMEOUT_SECS), fut).await {
        Err(_) => Err(err(format!(
            "no answer within {NEGOTIATE_TIMEOUT_SECS} s (a firewall dropping packets, or not a Docker engine?)"
        ))),
        Ok(Err(e)) => Err(err(explain_error(&e))),
        Ok(Ok(d)) => Ok(d.client_version().to_string()),
    }
}

/// The snapshot, on the caller's runtime.
pub async fn collect_async(
    conn: &Connection,
    opts: &CollectOptions,
) -> Result<Snapshot, ConnectError> {
    let api = negotiate(conn).await?;
    let d = &conn.docker;
    let n = concurrency(conn);
    let mut snap = Snapshot {
        host: conn.host.clone(),
        taken_at: bulkhead_core::time::now_rfc3339(),
        api_version: Some(api),
        endpoint: conn.source.describe(),
        connection_tls: Some(conn.tls),
        // Host files (socket, daemon.json, TLS material) can be read when the engine is on this machine.
        host_files: conn.local().then(crate::host::host_facts),
        client: ClientFacts {
            content_trust: std::env::var("DOCKER_CONTENT_TRUST").ok(),
            docker_host: std::env::var("DOCKER_HOST").ok(),
            tls_verify: std::env::var("DOCKER_TLS_VERIFY").ok(),
        },
        ..Snapshot::default()
    };
    let list = ListContainersOptionsBuilder::default()
        .all(opts.all)
        .build();
    let (version, info, containers, networks, volumes) = tokio::join!(
        d.version(),
        d.info(),
        async {
            match d.list_containers(Some(list)).await {
                Ok(s) => containers_async(d, &targets(&s), n).await,
                Err(e) => (Vec::new(), vec![problem("containers", &e)]),
            }
        },
        networks_async(d, n),
        d.list_volumes(None::<ListVolumesOptions>),
    );
    match version {
        Ok(v) => {
            snap.engine_kind = Some(engine_kind(&v).to_string());
            snap.version = Some(v);
        }
        Err(e) => snap.problems.push(problem("engine version", &e)),
    }
    match info {
        Ok(i) => snap.info = Some(i),
        Err(e) => snap.problems.push(problem("daemon info", &e)),
    }
    let (cs, mut ps) = containers;
    snap.containers = cs;
    snap.problems.append(&mut ps);
    let (nets, mut ps) = networks;
    snap.networks = nets;
    snap.problems.append(&mut ps);
    match volumes {
        Ok(v) => snap.volumes = v.volumes.unwrap_or_default(),
        Err(e) => snap.problems.push(problem("volumes", &e)),
    }
    let image_ids: BTreeSet<String> = snap
        .containers
        .iter()
        .filter_map(|c| c.inspect.image.clone())
        .collect();
    let images: Vec<_> = stream::iter(image_ids)
        .map(|id| async move {
            let r = d.inspect_image(&id).await;
            (id, r)
        })
        .buffer_unordered(n)
        .collect()
        .await;
    for (id, r) in images {
        match r {
            Ok(i) => {
                snap.images.insert(id, i);
            }
            Err(e) => snap.problems.push(problem(&format!("image {id}"), &e)),
        }
    }
    if let Some(info) = &snap.info {
        let (sw, mut ps) = swarm_async(d, info).await;
        snap.swarm = sw;
        snap.problems.append(&mut ps);
    }
    Ok(snap)
}

/// `docker` for Docker Engine, `podman` when the version names Podman.
pub fn engine_kind(v: &bollard::models::SystemVersion) -> &'static str {
    let podman = v
        .platform
        .as_ref()
        .is_some_and(|p| p.name.to_ascii_lowercase().contains("podman"))
        || v.components
            .iter()
            .flatten()
            .any(|c| c.name.to_ascii_lowercase().contains("podman"));
    if podman { "podman" } else { "docker" }
}

/// A container to inspect: its id and how messages name it.
struct Target {
    id: String,
    label: String,
}

fn targets(list: &[ContainerSummary]) -> Vec<Target> {
    list.iter()
        .filter_map(|s| {
            let id = s.id.clone()?;
            let label = s
                .names
                .as_ref()
                .and_then(|n| n.first())
                .map(|n| n.trim_start_matches('/').to_string())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| id.chars().take(12).collect());
            Some(Target { id, label })
        })
        .collect()
}

/// Inspect (and `top`, when running) the containers `ids` (ids or names) concurrently, in the given order.
/// One that no longer exists gives the Problem "container X disappeared during the audit".
pub fn collect_containers(
    conn: &Connection,
    ids: &[String],
) -> Result<(Vec<Container>, Vec<Problem>), ConnectError> {
    let targets: Vec<Target> = ids
        .iter()
        .map(|i| Target {
            id: i.clone(),
            label: i.clone(),
        })
        .collect();
    block_on(|| containers_async(&conn.docker, &targets, concurrency(conn))).map_err(|reason| {
        ConnectError {
            host: conn.display(),
            reason,
        }
    })
}

async fn containers_async(
    d: &Docker,
    targets: &[Target],
    n: usize,
) -> (Vec<Container>, Vec<Problem>) {
    let results: Vec<_> = stream::iter(targets)
        .map(|t| container_step(d, t))
        .buffered(n)
        .collect()
        .await;
    let mut cs = Vec::new();
    let mut ps = Vec::new();
    for (c, p) in results {
        cs.extend(c);
        ps.extend(p);
    }
    (cs, ps)
}

fn is_status(e: &Error, code: u16) -> bool {
    matches!(e, Error::DockerResponseServerError { status_code, .. } if *status_code == code)
}

fn disappeared(label: &str) -> Problem {
    Problem {
        object: format!("container {label}"),
        message: format!("container {label} disappeared during the audit"),
    }
}

/// One container: inspect, then `top` when it runs.
async fn container_step(d: &Docker, t: &Target) -> (Option<Container>, Option<Problem>) {
    let inspect = match d.inspect_container(&t.id, None).await {
        Ok(i) => i,
        Err(e) if is_status(&e, 404) => return (None, Some(disappeared(&t.label))),
        Err(e) => return (None, Some(problem(&format!("container {}", t.label), &e))),
    };
    let label = inspect
        .name
        .as_deref()
        .map(|n| n.trim_start_matches('/').to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| t.label.clone());
    let running = inspect
        .state
        .as_ref()
        .and_then(|s| s.running)
        .unwrap_or(false);
    if !running {
        return (Some(Container { inspect, top: None }), None);
    }
    match d.top_processes(&t.id, None).await {
        Ok(top) => (
            Some(Container {
                inspect,
                top: Some(top),
            }),
            None,
        ),
        Err(e) if is_status(&e, 404) => (None, Some(disappeared(&label))),
        Err(e)
            if is_status(&e, 409)
                || is_status(&e, 500) && e.to_string().contains("not running") =>
        {
            (
                Some(Container { inspect, top: None }),
                Some(Problem {
                    object: format!("container {label} processes"),
                    message: format!(
                        "container {label} stopped during the audit: its processes could not be listed"
                    ),
                }),
            )
        }
        Err(e) => (
            Some(Container { inspect, top: None }),
            Some(problem(&format!("container {label} processes"), &e)),
        ),
    }
}

/// Every network, inspected (the list omits their endpoints).
async fn networks_async(
    d: &Docker,
    n: usize,
) -> (Vec<bollard::models::NetworkInspect>, Vec<Problem>) {
    let list = match d.list_networks(None::<ListNetworksOptions>).await {
        Ok(l) => l,
        Err(e) => return (Vec::new(), vec![problem("networks", &e)]),
    };
    let results: Vec<_> = stream::iter(list)
        .filter_map(|n| async move { n.id.map(|id| (id, n.name)) })
        .map(|(id, name)| async move {
            let r = d.inspect_network(&id, None).await;
            (id, name, r)
        })
        .buffered(n)
        .collect()
        .await;
    let mut nets = Vec::new();
    let mut ps = Vec::new();
    for (id, name, r) in results {
        let label = name.unwrap_or(id);
        match r {
            Ok(n) => nets.push(n),
            Err(e) if is_status(&e, 404) => ps.push(Problem {
                object: format!("network {label}"),
                message: format!("network {label} disappeared during the audit"),
            }),
            Err(e) => ps.push(problem(&format!("network {label}"), &e)),
        }
    }
    (nets, ps)
}

/// Swarm state: `None` when the node is not in a swarm; the swarm, nodes, services, secrets and configs
/// on a manager; on a worker, an empty state and the Problem "not a manager".
async fn swarm_async(d: &Docker, info: &SystemInfo) -> (Option<SwarmState>, Vec<Problem>) {
    let swarm = info.swarm.as_ref();
    let active = swarm
        .and_then(|s| s.local_node_state.as_ref())
        .is_some_and(|s| s.to_string().eq_ignore_ascii_case("active"));
    if !active {
        return (None, Vec::new());
    }
    let manager = swarm.and_then(|s| s.control_available).unwrap_or(false);
    if !manager {
        return (
            Some(SwarmState::default()),
            vec![Problem {
                object: "swarm".into(),
                message: "this node is a Swarm worker, not a manager: services, secrets, configs and nodes can only be read on a manager (audit a manager with --host)".into(),
            }],
        );
    }
    let (s, nodes, services, secrets, configs) = tokio::join!(
        d.inspect_swarm(),
        d.list_nodes(None),
        d.list_services(None),
        d.list_secrets(None),
        d.list_configs(None),
    );
    let mut sw = SwarmState::default();
    let mut ps = Vec::new();
    match s {
        Ok(s) => sw.swarm = Some(s),
        Err(e) => ps.push(problem("swarm", &e)),
    }
    match nodes {
        Ok(v) => sw.nodes = v,
        Err(e) => ps.push(problem("swarm nodes", &e)),
    }
    match services {
        Ok(v) => sw.services = v,
        Err(e) => ps.push(problem("swarm services", &e)),
    }
    match secrets {
        Ok(v) => sw.secrets = v,
        Err(e) => ps.push(problem("swarm secrets", &e)),
    }
    match configs {
        Ok(v) => sw.configs = v,
        Err(e) => ps.push(problem("swarm configs", &e)),
    }
    (Some(sw), ps)
}

fn problem(object: &str, e: &Error) -> Problem {
    Problem {
        object: object.to_string(),
        message: explain_error(e),
    }
}

/// Snapshots of several engines, taken concurrently (one thread each); each result is independent, so
/// one engine failing does not stop the others. Results are in the order of `hosts`.
pub fn collect_many(
    hosts: &[Option<&str>],
    opts: &CollectOptions,
) -> Vec<Result<Snapshot, ConnectError>> {
    std::thread::scope(|s| {
        let handles: Vec<_> = hosts
            .iter()
            .map(|h| {
                s.spawn(move || {
                    let conn = crate::connect::connect(*h)?;
                    collect(&conn, opts)
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(hosts)
            .map(|(h, host)| {
                h.join().unwrap_or_else(|_| {
                    Err(ConnectError {
                        host: host.unwrap_or("the default engine").to_string(),
                        reason: "the collector thread panicked".into(),
                    })
                })
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{LocalNodeState, SwarmInfo};

    fn info(state: LocalNodeState, manager: bool) -> SystemInfo {
        SystemInfo {
            swarm: Some(SwarmInfo {
                local_node_state: Some(state),
                control_available: Some(manager),
                ..SwarmInfo::default()
            }),
            ..SystemInfo::default()
        }
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    // No request is sent in these cases: a client for an address nobody listens on proves it.
    fn nowhere() -> Docker {
        Docker::connect_with_http("tcp://127.0.0.1:1", 1, bollard::API_DEFAULT_VERSION).unwrap()
    }

    #[test]
    fn a_worker_gets_a_not_a_manager_problem() {
        let (sw, ps) = run(swarm_async(
            &nowhere(),
            &info(LocalNodeState::ACTIVE, false),
        ));
        let sw = sw.expect("swarm state on a worker");
        assert!(sw.swarm.is_none() && sw.services.is_empty());
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].object, "swarm");
        assert!(ps[0].message.contains("not a manager"), "{}", ps[0].message);
    }

    #[test]
    fn no_swarm_reads_nothing() {
        let (sw, ps) = run(swarm_async(
            &nowhere(),
            &info(LocalNodeState::INACTIVE, false),
        ));
        assert!(sw.is_none() && ps.is_empty());
        let (sw, ps) = run(swarm_async(&nowhere(), &SystemInfo::default()));
        assert!(sw.is_none() && ps.is_empty());
    }

    #[test]
    fn a_manager_is_read_and_failures_are_problems() {
        let (sw, ps) = run(swarm_async(&nowhere(), &info(LocalNodeState::ACTIVE, true)));
        assert!(sw.is_some());
        let objects: Vec<&str> = ps.iter().map(|p| p.object.as_str()).collect();
        assert_eq!(
            objects,
            [
                "swarm",
                "swarm nodes",
                "swarm services",
                "swarm secrets",
                "swarm configs"
            ]
        );
        assert!(
            ps.iter().all(|p| p.message.contains("connection refused")),
            "{ps:?}"
        );
    }

    #[test]
    fn podman_is_recognised_from_the_version() {
        let v: bollard::models::SystemVersion = serde_json::from_str(
            r#"{"Platform":{"Name":"linux/amd64/debian-12"},"Components":[{"Name":"Podman Engine","Version":"4.3.1","Details":{}}],"Version":"4.3.1","ApiVersion":"1.41"}"#,
        )
        .unwrap();
        assert_eq!(engine_kind(&v), "podman");
        let v: bollard::models::SystemVersion = serde_json::from_str(
            r#"{"Platform":{"Name":"Docker Engine - Community"},"Components":[{"Name":"Engine","Version":"20.10.24","Details":{}}],"Version":"20.10.24","ApiVersion":"1.41"}"#,
        )
        .unwrap();
        assert_eq!(engine_kind(&v), "docker");
    }
}
