//! The Docker inspection tools: the Engine API's answers, compact by default, secrets redacted (by the
//! caller, on the whole result).

use crate::page::PageArgs;
use crate::server::State;
use bollard::errors::Error;
use bollard::query_parameters::{
    InspectContainerOptions, ListContainersOptionsBuilder, ListNetworksOptions,
    SearchImagesOptionsBuilder,
};
use futures_util::stream::{self, StreamExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct ListContainersArgs {
    /// Stopped containers too (default: running only, like `docker ps`).
    #[serde(default)]
    pub all: bool,
    /// Only containers whose name, id or image contains this text.
    #[serde(default)]
    pub filter: Option<String>,
    #[serde(flatten)]
    pub page: PageArgs,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct InspectContainerArgs {
    /// Container name or id (a unique id prefix works).
    pub container: String,
    /// The whole inspect document instead of the security-relevant fields.
    #[serde(default)]
    pub full: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct InspectImageArgs {
    /// Image name[:tag], name@digest or id, as the engine knows it. Never pulled.
    pub image: String,
    /// Add the build history (each layer's `created_by`, redacted).
    #[serde(default)]
    pub history: bool,
    /// The whole inspect document instead of the security-relevant fields.
    #[serde(default)]
    pub full: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct ListNetworksArgs {
    /// Only networks whose name or id contains this text.
    #[serde(default)]
    pub filter: Option<String>,
    #[serde(flatten)]
    pub page: PageArgs,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct SystemInfoArgs {
    /// The whole `GET /info` and `GET /version` documents instead of the security-relevant fields.
    #[serde(default)]
    pub full: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct SearchHubArgs {
    /// Search term (`nginx`, `postgres`).
    pub term: String,
    /// Results to return (1 to 100, default 25).
    #[serde(default)]
    pub limit: Option<u32>,
    /// Official images only.
    #[serde(default)]
    pub official_only: bool,
}

/// An Engine API error as a sentence; a transport failure drops the cached connection.
async fn engine_error(st: &State, what: &str, e: Error) -> String {
    match &e {
        Error::DockerResponseServerError {
            status_code: 404,
            message,
        } => format!("{what}: not found ({message})"),
        Error::DockerResponseServerError { .. } => {
            format!(
                "{what}: the engine answered: {}",
                bulkhead_engine::connect::explain_error(&e)
            )
        }
        _ => {
            st.forget_engine().await;
            format!("{what}: {}", bulkhead_engine::connect::explain_error(&e))
        }
    }
}

/// The value at `path` (`HostConfig.CapDrop`) of `doc`, if any.
fn at<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(doc, |v, k| v.get(k))
}

/// A document with only `paths` of `doc`, nested as in `doc`; absent and null values are left out.
pub fn pick(doc: &Value, paths: &[&str]) -> Value {
    let mut out = Value::Object(Map::new());
    for p in paths {
        let Some(v) = at(doc, p).filter(|v| !v.is_null()) else {
            continue;
        };
        let mut cur = &mut out;
        let keys: Vec<&str> = p.split('.').collect();
        for (i, k) in keys.iter().enumerate() {
            let Some(obj) = cur.as_object_mut() else {
                break;
            };
            if i + 1 == keys.len() {
                obj.insert((*k).to_string(), v.clone());
                break;
            }
            cur = obj
                .entry((*k).to_string())
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
    out
}

fn short(id: &str) -> String {
    id.trim_start_matches("sha256:").chars().take(12).collect()
}

pub async fn list_containers(st: &State, a: &ListContainersArgs) -> Result<Value, String> {
    let conn = st.engine().await?;
    let opts = ListContainersOptionsBuilder::default().all(a.all).build();
    let list = match conn.docker.list_containers(Some(opts)).await {
        Ok(l) => l,
        Err(e) => return Err(engine_error(st, "listing containers", e).await),
    };
    let needle = a.filter.as_deref().map(str::to_lowercase);
    let mut running = 0;
    let mut items = Vec::new();
    for c in &list {
        let names: Vec<String> = c
            .names
            .iter()
            .flatten()
            .map(|n| n.trim_start_matches('/').to_string())
            .collect();
        let id = c.id.clone().unwrap_or_default();
        let image = c.image.clone().unwrap_or_default();
        if let Some(n) = &needle
            && !names.iter().any(|x| x.to_lowercase().contains(n))
            && !id.starts_with(n.as_str())
            && !image.to_lowercase().contains(n)
        {
            continue;
        }
        let state = c.state.as_ref().map(|s| s.to_string()).unwrap_or_default();
        if state == "running" {
            running += 1;
        }
        let ports: Vec<String> = c
            .ports
            .iter()
            .flatten()
            .map(|p| {
                let proto = p.typ.as_ref().map(|t| t.to_string()).unwrap_or_default();
                match (&p.ip, p.public_port) {
                    (Some(ip), Some(pub_port)) => {
                        format!("{ip}:{pub_port}->{}/{proto}", p.private_port)
                    }
                    _ => format!("{}/{proto}", p.private_port),
                }
            })
            .collect();
        let networks: Vec<String> = c
            .network_settings
            .as_ref()
            .and_then(|n| n.networks.as_ref())
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        items.push(json!({
            "id": short(&id),
            "name": names.first().cloned().unwrap_or_else(|| short(&id)),
            "image": image,
            "command": c.command,
            "state": state,
            "status": c.status,
            "ports": ports,
            "networks": networks,
            "created": c.created,
        }));
    }
    let matched = items.len();
    let (page, meta) = a.page.take(items);
    Ok(json!({
        "engine": conn.display(),
        "counts": {"containers": matched, "running": running, "other": matched - running},
        "page": meta,
        "containers": page,
    }))
}

const CONTAINER_FIELDS: &[&str] = &[
    "Id",
    "Name",
    "Image",
    "Created",
    "State.Status",
    "State.Running",
    "State.StartedAt",
    "State.Health.Status",
    "RestartCount",
    "AppArmorProfile",
    "Config.User",
    "Config.Env",
    "Config.Image",
    "Config.Entrypoint",
    "Config.Cmd",
    "Config.WorkingDir",
    "Config.ExposedPorts",
    "Config.Healthcheck",
    "Config.Labels",
    "HostConfig.Privileged",
    "HostConfig.ReadonlyRootfs",
    "HostConfig.CapAdd",
    "HostConfig.CapDrop",
    "HostConfig.SecurityOpt",
    "HostConfig.Memory",
    "HostConfig.MemorySwap",
    "HostConfig.NanoCpus",
    "HostConfig.CpuShares",
    "HostConfig.CpuQuota",
    "HostConfig.PidsLimit",
    "HostConfig.NetworkMode",
    "HostConfig.PidMode",
    "HostConfig.IpcMode",
    "HostConfig.UTSMode",
    "HostConfig.UsernsMode",
    "HostConfig.CgroupParent",
    "HostConfig.PortBindings",
    "HostConfig.PublishAllPorts",
    "HostConfig.Binds",
    "HostConfig.Devices",
    "HostConfig.Tmpfs",
    "HostConfig.RestartPolicy",
    "HostConfig.Ulimits",
    "HostConfig.LogConfig",
    "Mounts",
];

pub async fn inspect_container(st: &State, a: &InspectContainerArgs) -> Result<Value, String> {
    let name = a.container.trim();
    if name.is_empty() {
        return Err(
            "`container` is empty: give a name or id (docker_listContainers lists them)".into(),
        );
    }
    let conn = st.engine().await?;
    let c = match conn
        .docker
        .inspect_container(name, None::<InspectContainerOptions>)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            return Err(engine_error(st, &format!("container `{name}`"), e).await
                + "; docker_listContainers (all: true) lists the containers");
        }
    };
    let doc = serde_json::to_value(&c).map_err(|e| format!("cannot encode the answer: {e}"))?;
    if a.full {
        return Ok(doc);
    }
    let mut out = pick(&doc, CONTAINER_FIELDS);
    // Networks: name → address and aliases, not the whole endpoint.
    if let Some(nets) = at(&doc, "NetworkSettings.Networks").and_then(Value::as_object) {
        let compact: Map<String, Value> = nets
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    pick(v, &["IPAddress", "Aliases", "Gateway", "NetworkID"]),
                )
            })
            .collect();
        if let Some(o) = out.as_object_mut() {
            o.insert("Networks".into(), Value::Object(compact));
        }
    }
    Ok(out)
}

const IMAGE_FIELDS: &[&str] = &[
    "Id",
    "RepoTags",
    "RepoDigests",
    "Created",
    "Author",
    "Os",
    "Architecture",
    "Variant",
    "Size",
    "Config.User",
    "Config.Env",
    "Config.Entrypoint",
    "Config.Cmd",
    "Config.WorkingDir",
    "Config.ExposedPorts",
    "Config.Volumes",
    "Config.Labels",
    "Config.Healthcheck",
    "Config.StopSignal",
    "Config.OnBuild",
];

pub async fn inspect_image(st: &State, a: &InspectImageArgs) -> Result<Value, String> {
    let name = a.image.trim();
    if name.is_empty() {
        return Err("`image` is empty: give a name, name:tag or id".into());
    }
    let conn = st.engine().await?;
    let img = match conn.docker.inspect_image(name).await {
        Ok(i) => i,
        Err(e) => {
            return Err(engine_error(st, &format!("image `{name}`"), e).await
                + "; the image must already be in the engine (this server never pulls)");
        }
    };
    let doc = serde_json::to_value(&img).map_err(|e| format!("cannot encode the answer: {e}"))?;
    let mut out = if a.full {
        doc.clone()
    } else {
        pick(&doc, IMAGE_FIELDS)
    };
    let layers = at(&doc, "RootFS.Layers")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let user = at(&doc, "Config.User")
        .and_then(Value::as_str)
        .unwrap_or("");
    if let Some(o) = out.as_object_mut() {
        o.insert("Layers".into(), json!(layers));
        o.insert(
            "RunsAsRoot".into(),
            json!(bulkhead_core::hardening::user_is_root(user)),
        );
    }
    if a.history {
        match conn.docker.image_history(name).await {
            Ok(h) => {
                let items: Vec<Value> = h
                    .iter()
                    .map(|e| {
                        json!({
                            "Id": short(&e.id),
                            "Created": e.created,
                            "CreatedBy": e.created_by,
                            "Size": e.size,
                            "Comment": e.comment,
                        })
                    })
                    .collect();
                if let Some(o) = out.as_object_mut() {
                    o.insert("History".into(), json!(items));
                }
            }
            Err(e) => return Err(engine_error(st, &format!("history of `{name}`"), e).await),
        }
    }
    Ok(out)
}

pub async fn list_networks(st: &State, a: &ListNetworksArgs) -> Result<Value, String> {
    let conn = st.engine().await?;
    let list = match conn.docker.list_networks(None::<ListNetworksOptions>).await {
        Ok(l) => l,
        Err(e) => return Err(engine_error(st, "listing networks", e).await),
    };
    let needle = a.filter.as_deref().map(str::to_lowercase);
    let ids: Vec<String> = list
        .iter()
        .filter(|n| match &needle {
            None => true,
            Some(x) => {
                n.name.as_deref().unwrap_or("").to_lowercase().contains(x)
                    || n.id.as_deref().unwrap_or("").starts_with(x.as_str())
            }
        })
        .filter_map(|n| n.id.clone())
        .collect();
    // The list does not carry the attached containers: inspect each, concurrently.
    let d = &conn.docker;
    let mut inspected: Vec<(String, Result<bollard::models::NetworkInspect, Error>)> =
        stream::iter(ids)
            .map(|id| async move {
                let r = d
                    .inspect_network(
                        &id,
                        None::<bollard::query_parameters::InspectNetworkOptions>,
                    )
                    .await;
                (id, r)
            })
            .buffer_unordered(16)
            .collect()
            .await;
    inspected.sort_by(|x, y| {
        let name = |r: &Result<bollard::models::NetworkInspect, Error>| {
            r.as_ref()
                .ok()
                .and_then(|n| n.name.clone())
                .unwrap_or_default()
        };
        name(&x.1).cmp(&name(&y.1))
    });
    let mut items = Vec::new();
    let mut notes = Vec::new();
    for (id, r) in inspected {
        let n = match r {
            Ok(n) => n,
            // Removed between the list and the inspection.
            Err(e) => {
                notes.push(format!(
                    "network {}: {}",
                    short(&id),
                    bulkhead_engine::connect::explain_error(&e)
                ));
                continue;
            }
        };
        let doc = serde_json::to_value(&n).unwrap_or(Value::Null);
        let mut v = pick(
            &doc,
            &[
                "Name",
                "Driver",
                "Scope",
                "Internal",
                "Attachable",
                "Ingress",
                "EnableIPv6",
                "Options",
                "Labels",
            ],
        );
        let subnets: Vec<Value> = at(&doc, "IPAM.Config")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|c| c.get("Subnet").cloned()).collect())
            .unwrap_or_default();
        let containers: Vec<Value> = at(&doc, "Containers")
            .and_then(Value::as_object)
            .map(|m| {
                m.values()
                    .map(|c| pick(c, &["Name", "IPv4Address"]))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("Id".into(), json!(short(&id)));
            o.insert("Subnets".into(), json!(subnets));
            o.insert("Containers".into(), json!(containers));
        }
        items.push(v);
    }
    let total = items.len();
    let internal = items
        .iter()
        .filter(|n| n.get("Internal").and_then(Value::as_bool) == Some(true))
        .count();
    let (page, meta) = a.page.take(items);
    Ok(json!({
        "engine": conn.display(),
        "counts": {"networks": total, "internal": internal},
        "page": meta,
        "networks": page,
        "notes": notes,
    }))
}

const INFO_FIELDS: &[&str] = &[
    "Name",
    "ServerVersion",
    "OperatingSystem",
    "OSType",
    "KernelVersion",
    "Architecture",
    "NCPU",
    "MemTotal",
    "Containers",
    "ContainersRunning",
    "ContainersPaused",
    "ContainersStopped",
    "Images",
    "Driver",
    "LoggingDriver",
    "CgroupDriver",
    "CgroupVersion",
    "SecurityOptions",
    "LiveRestoreEnabled",
    "ExperimentalBuild",
    "Debug",
    "DockerRootDir",
    "DefaultRuntime",
    "Isolation",
    "InitBinary",
    "RegistryConfig.InsecureRegistryCIDRs",
    "Swarm.LocalNodeState",
    "Swarm.ControlAvailable",
    "Warnings",
];

pub async fn system_info(st: &State, a: &SystemInfoArgs) -> Result<Value, String> {
    let conn = st.engine().await?;
    let (info, version) = tokio::join!(conn.docker.info(), conn.docker.version());
    let info = match info {
        Ok(i) => i,
        Err(e) => return Err(engine_error(st, "engine info", e).await),
    };
    let version = match version {
        Ok(v) => v,
        Err(e) => return Err(engine_error(st, "engine version", e).await),
    };
    let info_doc = serde_json::to_value(&info).unwrap_or(Value::Null);
    let version_doc = serde_json::to_value(&version).unwrap_or(Value::Null);
    let options: Vec<String> = info.security_options.clone().unwrap_or_default();
    let has = |name: &str| {
        options
            .iter()
            .any(|o| o.split(',').any(|kv| kv == format!("name={name}")))
    };
    let seccomp_profile = options
        .iter()
        .find(|o| o.contains("name=seccomp"))
        .and_then(|o| o.split(',').find_map(|kv| kv.strip_prefix("profile=")))
        .map(str::to_string);
    let insecure_registries: Vec<String> = info
        .registry_config
        .as_ref()
        .and_then(|r| r.index_configs.as_ref())
        .map(|m| {
            m.values()
                .filter(|c| c.secure == Some(false))
                .filter_map(|c| c.name.clone())
                .collect()
        })
        .unwrap_or_default();
    let mut out = json!({
        "engine": conn.display(),
        "api_version": conn.docker.client_version().to_string(),
        "engine_kind": bulkhead_engine::collect::engine_kind(&version),
        "security": {
            "rootless": has("rootless"),
            "userns": has("userns"),
            "seccomp": has("seccomp"),
            "seccomp_profile": seccomp_profile,
            "apparmor": has("apparmor"),
            "selinux": has("selinux"),
            "tls": conn.tls,
            "insecure_registries": insecure_registries,
        },
    });
    if let Some(o) = out.as_object_mut() {
        if a.full {
            o.insert("info".into(), info_doc);
            o.insert("version".into(), version_doc);
        } else {
            o.insert("info".into(), pick(&info_doc, INFO_FIELDS));
            o.insert(
                "version".into(),
                pick(
                    &version_doc,
                    &[
                        "Version",
                        "ApiVersion",
                        "MinAPIVersion",
                        "GoVersion",
                        "Os",
                        "Arch",
                        "KernelVersion",
                    ],
                ),
            );
        }
    }
    Ok(out)
}

pub async fn search_hub(st: &State, a: &SearchHubArgs) -> Result<Value, String> {
    let term = a.term.trim();
    if term.is_empty() || term.len() > 256 {
        return Err("`term` must be 1 to 256 characters (an image name such as nginx)".into());
    }
    let limit = a.limit.unwrap_or(25);
    if !(1..=100).contains(&limit) {
        return Err(format!("`limit` is {limit}: expected 1 to 100"));
    }
    let conn = st.engine().await?;
    let mut filters = std::collections::HashMap::new();
    if a.official_only {
        filters.insert("is-official", vec!["true"]);
    }
    let opts = SearchImagesOptionsBuilder::default()
        .term(term)
        .limit(limit as i32)
        .filters(&filters)
        .build();
    let search = conn.docker.search_images(opts);
    let results = match tokio::time::timeout(std::time::Duration::from_secs(30), search).await {
        Err(_) => {
            return Err(format!(
                "searching Docker Hub for `{term}`: no answer within 30 s (the engine may be offline or unable to reach the registry)"
            ));
        }
        Ok(Err(e)) => {
            return Err(
                engine_error(st, &format!("searching Docker Hub for `{term}`"), e).await
                    + " (the search runs in the engine, which must reach the registry: an offline engine cannot search)",
            );
        }
        Ok(Ok(r)) => r,
    };
    let items: Vec<Value> = results
        .iter()
        .map(|r| {
            json!({
                "name": r.name,
                "description": r.description,
                "stars": r.star_count,
                "official": r.is_official,
            })
        })
        .collect();
    Ok(json!({"term": term, "count": items.len(), "results": items}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_keeps_the_engine_api_shape() {
        let doc = json!({"Id": "x", "Config": {"User": "1000", "Env": ["A=1"], "Other": 1}, "HostConfig": {"CapDrop": null}});
        let v = pick(
            &doc,
            &[
                "Id",
                "Config.User",
                "Config.Env",
                "HostConfig.CapDrop",
                "Missing.Path",
            ],
        );
        assert_eq!(
            v,
            json!({"Id": "x", "Config": {"User": "1000", "Env": ["A=1"]}})
        );
    }
}
