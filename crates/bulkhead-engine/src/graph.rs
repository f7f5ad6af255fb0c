//! The topology of an engine (containers, networks, published ports) and its drawings.
//!
//! [`Topology::build`] reads a [`Snapshot`]: each container's networks (from its
//! `NetworkSettings.Networks`, its `HostConfig.NetworkMode` and the networks' own `Containers` endpoints),
//! its published ports (`NetworkSettings.Ports` when running, `HostConfig.PortBindings` otherwise, with
//! the interface each is bound to) and whether it is a data-tier service (image name, exposed port, server
//! process seen in `docker top`, or the `bulkhead.tier` label). The network rules (`NW`) and the
//! drawings read the same topology:
//!
//! - [`to_dot`]: Graphviz DOT;
//! - [`to_svg`]: a self-contained SVG drawn without Graphviz (internet, containers, networks in three
//!   columns; public exposures red, loopback bindings green);
//! - [`to_json`]: the topology as JSON, for the JSON report.
//!
//! Names are user input: every drawing escapes them, and the output is deterministic (sorted).

mod dot;
mod svg;
mod topology;

pub use topology::{
    DATA_TIER_IMAGES, DATA_TIER_PORTS, DATA_TIER_PROCESSES, Exposure, NetInfo, NetKind, NetMode,
    NodeInfo, Published, TIER_LABEL, Topology, data_tier_image, data_tier_port, data_tier_process,
    image_base_name,
};

use crate::snapshot::Snapshot;

/// The topology as Graphviz DOT.
pub fn to_dot(snapshot: &Snapshot) -> String {
    dot::render(&Topology::build(snapshot), &Marks::of(snapshot))
}

/// The topology as a self-contained SVG document.
pub fn to_svg(snapshot: &Snapshot) -> String {
    svg::render(&Topology::build(snapshot), &Marks::of(snapshot))
}

/// A topology built elsewhere (a compose project, say) as Graphviz DOT: the same drawing as [`to_dot`].
pub fn topology_to_dot(topo: &Topology) -> String {
    dot::render(topo, &Marks::of_topology(topo))
}

/// A topology built elsewhere (a compose project, say) as SVG: the same drawing as [`to_svg`].
pub fn topology_to_svg(topo: &Topology) -> String {
    svg::render(topo, &Marks::of_topology(topo))
}

/// The topology as JSON: `{"containers": [...], "networks": [...], "exposures": [...]}`.
pub fn to_json(snapshot: &Snapshot) -> serde_json::Value {
    let topo = Topology::build(snapshot);
    let marks = Marks::of(snapshot);
    let mut v = serde_json::to_value(&topo).unwrap_or_else(|_| serde_json::json!({}));
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "data_tier_on_public_network".into(),
            serde_json::json!(marks.data_on_public),
        );
        obj.insert(
            "public_data_tier".into(),
            serde_json::json!(marks.public_data),
        );
    }
    v
}

/// The formats [`render`] writes, by file extension.
pub const GRAPH_EXTENSIONS: &[&str] = &["svg", "dot", "gv", "json"];

/// The drawing for a file name, by its extension (`svg`, `dot`/`gv`, `json`); an error naming the
/// accepted extensions otherwise.
pub fn render(snapshot: &Snapshot, file_name: &str) -> Result<String, String> {
    let ext = std::path::Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "svg" => Ok(to_svg(snapshot)),
        "dot" | "gv" => Ok(to_dot(snapshot)),
        "json" => {
            let mut s = serde_json::to_string_pretty(&to_json(snapshot)).unwrap_or_default();
            s.push('\n');
            Ok(s)
        }
        _ => Err(format!(
            "{file_name}: unknown graph format {:?}; use a file name ending in {}",
            ext,
            GRAPH_EXTENSIONS
                .iter()
                .map(|e| format!(".{e}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// What the drawings highlight: data-tier containers published publicly, and those sharing a network
/// with a publicly published container (the `NW002`/`NW003` conditions).
#[derive(Debug, Clone, Default)]
pub struct Marks {
    /// Names of data-tier containers published on a public interface (or on the host network).
    pub public_data: Vec<String>,
    /// `(data-tier container, network, public container)` triples.
    pub data_on_public: Vec<(String, String, String)>,
}

impl Marks {
    /// The marks of a snapshot's topology.
    pub fn of(snapshot: &Snapshot) -> Marks {
        Marks::of_topology(&Topology::build(snapshot))
    }
    /// The marks of a topology.
    pub fn of_topology(topo: &Topology) -> Marks {
        let mut m = Marks::default();
        for c in &topo.containers {
            if c.data_tier.is_some() && (c.is_public() || c.mode == NetMode::Host) {
                m.public_data.push(c.name.clone());
            }
        }
        for (data, net, public) in data_sharing_public(topo) {
            m.data_on_public
                .push((data.name.clone(), net.name.clone(), public.name.clone()));
        }
        m
    }
}

/// `(data-tier container, network, publicly published container)` for every network where a data-tier
/// container can reach (and be reached from) a container published on a public interface; networks
/// with inter-container communication disabled are left out.
pub fn data_sharing_public(topo: &Topology) -> Vec<(&NodeInfo, &NetInfo, &NodeInfo)> {
    let mut out = Vec::new();
    for net in &topo.networks {
        if net.icc_disabled || matches!(net.kind, NetKind::Host | NetKind::None) {
            continue;
        }
        let members: Vec<&NodeInfo> = topo.members(net).collect();
        for d in members.iter().filter(|c| c.data_tier.is_some()) {
            for p in members.iter().filter(|c| c.is_public() && c.name != d.name) {
                out.push((*d, net, *p));
            }
        }
    }
    out
}

/// Escape text for a double-quoted DOT string: backslashes, quotes, line breaks and control characters.
pub fn escape_dot(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escape text for XML character data and attribute values; characters XML 1.0 cannot carry become
/// U+FFFD.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
