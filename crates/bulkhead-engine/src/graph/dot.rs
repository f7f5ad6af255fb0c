//! Graphviz DOT output.

use super::{Marks, NetKind, NetMode, Topology, escape_dot};
use std::fmt::Write as _;

/// Colours shared with the SVG drawing.
pub(crate) const RED: &str = "#c62828";
pub(crate) const GREEN: &str = "#2e7d32";
pub(crate) const ORANGE: &str = "#ef6c00";
pub(crate) const PURPLE: &str = "#6a1b9a";
pub(crate) const GREY: &str = "#607d8b";

pub(super) fn render(topo: &Topology, marks: &Marks) -> String {
    let mut s = String::new();
    s.push_str("digraph bulkhead {\n");
    s.push_str(&format!(
        "  graph [rankdir=LR, fontname=\"Helvetica\", label=\"{}\", labelloc=t];\n",
        super::escape_dot(&topo.title)
    ));
    s.push_str("  node [fontname=\"Helvetica\", fontsize=11];\n");
    s.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    s.push_str("  internet [shape=doubleoctagon, label=\"internet / host interfaces\"];\n");
    let any_host = topo.containers.iter().any(|c| c.mode == NetMode::Host);
    if any_host {
        let _ = writeln!(
            s,
            "  hostns [shape=box3d, color=\"{PURPLE}\", label=\"host network namespace\"];"
        );
    }
    for (i, c) in topo.containers.iter().enumerate() {
        let mut label = c.name.clone();
        if !c.image.is_empty() {
            label.push('\n');
            label.push_str(&c.image);
        }
        if let Some(why) = &c.data_tier {
            label.push_str("\ndata tier (");
            label.push_str(why);
            label.push(')');
        }
        if !c.running {
            label.push_str("\n(stopped)");
        }
        let public_data = marks.public_data.contains(&c.name);
        let on_public_net = marks.data_on_public.iter().any(|(d, _, _)| d == &c.name);
        let (color, style) = if public_data {
            (RED, "filled,bold")
        } else if on_public_net {
            (ORANGE, "filled,bold")
        } else if c.mode == NetMode::Host {
            (PURPLE, "filled,dashed")
        } else if c.is_public() {
            (RED, "filled")
        } else {
            (GREY, "filled")
        };
        let shape = if c.data_tier.is_some() {
            "cylinder"
        } else {
            "box"
        };
        let _ = writeln!(
            s,
            "  c{i} [shape={shape}, style=\"{style}\", fillcolor=\"#ffffff\", color=\"{color}\", label=\"{}\"];",
            escape_dot(&label)
        );
    }
    for (i, n) in topo.networks.iter().enumerate() {
        let mut label = format!("network {}", n.name);
        let kind = match n.kind {
            NetKind::DefaultBridge => "default bridge".to_string(),
            NetKind::Host => "host".to_string(),
            NetKind::None => "none".to_string(),
            NetKind::SwarmSystem => "swarm".to_string(),
            NetKind::UserDefined => n.driver.clone(),
        };
        if !kind.is_empty() {
            label.push_str(&format!("\n{kind}"));
        }
        if n.internal {
            label.push_str(", internal");
        }
        if n.icc_disabled {
            label.push_str(", icc off");
        }
        let color = if n.internal { GREEN } else { GREY };
        let _ = writeln!(
            s,
            "  n{i} [shape=folder, color=\"{color}\", label=\"{}\"];",
            escape_dot(&label)
        );
    }
    // Published ports: internet -> container.
    for (i, c) in topo.containers.iter().enumerate() {
        for p in &c.published {
            let color = if p.exposure.is_public() {
                RED
            } else if p.exposure == super::Exposure::Loopback {
                GREEN
            } else {
                ORANGE
            };
            let _ = writeln!(
                s,
                "  internet -> c{i} [color=\"{color}\", fontcolor=\"{color}\", label=\"{}\"];",
                escape_dot(&p.display())
            );
        }
        match &c.mode {
            NetMode::Host => {
                let _ = writeln!(
                    s,
                    "  hostns -> c{i} [dir=none, style=dashed, color=\"{PURPLE}\", label=\"--network host\"];"
                );
            }
            NetMode::Container(t) => {
                if let Some(j) = topo.containers.iter().position(|o| &o.name == t) {
                    let _ = writeln!(
                        s,
                        "  c{j} -> c{i} [dir=none, style=dotted, label=\"shares namespace\"];"
                    );
                }
            }
            _ => {}
        }
    }
    // Memberships: container -- network.
    for (i, c) in topo.containers.iter().enumerate() {
        if matches!(c.mode, NetMode::Container(_)) {
            continue;
        }
        for net in &c.networks {
            if let Some(j) = topo.networks.iter().position(|n| &n.name == net) {
                let red = marks
                    .data_on_public
                    .iter()
                    .any(|(d, n, _)| d == &c.name && n == net);
                let color = if red { ORANGE } else { GREY };
                let _ = writeln!(s, "  c{i} -> n{j} [dir=none, color=\"{color}\"];");
            }
        }
    }
    s.push_str("}\n");
    s
}
