//! `bulkhead check --graph FILE`: a compose project drawn as the engine draws a live topology. The project
//! becomes an engine [`Topology`] (services as containers, compose networks as networks) and the engine's
//! renderer draws it, so `check` and `audit` share one drawing.

use bulkhead_compose::node::Node;
use bulkhead_compose::rules::ComposeCheckContext;
use bulkhead_compose::rules::segment::{seg_services, top_networks};
use bulkhead_compose::rules::support::port_spec;
use bulkhead_engine::graph::{Exposure, NetInfo, NetKind, NetMode, NodeInfo, Published, Topology};
use std::collections::BTreeMap;
use std::path::Path;

/// The formats `check --graph` writes, by file extension.
pub const EXTENSIONS: &[&str] = &["svg", "dot", "gv"];

/// Whether `path` ends in an extension `check --graph` draws; an error naming them otherwise.
pub fn extension_ok(path: &Path) -> Result<(), String> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    if EXTENSIONS.contains(&ext.as_str()) {
        Ok(())
    } else {
        Err(format!(
            "{}: unknown graph format {ext:?}; use a file name ending in .svg, .dot or .gv",
            path.display()
        ))
    }
}

/// The topology of a loaded compose project: each service with its networks (`default` when it names
/// none), published ports and data tier; each network with its `internal` flag and driver.
pub fn topology(ctx: &ComposeCheckContext) -> Topology {
    let declared: BTreeMap<String, (bool, String)> = top_networks(ctx)
        .into_iter()
        .map(|n| {
            let internal = n.node.get("internal").and_then(Node::as_bool) == Some(true);
            let driver = n
                .node
                .get("driver")
                .and_then(Node::scalar_text)
                .unwrap_or_else(|| "bridge".to_string());
            (n.name.to_string(), (internal, driver))
        })
        .collect();
    let mut nets: BTreeMap<String, NetInfo> = BTreeMap::new();
    let mut containers = Vec::new();
    for s in seg_services(ctx) {
        let mut networks = s.networks.clone();
        if s.host_mode {
            networks = vec!["host".to_string()];
        }
        networks.sort();
        networks.dedup();
        for n in &networks {
            let (internal, driver) = declared
                .get(n)
                .cloned()
                .unwrap_or_else(|| (false, "bridge".to_string()));
            nets.entry(n.clone())
                .or_insert_with(|| NetInfo {
                    name: n.clone(),
                    id: String::new(),
                    driver: if s.host_mode { "host".into() } else { driver },
                    kind: if s.host_mode {
                        NetKind::Host
                    } else {
                        NetKind::UserDefined
                    },
                    internal,
                    icc_disabled: false,
                    containers: Vec::new(),
                })
                .containers
                .push(s.svc.name.to_string());
        }
        let mut published = Vec::new();
        let mut ports = Vec::new();
        for p in s
            .svc
            .get("ports")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let Some(spec) = port_spec(p) else { continue };
            let proto = p
                .scalar_text()
                .and_then(|t| t.rsplit_once('/').map(|(_, pr)| pr.to_ascii_lowercase()))
                .or_else(|| p.get("protocol").and_then(Node::scalar_text))
                .unwrap_or_else(|| "tcp".to_string());
            let container_port = format!("{}/{proto}", spec.target);
            ports.push(container_port.clone());
            published.push(Published {
                container_port,
                exposure: Exposure::of(&spec.host_ip),
                host_ip: spec.host_ip,
                host_port: spec.published,
            });
        }
        published.sort();
        published.dedup();
        ports.sort();
        ports.dedup();
        containers.push(NodeInfo {
            name: s.svc.name.to_string(),
            id: String::new(),
            image: s
                .svc
                .get("image")
                .and_then(Node::scalar_text)
                .unwrap_or_default(),
            // A declared service: drawn like a running container (no "stopped" mark).
            running: true,
            mode: if s.host_mode {
                NetMode::Host
            } else {
                NetMode::Networks
            },
            networks,
            published,
            ports,
            data_tier: s.data_tier,
        });
    }
    // Declared networks no service uses are drawn too.
    for (name, (internal, driver)) in declared {
        nets.entry(name.clone()).or_insert_with(|| NetInfo {
            name,
            id: String::new(),
            driver,
            kind: NetKind::UserDefined,
            internal,
            icc_disabled: false,
            containers: Vec::new(),
        });
    }
    containers.sort_by(|a, b| a.name.cmp(&b.name));
    let mut networks: Vec<NetInfo> = nets.into_values().collect();
    for n in &mut networks {
        n.containers.sort();
    }
    let name = ctx
        .project
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "compose".into());
    Topology {
        title: format!("bulkhead: compose project {name}"),
        containers,
        networks,
    }
}

/// The drawing of `topo` for `path`'s extension (`.svg`, `.dot`/`.gv`).
pub fn render(topo: &Topology, path: &Path) -> Result<String, String> {
    extension_ok(path)?;
    let svg = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    Ok(if svg {
        bulkhead_engine::graph::topology_to_svg(topo)
    } else {
        bulkhead_engine::graph::topology_to_dot(topo)
    })
}

/// Writes one drawing per project: `path` itself for one project, `<stem>-<n>.<ext>` for several.
pub fn write(path: &Path, topos: &[Topology]) -> Result<(), String> {
    for (i, topo) in topos.iter().enumerate() {
        let target = if topos.len() == 1 {
            path.to_path_buf()
        } else {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("graph");
            let ext = path.extension().and_then(|s| s.to_str()).unwrap_or("svg");
            path.with_file_name(format!("{stem}-{}.{ext}", i + 1))
        };
        let text = render(topo, &target)?;
        std::fs::write(&target, text)
            .map_err(|e| format!("{}: cannot write the graph: {e}", target.display()))?;
    }
    Ok(())
}
