//! Drawing tests: snapshots of the DOT and SVG of real fixtures, well-formedness, hostile names.

use super::*;
use crate::snapshot::{Container, Snapshot};
use bollard::models::{
    ContainerConfig, ContainerInspectResponse, ContainerState, EndpointSettings, HostConfig,
    NetworkInspect, NetworkSettings, PortBinding,
};
use std::collections::HashMap;

fn fixture(name: &str) -> Snapshot {
    let path = format!(
        "{}/tests/fixtures/network/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A small XML well-formedness check: balanced, properly nested tags, quoted attributes, only the five
/// predefined entities and numeric references, no raw `<` or `&` in text, no characters XML 1.0 forbids.
fn check_xml(doc: &str) -> Result<(), String> {
    fn entity_ok(rest: &str) -> bool {
        let Some(end) = rest.find(';') else {
            return false;
        };
        let name = &rest[1..end];
        matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
            || name
                .strip_prefix("#x")
                .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
            || name
                .strip_prefix('#')
                .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
    }
    fn text_ok(t: &str) -> Result<(), String> {
        for (i, c) in t.char_indices() {
            if c == '<' {
                return Err(format!("raw < in text: {t:?}"));
            }
            if c == '&' && !entity_ok(&t[i..]) {
                return Err(format!("bad entity in {t:?}"));
            }
            if ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
                || c == '\u{fffe}'
                || c == '\u{ffff}'
            {
                return Err(format!("forbidden character {c:?} in {t:?}"));
            }
        }
        Ok(())
    }
    let mut stack: Vec<String> = Vec::new();
    let mut rest = doc;
    if let Some(r) = rest.strip_prefix("<?xml") {
        let end = r.find("?>").ok_or("unterminated XML declaration")?;
        rest = &r[end + 2..];
    }
    let mut seen_root = false;
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..lt];
        if stack.is_empty() && !text.trim().is_empty() {
            return Err(format!("text outside the root element: {text:?}"));
        }
        text_ok(text)?;
        rest = &rest[lt..];
        if rest.is_empty() {
            break;
        }
        // A tag: find its end outside attribute quotes.
        let mut quote: Option<char> = None;
        let mut end = None;
        for (i, c) in rest.char_indices().skip(1) {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), '<') => return Err("raw < in an attribute value".into()),
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                (None, '<') => return Err(format!("< inside a tag: {:?}", &rest[..i])),
                _ => {}
            }
        }
        let end = end.ok_or("unterminated tag")?;
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .ok_or(format!("</{name}> without an open tag"))?;
            if open != name.trim() {
                return Err(format!("<{open}> closed by </{name}>"));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let name_end = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
        let name = &body[..name_end];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("bad tag name {name:?}"));
        }
        // Attributes: name="value" pairs, values checked like text.
        let mut attrs = body[name_end..].trim();
        let mut names = Vec::new();
        while !attrs.is_empty() {
            let eq = attrs
                .find('=')
                .ok_or(format!("attribute without value: {attrs:?}"))?;
            let an = attrs[..eq].trim();
            if an.is_empty() || names.contains(&an) {
                return Err(format!("bad or repeated attribute {an:?}"));
            }
            names.push(an);
            let v = attrs[eq + 1..].trim_start();
            let q = v.chars().next().ok_or("missing attribute value")?;
            if q != '"' && q != '\'' {
                return Err(format!("unquoted attribute value {v:?}"));
            }
            let close = v[1..].find(q).ok_or("unterminated attribute value")?;
            text_ok(&v[1..1 + close])?;
            attrs = v[close + 2..].trim_start();
        }
        if stack.is_empty() {
            if seen_root {
                return Err("two root elements".into());
            }
            seen_root = true;
        }
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements {stack:?}"));
    }
    if !seen_root {
        return Err("no root element".into());
    }
    Ok(())
}

/// DOT lexical check: every string closed on its line, braces and brackets balanced outside strings.
fn check_dot(doc: &str) -> Result<(), String> {
    let mut depth = 0i32;
    for line in doc.lines() {
        let mut in_str = false;
        let mut esc = false;
        for c in line.chars() {
            if in_str {
                if esc {
                    esc = false;
                } else if c == '\\' {
                    esc = true;
                } else if c == '"' {
                    in_str = false;
                }
                continue;
            }
            match c {
                '"' => in_str = true,
                '{' | '[' => depth += 1,
                '}' | ']' => depth -= 1,
                _ => {}
            }
            if depth < 0 {
                return Err(format!("unbalanced: {line:?}"));
            }
        }
        if in_str {
            return Err(format!("string not closed on its line: {line:?}"));
        }
    }
    if depth != 0 {
        return Err(format!("unbalanced braces: {depth}"));
    }
    Ok(())
}

#[test]
fn the_checkers_catch_broken_documents() {
    assert!(check_xml("<a><b/></a>").is_ok());
    assert!(check_xml("<a><b></a>").is_err());
    assert!(check_xml("<a>x & y</a>").is_err());
    assert!(check_xml("<a t=\"<\"/>").is_err());
    assert!(check_xml("<a t=x/>").is_err());
    assert!(check_xml("<a>\u{1}</a>").is_err());
    assert!(check_dot("digraph { a [label=\"x\"]; }").is_ok());
    assert!(check_dot("digraph { a [label=\"x\"\"]; }").is_err());
    assert!(check_dot("digraph { a [label=\"x\\\"]; }").is_err());
}

#[test]
fn dot_and_svg_snapshots() {
    for name in ["flat", "segmented", "misc"] {
        let snap = fixture(&format!("{name}.json"));
        let dot = to_dot(&snap);
        let svg = to_svg(&snap);
        check_dot(&dot).unwrap_or_else(|e| panic!("{name}.dot: {e}\n{dot}"));
        check_xml(&svg).unwrap_or_else(|e| panic!("{name}.svg: {e}\n{svg}"));
        assert_eq!(dot, to_dot(&snap), "deterministic");
        assert_eq!(svg, to_svg(&snap), "deterministic");
        insta::assert_snapshot!(format!("{name}_dot"), dot);
        insta::assert_snapshot!(format!("{name}_svg"), svg);
    }
}

#[test]
fn flat_exposure_is_marked() {
    let snap = fixture("flat.json");
    let svg = to_svg(&snap);
    assert!(svg.contains("class=\"container data-on-public\""), "{svg}");
    assert!(svg.contains("class=\"port public\""), "{svg}");
    assert!(svg.contains("class=\"member data-on-public\""), "{svg}");
    let dot = to_dot(&snap);
    assert!(dot.contains("0.0.0.0:32768->80/tcp"), "{dot}");
    let json = to_json(&snap);
    assert_eq!(
        json["data_tier_on_public_network"],
        serde_json::json!([["nw-flat-db", "nw-flat-net", "nw-flat-web"]])
    );
    // Segmented: loopback publication in green, the back end internal, nothing flagged.
    let seg = fixture("segmented.json");
    let svg = to_svg(&seg);
    assert!(svg.contains("class=\"port loopback\""), "{svg}");
    assert!(svg.contains("class=\"network internal\""), "{svg}");
    assert!(!svg.contains("data-on-public") && !svg.contains("public-data"));
    let json = to_json(&seg);
    assert_eq!(json["data_tier_on_public_network"], serde_json::json!([]));
    assert_eq!(json["containers"].as_array().map(Vec::len), Some(3));
    // Misc: the public database is red, the host-network container dashed purple.
    let svg = to_svg(&fixture("misc.json"));
    assert!(svg.contains("class=\"container public-data\""), "{svg}");
    assert!(svg.contains("class=\"container hostnet\""), "{svg}");
}

#[test]
fn render_by_extension() {
    let snap = fixture("flat.json");
    assert!(render(&snap, "out.svg").is_ok_and(|s| s.starts_with("<?xml")));
    assert!(render(&snap, "OUT.DOT").is_ok_and(|s| s.starts_with("digraph")));
    assert!(render(&snap, "t.json").is_ok_and(|s| s.contains("\"networks\"")));
    let e = render(&snap, "graph.png").unwrap_err();
    assert!(
        e.contains(".svg") && e.contains(".dot") && e.contains("png"),
        "{e}"
    );
    assert!(render(&snap, "noext").is_err());
}

fn hostile_snapshot() -> Snapshot {
    let names = [
        "/web\"]; evil [label=\"x",
        "/<script>alert('&amp;')</script>",
        "/back\\slash\nnew\u{1}line}{",
        "/\u{fffe}\u{202e}rtl]]>",
    ];
    let net_name = "net\"<&>'\\\n}";
    let mut containers = Vec::new();
    let mut endpoints = HashMap::new();
    for (i, n) in names.iter().enumerate() {
        let id = format!("{i:064}");
        let mut ports = HashMap::new();
        ports.insert(
            "80/tcp\"<&".to_string(),
            Some(vec![PortBinding {
                host_ip: Some(if i == 0 { "0.0.0.0" } else { "127.0.0.1" }.into()),
                host_port: Some(format!("80{i}\"")),
            }]),
        );
        let mut nets = HashMap::new();
        nets.insert(net_name.to_string(), EndpointSettings::default());
        endpoints.insert(id.clone(), Default::default());
        containers.push(Container {
            inspect: ContainerInspectResponse {
                id: Some(id),
                name: Some(n.to_string()),
                state: Some(ContainerState {
                    running: Some(true),
                    ..Default::default()
                }),
                config: Some(ContainerConfig {
                    image: Some(if i == 1 { "postgres:16\"&<" } else { "x\"{y}" }.into()),
                    ..Default::default()
                }),
                host_config: Some(HostConfig {
                    network_mode: Some(net_name.into()),
                    ..Default::default()
                }),
                network_settings: Some(NetworkSettings {
                    ports: Some(ports),
                    networks: Some(nets),
                    ..Default::default()
                }),
                ..Default::default()
            },
            top: None,
        });
    }
    Snapshot {
        host: "unix:///var/run/docker.sock".into(),
        containers,
        networks: vec![NetworkInspect {
            name: Some(net_name.into()),
            id: Some("n1".into()),
            driver: Some("bridge\"".into()),
            containers: Some(endpoints),
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[test]
fn hostile_names_are_escaped() {
    let snap = hostile_snapshot();
    let dot = to_dot(&snap);
    check_dot(&dot).unwrap_or_else(|e| panic!("{e}\n{dot}"));
    assert!(
        !dot.lines().any(|l| l.trim_start().starts_with("evil")),
        "{dot}"
    );
    assert!(dot.contains("web\\\"]; evil [label=\\\"x"), "{dot}");
    let svg = to_svg(&snap);
    check_xml(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert!(!svg.contains("<script>"), "{svg}");
    assert!(
        svg.contains("&lt;script&gt;alert(&apos;&amp;amp;&apos;)"),
        "{svg}"
    );
    // The data tier sharing the network with the public container is marked despite the names.
    assert!(svg.contains("data-on-public"), "{svg}");
    let json = to_json(&snap);
    assert_eq!(json["containers"].as_array().map(Vec::len), Some(4));
}

#[test]
fn empty_snapshot_draws() {
    let snap = Snapshot::default();
    check_xml(&to_svg(&snap)).unwrap_or_else(|e| panic!("{e}"));
    check_dot(&to_dot(&snap)).unwrap_or_else(|e| panic!("{e}"));
}
