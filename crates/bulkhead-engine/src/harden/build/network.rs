//! Namespaces and networks, published ports.

use super::*;

pub(super) fn is_host(mode: Option<&String>) -> bool {
    mode.is_some_and(|m| m.trim().eq_ignore_ascii_case("host"))
}

pub(super) fn namespaces(s: &mut Spec, c: &Container, hc: &HostConfig) {
    let mode = hc.network_mode.clone().unwrap_or_default();
    let mut others: Vec<String> = c
        .inspect
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.as_ref())
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    others.sort();
    let mut nets = Vec::new();
    match mode.as_str() {
        "host" => s.change(
            "CT009",
            "host network namespace replaced by the default bridge",
            "",
        ),
        "none" => s.network_mode = Some("none".into()),
        m if m.starts_with("container:") => s.network_mode = Some(m.to_string()),
        "" | "default" | "bridge" => {}
        m => nets.push(m.to_string()),
    }
    if s.network_mode.is_none() && mode != "host" {
        for n in others {
            if !nets.contains(&n) && !matches!(n.as_str(), "bridge" | "host" | "none") {
                nets.push(n);
            }
        }
        if nets.len() > 1 {
            s.note(format!(
                "`docker run` joins one network: connect the others after it starts: {}",
                nets.iter()
                    .skip(1)
                    .map(|n| format!("docker network connect {} {}", n, s.name))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
    }
    s.networks = nets;
    for (rule, what, get) in [
        ("CT015", "PID", hc.pid_mode.as_ref()),
        ("CT016", "IPC", hc.ipc_mode.as_ref()),
        ("CT019", "UTS", hc.uts_mode.as_ref()),
        ("CT025", "user", hc.userns_mode.as_ref()),
    ] {
        if is_host(get) {
            s.change(
                rule,
                format!("host {what} namespace replaced by the container's own"),
                "",
            );
        }
    }
    let shared = |m: Option<&String>| m.filter(|m| m.starts_with("container:")).cloned();
    s.pid_mode = shared(hc.pid_mode.as_ref());
    s.ipc_mode = shared(hc.ipc_mode.as_ref());
}

pub(super) fn ports(s: &mut Spec, c: &Container, cfg: &ContainerConfig, hc: &HostConfig) {
    if is_host(hc.network_mode.as_ref()) {
        let mut exposed = cfg.exposed_ports.clone().unwrap_or_default();
        exposed.sort();
        publish_exposed(s, &exposed);
        if !s.ports.is_empty() {
            s.note("the container used the host network: its exposed ports are now published on 127.0.0.1");
        }
        return;
    }
    let mut open = Vec::new();
    for p in support::published(c) {
        let (port, proto) = split_port(&p.container_port);
        let host_ip = match p.host_ip.trim() {
            "" | "0.0.0.0" | "::" | "[::]" => {
                open.push(p.describe());
                "127.0.0.1".to_string()
            }
            ip => ip.to_string(),
        };
        let spec = PortSpec {
            host_ip,
            host_port: p.host_port.clone(),
            container_port: port,
            proto,
        };
        if !s.ports.contains(&spec) {
            s.ports.push(spec);
        }
    }
    if hc.publish_all_ports == Some(true) {
        open.push("every exposed port (--publish-all)".into());
        let mut exposed = cfg.exposed_ports.clone().unwrap_or_default();
        exposed.sort();
        for e in exposed {
            let (port, proto) = split_port(&e);
            if !s
                .ports
                .iter()
                .any(|p| p.container_port == port && p.proto == proto)
            {
                s.ports.push(PortSpec {
                    host_ip: "127.0.0.1".into(),
                    host_port: String::new(),
                    container_port: port,
                    proto,
                });
            }
        }
    }
    if !open.is_empty() {
        s.change(
            "CT013",
            format!(
                "published on 127.0.0.1 instead of every interface: {}",
                open.join(", ")
            ),
            "-p 127.0.0.1:...",
        );
    }
    if !s.ports.is_empty() {
        s.note(
            "published ports are bound to 127.0.0.1 (reach them through a reverse proxy); a public service must \
             choose its interface deliberately (-p HOST_IP:PORT:PORT)",
        );
    }
}

pub(super) fn publish_exposed(s: &mut Spec, exposed: &[String]) {
    for e in exposed {
        let (port, proto) = split_port(e);
        let host = match port.parse::<u32>() {
            Ok(n) if n > 0 && n < 1024 => (n + 8000).to_string(),
            Ok(n) if n > 0 => n.to_string(),
            _ => continue,
        };
        s.ports.push(PortSpec {
            host_ip: "127.0.0.1".into(),
            host_port: host,
            container_port: port,
            proto,
        });
    }
}

/// `8080/tcp` → (`8080`, `tcp`).
pub(super) fn split_port(p: &str) -> (String, String) {
    match p.split_once('/') {
        Some((n, proto)) => (n.to_string(), proto.to_ascii_lowercase()),
        None => (p.to_string(), "tcp".into()),
    }
}
