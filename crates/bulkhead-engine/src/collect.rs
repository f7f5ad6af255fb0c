//! Taking a [`Snapshot`] of an engine.
//!
//! FIRST VERSION: sequential requests. Concurrency, API negotiation and finer error handling come next.

use crate::connect::Connection;
use crate::snapshot::{ClientFacts, Container, Problem, Snapshot, SwarmState};
use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListNetworksOptions, ListVolumesOptions,
};

/// What to collect.
#[derive(Debug, Clone, Default)]
pub struct CollectOptions {
    /// Stopped containers too (`--all`).
    pub all: bool,
}

/// Take a snapshot (blocking: runs its own I/O runtime). Only an engine that does not answer at all is an
/// error; anything else that fails becomes a [`Problem`].
pub fn collect(
    conn: &Connection,
    opts: &CollectOptions,
) -> Result<Snapshot, crate::connect::ConnectError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::connect::ConnectError {
            host: conn.host.clone(),
            reason: format!("cannot start the I/O runtime: {e}"),
        })?;
    rt.block_on(collect_async(conn, opts))
}

async fn collect_async(
    conn: &Connection,
    opts: &CollectOptions,
) -> Result<Snapshot, crate::connect::ConnectError> {
    let d = &conn.docker;
    let mut snap = Snapshot {
        host: conn.host.clone(),
        taken_at: bulkhead_core::time::now_rfc3339(),
        client: ClientFacts {
            content_trust: std::env::var("DOCKER_CONTENT_TRUST").ok(),
            docker_host: std::env::var("DOCKER_HOST").ok(),
            tls_verify: std::env::var("DOCKER_TLS_VERIFY").ok(),
        },
        ..Snapshot::default()
    };
    let version = d
        .version()
        .await
        .map_err(|e| crate::connect::ConnectError {
            host: conn.host.clone(),
            reason: e.to_string(),
        })?;
    snap.api_version = version.api_version.clone();
    snap.version = Some(version);
    match d.info().await {
        Ok(i) => snap.info = Some(i),
        Err(e) => snap.problems.push(problem("daemon info", e)),
    }
    let list = ListContainersOptionsBuilder::default()
        .all(opts.all)
        .build();
    let summaries = match d.list_containers(Some(list)).await {
        Ok(s) => s,
        Err(e) => {
            snap.problems.push(problem("containers", e));
            Vec::new()
        }
    };
    for s in summaries {
        let Some(id) = s.id else { continue };
        let inspect = match d.inspect_container(&id, None).await {
            Ok(i) => i,
            Err(e) => {
                snap.problems.push(problem(&format!("container {id}"), e));
                continue;
            }
        };
        let running = inspect
            .state
            .as_ref()
            .and_then(|s| s.running)
            .unwrap_or(false);
        let top = if running {
            match d.top_processes(&id, None).await {
                Ok(t) => Some(t),
                Err(e) => {
                    snap.problems
                        .push(problem(&format!("container {id} processes"), e));
                    None
                }
            }
        } else {
            None
        };
        if let Some(image) = inspect.image.clone()
            && !snap.images.contains_key(&image)
        {
            match d.inspect_image(&image).await {
                Ok(i) => {
                    snap.images.insert(image, i);
                }
                Err(e) => snap.problems.push(problem(&format!("image {image}"), e)),
            }
        }
        snap.containers.push(Container { inspect, top });
    }
    match d.list_networks(None::<ListNetworksOptions>).await {
        Ok(nets) => {
            // The list omits containers: inspect each network for its endpoints.
            for n in nets {
                let Some(id) = n.id.clone() else { continue };
                match d.inspect_network(&id, None).await {
                    Ok(full) => snap.networks.push(full),
                    Err(e) => snap.problems.push(problem(&format!("network {id}"), e)),
                }
            }
        }
        Err(e) => snap.problems.push(problem("networks", e)),
    }
    match d.list_volumes(None::<ListVolumesOptions>).await {
        Ok(v) => snap.volumes = v.volumes.unwrap_or_default(),
        Err(e) => snap.problems.push(problem("volumes", e)),
    }
    let swarm_active = snap
        .info
        .as_ref()
        .and_then(|i| i.swarm.as_ref())
        .and_then(|s| s.local_node_state.as_ref())
        .is_some_and(|s| format!("{s:?}").eq_ignore_ascii_case("active"));
    if swarm_active {
        let mut sw = SwarmState::default();
        match d.inspect_swarm().await {
            Ok(s) => sw.swarm = Some(s),
            Err(e) => snap.problems.push(problem("swarm", e)),
        }
        match d.list_nodes(None).await {
            Ok(v) => sw.nodes = v,
            Err(e) => snap.problems.push(problem("swarm nodes", e)),
        }
        match d.list_services(None).await {
            Ok(v) => sw.services = v,
            Err(e) => snap.problems.push(problem("swarm services", e)),
        }
        match d.list_secrets(None).await {
            Ok(v) => sw.secrets = v,
            Err(e) => snap.problems.push(problem("swarm secrets", e)),
        }
        match d.list_configs(None).await {
            Ok(v) => sw.configs = v,
            Err(e) => snap.problems.push(problem("swarm configs", e)),
        }
        snap.swarm = Some(sw);
    }
    Ok(snap)
}

fn problem(object: &str, e: impl std::fmt::Display) -> Problem {
    Problem {
        object: object.to_string(),
        message: e.to_string(),
    }
}
