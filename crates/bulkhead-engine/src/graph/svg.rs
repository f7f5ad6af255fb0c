//! A hand-drawn SVG of the topology: the internet on the left, containers in the middle, networks on the
//! right; published ports are edges from the internet (red: every interface or a public address, orange:
//! a private address, green: loopback), memberships are grey edges (orange when a data-tier container
//! shares the network with a publicly published one).

use super::dot::{GREEN, GREY, ORANGE, PURPLE, RED};
use super::{Exposure, Marks, NetKind, NetMode, NodeInfo, Topology, escape_xml};
use std::fmt::Write as _;

const CHAR_W: usize = 8;
const MAX_CHARS: usize = 48;
const ROW_H: usize = 64;
const NODE_H: usize = 52;
const NET_H: usize = 40;
const TOP: usize = 50;
const INTERNET_X: usize = 20;
const INTERNET_W: usize = 150;
const CONTAINER_X: usize = 330;
const GAP: usize = 140;

/// Cut text to `MAX_CHARS` characters, ending in `…` when cut.
fn fit(s: &str) -> String {
    if s.chars().count() <= MAX_CHARS {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX_CHARS - 1).collect();
        t.push('…');
        t
    }
}

fn width_of(lines: &[String]) -> usize {
    let chars = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    (chars * CHAR_W + 24).clamp(160, MAX_CHARS * CHAR_W + 24)
}

fn container_lines(c: &NodeInfo) -> Vec<String> {
    let mut lines = vec![fit(&c.name)];
    let mut second = c.image.clone();
    match &c.mode {
        NetMode::Host => second = format!("--network host · {second}"),
        NetMode::None => second = format!("--network none · {second}"),
        NetMode::Container(t) => second = format!("--network container:{t}"),
        NetMode::Networks => {}
    }
    if !c.running {
        second.push_str(" (stopped)");
    }
    lines.push(fit(&second));
    if let Some(why) = &c.data_tier {
        lines.push(fit(&format!("data tier: {why}")));
    }
    lines
}

fn text(s: &mut String, x: usize, y: usize, class: &str, body: &str) {
    let _ = writeln!(
        s,
        "  <text x=\"{x}\" y=\"{y}\" class=\"{class}\">{}</text>",
        escape_xml(body)
    );
}

pub(super) fn render(topo: &Topology, marks: &Marks) -> String {
    let lines: Vec<Vec<String>> = topo.containers.iter().map(container_lines).collect();
    let cw = lines.iter().map(|l| width_of(l)).max().unwrap_or(160);
    let net_labels: Vec<Vec<String>> = topo
        .networks
        .iter()
        .map(|n| {
            let kind = match n.kind {
                NetKind::DefaultBridge => "default bridge".to_string(),
                NetKind::Host => "host".to_string(),
                NetKind::None => "none".to_string(),
                NetKind::SwarmSystem => "swarm system".to_string(),
                NetKind::UserDefined => n.driver.clone(),
            };
            let mut second = kind;
            if n.internal {
                second.push_str(" · internal");
            }
            if n.icc_disabled {
                second.push_str(" · icc off");
            }
            vec![fit(&format!("network {}", n.name)), fit(&second)]
        })
        .collect();
    let nw = net_labels.iter().map(|l| width_of(l)).max().unwrap_or(160);
    let net_x = CONTAINER_X + cw + GAP;
    let rows = topo.containers.len().max(topo.networks.len()).max(1);
    let legend_y = TOP + rows * ROW_H + 10;
    let width = net_x + nw + 20;
    let height = legend_y + 90;
    let cy = |i: usize| TOP + i * ROW_H + NODE_H / 2;
    let ny = |i: usize| TOP + i * ROW_H + NET_H / 2;
    let internet_y = TOP + (rows * ROW_H) / 2;

    let mut s = String::new();
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, Arial, sans-serif\">"
    );
    let _ = writeln!(s, "  <title>{}</title>", escape_xml(&topo.title));
    let _ = writeln!(
        s,
        "  <style>.t{{font-size:13px;font-weight:bold}} .s{{font-size:11px;fill:#37474f}} .e{{font-size:10px}} .h{{font-size:15px;font-weight:bold}}</style>"
    );
    text(&mut s, 20, 24, "h", &topo.title);

    // Edges first, so that nodes are drawn over them.
    for (i, c) in topo.containers.iter().enumerate() {
        let y = cy(i);
        for (k, p) in c.published.iter().enumerate() {
            let color = match p.exposure {
                Exposure::AllInterfaces | Exposure::PublicAddress => RED,
                Exposure::Private => ORANGE,
                Exposure::Loopback => GREEN,
            };
            let class = if p.exposure.is_public() {
                "public"
            } else if p.exposure == Exposure::Loopback {
                "loopback"
            } else {
                "private"
            };
            let x1 = INTERNET_X + INTERNET_W;
            let _ = writeln!(
                s,
                "  <line class=\"port {class}\" x1=\"{x1}\" y1=\"{internet_y}\" x2=\"{CONTAINER_X}\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"2\"/>"
            );
            // Label at 55% of the edge, stacked per binding, centred on the edge.
            let lx = x1 + (CONTAINER_X - x1) * 55 / 100;
            let ly = (internet_y as f64 + (y as f64 - internet_y as f64) * 0.55) as usize;
            let _ = writeln!(
                s,
                "  <text x=\"{lx}\" y=\"{}\" class=\"e\" text-anchor=\"middle\" fill=\"{color}\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
                (ly + k * 11).saturating_sub(5),
                escape_xml(&fit(&p.display()))
            );
        }
        if c.mode == NetMode::Host {
            let x1 = INTERNET_X + INTERNET_W;
            let _ = writeln!(
                s,
                "  <line class=\"hostnet\" x1=\"{x1}\" y1=\"{internet_y}\" x2=\"{CONTAINER_X}\" y2=\"{y}\" stroke=\"{PURPLE}\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>"
            );
            if let Some(j) = topo.networks.iter().position(|n| n.kind == NetKind::Host) {
                let _ = writeln!(
                    s,
                    "  <line class=\"hostnet\" x1=\"{}\" y1=\"{y}\" x2=\"{net_x}\" y2=\"{}\" stroke=\"{PURPLE}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>",
                    CONTAINER_X + cw,
                    ny(j)
                );
            }
        }
        if let NetMode::Container(target) = &c.mode {
            // A dotted curve on the left of the column to the container whose namespace it joins.
            if let Some(j) = topo.containers.iter().position(|o| &o.name == target) {
                let (y1, y2) = (cy(j), y);
                let bulge = 30 + 6 * i.abs_diff(j).min(10);
                let _ = writeln!(
                    s,
                    "  <path class=\"namespace\" d=\"M {CONTAINER_X} {y1} C {cx} {y1}, {cx} {y2}, {CONTAINER_X} {y2}\" fill=\"none\" stroke=\"{GREY}\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>",
                    cx = CONTAINER_X.saturating_sub(bulge)
                );
            }
            continue;
        }
        for net in &c.networks {
            if let Some(j) = topo.networks.iter().position(|n| &n.name == net) {
                let flagged = marks
                    .data_on_public
                    .iter()
                    .any(|(d, n, _)| d == &c.name && n == net);
                let (color, class) = if flagged {
                    (ORANGE, "member data-on-public")
                } else {
                    (GREY, "member")
                };
                let _ = writeln!(
                    s,
                    "  <line class=\"{class}\" x1=\"{}\" y1=\"{y}\" x2=\"{net_x}\" y2=\"{}\" stroke=\"{color}\" stroke-width=\"1.5\"/>",
                    CONTAINER_X + cw,
                    ny(j)
                );
            }
        }
    }

    // The internet.
    let _ = writeln!(
        s,
        "  <rect x=\"{INTERNET_X}\" y=\"{}\" width=\"{INTERNET_W}\" height=\"44\" rx=\"22\" fill=\"#eceff1\" stroke=\"#263238\" stroke-width=\"1.5\"/>",
        internet_y - 22
    );
    text(
        &mut s,
        INTERNET_X + 18,
        internet_y - 3,
        "t",
        "internet / host",
    );
    text(
        &mut s,
        INTERNET_X + 18,
        internet_y + 12,
        "s",
        "published ports",
    );

    // Containers.
    for (i, (c, l)) in topo.containers.iter().zip(&lines).enumerate() {
        let top = TOP + i * ROW_H;
        let public_data = marks.public_data.contains(&c.name);
        let on_public_net = marks.data_on_public.iter().any(|(d, _, _)| d == &c.name);
        let (stroke, fill, class, dash) = if public_data {
            (RED, "#ffebee", "container public-data", "")
        } else if on_public_net {
            (ORANGE, "#fff3e0", "container data-on-public", "")
        } else if c.mode == NetMode::Host {
            (
                PURPLE,
                "#f3e5f5",
                "container hostnet",
                " stroke-dasharray=\"6 4\"",
            )
        } else if c.is_public() {
            (RED, "#ffffff", "container public", "")
        } else {
            (GREY, "#ffffff", "container", "")
        };
        let _ = writeln!(
            s,
            "  <g class=\"{class}\"><title>{}</title>",
            escape_xml(&format!("{} ({})", c.name, c.image))
        );
        let _ = writeln!(
            s,
            "  <rect x=\"{CONTAINER_X}\" y=\"{top}\" width=\"{cw}\" height=\"{NODE_H}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"2\"{dash}/>"
        );
        for (k, line) in l.iter().enumerate() {
            let class = if k == 0 { "t" } else { "s" };
            text(&mut s, CONTAINER_X + 10, top + 17 + k * 14, class, line);
        }
        s.push_str("  </g>\n");
    }

    // Networks.
    for (j, (n, l)) in topo.networks.iter().zip(&net_labels).enumerate() {
        let top = TOP + j * ROW_H;
        let (stroke, class) = if n.internal {
            (GREEN, "network internal")
        } else {
            (GREY, "network")
        };
        let _ = writeln!(
            s,
            "  <g class=\"{class}\"><title>{}</title>",
            escape_xml(&format!(
                "network {} ({} containers)",
                n.name,
                n.containers.len()
            ))
        );
        let _ = writeln!(
            s,
            "  <rect x=\"{net_x}\" y=\"{top}\" width=\"{nw}\" height=\"{NET_H}\" fill=\"#f5f5f5\" stroke=\"{stroke}\" stroke-width=\"2\"/>"
        );
        for (k, line) in l.iter().enumerate() {
            let class = if k == 0 { "t" } else { "s" };
            text(&mut s, net_x + 10, top + 16 + k * 14, class, line);
        }
        s.push_str("  </g>\n");
    }

    // Legend.
    let entries = [
        (RED, "published on every interface / a public address"),
        (
            ORANGE,
            "private address; data tier sharing a network with a public container",
        ),
        (GREEN, "loopback only; internal network"),
        (PURPLE, "host network namespace"),
    ];
    for (k, (color, what)) in entries.iter().enumerate() {
        let y = legend_y + k * 18;
        let _ = writeln!(
            s,
            "  <line x1=\"20\" y1=\"{y}\" x2=\"50\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"3\"/>"
        );
        text(&mut s, 58, y + 4, "s", what);
    }
    s.push_str("</svg>\n");
    s
}
