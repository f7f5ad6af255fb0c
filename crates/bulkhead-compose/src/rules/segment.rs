//! What the segmentation rules (CP024-CP026) share: each service's tier, published ports and networks,
//! and the project's top-level networks with their keys.

use super::ComposeCheckContext;
use super::support::{Service, entries, port_spec, services};
use crate::node::{Node, Pos, Value};
use bulkhead_core::tiers::{TIER_LABEL, data_tier_image};

/// One service as the segmentation rules see it.
pub struct SegService<'a> {
    /// The service (name, key, definition).
    pub svc: Service<'a>,
    /// Why it is a data tier (`image postgres`, `label bulkhead.tier=data`), if it is one.
    pub data_tier: Option<String>,
    /// Whether it has `ports:` at all (on any address).
    pub published: bool,
    /// The first port it publishes on every host interface (as written), if any.
    pub public_port: Option<String>,
    /// `network_mode: host`.
    pub host_mode: bool,
    /// Whether it has a `networks:` key.
    pub declares_networks: bool,
    /// The networks it is attached to (`default` when it has neither `networks:` nor `network_mode`).
    pub networks: Vec<String>,
}

/// The value of label `key` of a service (map or `KEY=VALUE` list syntax).
fn label(svc: &Service, key: &str) -> Option<String> {
    let labels = svc.get("labels")?;
    if let Some(map) = labels.as_map() {
        return map
            .iter()
            .find(|(k, _)| k.name == key)
            .and_then(|(_, v)| v.scalar_text());
    }
    entries(labels).into_iter().find_map(|(t, _)| {
        let (k, v) = t.split_once('=').unwrap_or((t.as_str(), ""));
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

fn data_tier(svc: &Service) -> Option<String> {
    if let Some(v) = label(svc, TIER_LABEL) {
        return v
            .trim()
            .eq_ignore_ascii_case("data")
            .then(|| format!("label {TIER_LABEL}=data"));
    }
    let image = svc.get("image").and_then(Node::scalar_text)?;
    data_tier_image(&image).map(|k| format!("image {k}"))
}

/// The project's services with their tier, ports and networks, in document order.
pub fn seg_services<'a>(ctx: &ComposeCheckContext<'a>) -> Vec<SegService<'a>> {
    services(ctx)
        .into_iter()
        .map(|svc| {
            let ports = svc.get("ports").and_then(Node::as_seq).unwrap_or_default();
            let public_port = ports.iter().find_map(|p| {
                let spec = port_spec(p)?;
                spec.all_interfaces().then(|| {
                    p.scalar_text()
                        .unwrap_or_else(|| format!("{}:{}", spec.published, spec.target))
                })
            });
            let mode = svc
                .get("network_mode")
                .and_then(Node::scalar_text)
                .unwrap_or_default();
            let declared = svc.get("networks");
            let networks = match declared {
                Some(n) => match n.as_map() {
                    Some(m) => m.iter().map(|(k, _)| k.name.clone()).collect(),
                    None => n.strings(),
                },
                None if mode.is_empty() => vec!["default".to_string()],
                None => Vec::new(),
            };
            SegService {
                data_tier: data_tier(&svc),
                published: !ports.is_empty(),
                public_port,
                host_mode: mode.trim() == "host",
                declares_networks: declared.is_some(),
                networks,
                svc,
            }
        })
        .collect()
}

/// One top-level network: its name, its key as a node, its definition.
pub struct TopNetwork<'a> {
    /// The network's name (the key under `networks`).
    pub name: &'a str,
    /// The key, as a string node (where findings point).
    pub key: Node,
    /// The definition (may be null).
    pub node: &'a Node,
}

/// The top-level `networks`, in document order.
pub fn top_networks<'a>(ctx: &ComposeCheckContext<'a>) -> Vec<TopNetwork<'a>> {
    let Some(map) = ctx
        .project
        .model
        .as_ref()
        .and_then(|m| m.get("networks"))
        .and_then(Node::as_map)
    else {
        return Vec::new();
    };
    map.iter()
        .map(|(k, node)| {
            let pos = k.pos;
            let end = (pos.line > 0).then(|| Pos {
                column: pos.column + k.name.chars().count(),
                offset: pos.offset + k.name.len(),
                ..pos
            });
            TopNetwork {
                name: k.name.as_str(),
                key: Node {
                    value: Value::Str(k.name.clone()),
                    pos,
                    end,
                },
                node,
            }
        })
        .collect()
}
