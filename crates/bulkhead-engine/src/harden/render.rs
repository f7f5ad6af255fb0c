//! A [`Spec`] as `docker run` argv, as one POSIX-shell line, and as a compose file.

use super::build::{EnvSpec, MountSpec, PortSpec, RESTART, Spec, safe_name};
use std::fmt::Write as _;

/// The argv after `docker run`.
pub fn run_args(s: &Spec) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    fn push(a: &mut Vec<String>, k: &str, v: &str) {
        a.push(k.to_string());
        a.push(v.to_string());
    }
    push(&mut a, "--name", &s.name);
    push(&mut a, "--user", &s.user);
    push(&mut a, "--cap-drop", "ALL");
    for c in &s.cap_add {
        push(&mut a, "--cap-add", c);
    }
    for o in &s.security_opt {
        push(&mut a, "--security-opt", o);
    }
    for (dst, opts) in &s.tmpfs {
        push(&mut a, "--tmpfs", &tmpfs_arg(dst, opts));
    }
    for m in &s.mounts {
        push(&mut a, "--mount", &mount_arg(m));
    }
    for p in &s.ports {
        push(&mut a, "--publish", &port_arg(p));
    }
    push(&mut a, "--memory", &s.memory);
    if let Some(c) = &s.cpus {
        push(&mut a, "--cpus", c);
    }
    if let Some(c) = s.cpu_shares {
        push(&mut a, "--cpu-shares", &c.to_string());
    }
    if let Some(c) = &s.cpuset_cpus {
        push(&mut a, "--cpuset-cpus", c);
    }
    push(&mut a, "--pids-limit", &s.pids_limit.to_string());
    push(&mut a, "--restart", RESTART);
    if let Some(m) = &s.network_mode {
        push(&mut a, "--network", m);
    } else if let Some(n) = s.networks.first() {
        push(&mut a, "--network", n);
    }
    if let Some(m) = &s.pid_mode {
        push(&mut a, "--pid", m);
    }
    if let Some(m) = &s.ipc_mode {
        push(&mut a, "--ipc", m);
    }
    for e in &s.env {
        match e {
            EnvSpec::Value(n, v) => push(&mut a, "--env", &format!("{n}={v}")),
            EnvSpec::Pass(n) => push(&mut a, "--env", n),
        }
    }
    for (k, v) in &s.labels {
        push(&mut a, "--label", &format!("{k}={v}"));
    }
    if let Some(w) = &s.workdir {
        push(&mut a, "--workdir", w);
    }
    for (f, v) in s.extras.flags() {
        if v.is_empty() {
            a.push(f);
        } else {
            push(&mut a, &f, &v);
        }
    }
    let mut cmd: Vec<String> = Vec::new();
    if let Some(ep) = &s.entrypoint {
        push(
            &mut a,
            "--entrypoint",
            ep.first().map(String::as_str).unwrap_or(""),
        );
        cmd.extend(ep.iter().skip(1).cloned());
    }
    let mut out = vec!["--detach".to_string(), "--read-only".to_string()];
    out.extend(a);
    out.push(s.image.clone());
    cmd.extend(s.cmd.iter().flatten().cloned());
    out.extend(cmd);
    out
}

fn tmpfs_arg(dst: &str, opts: &str) -> String {
    if opts.is_empty() {
        dst.to_string()
    } else {
        format!("{dst}:{opts}")
    }
}

/// `type=bind,src=/srv/data,dst=/data,readonly`; a field holding `,` or `"` is CSV-quoted, as `--mount`
/// reads it.
fn mount_arg(m: &MountSpec) -> String {
    let field = |k: &str, v: &str| {
        let f = format!("{k}={v}");
        if f.contains([',', '"']) {
            format!("\"{}\"", f.replace('"', "\"\""))
        } else {
            f
        }
    };
    let mut s = format!(
        "type={},{},{}",
        m.kind,
        field("src", &m.source),
        field("dst", &m.target)
    );
    if m.read_only {
        s.push_str(",readonly");
    }
    s
}

fn port_arg(p: &PortSpec) -> String {
    let ip = if p.host_ip.contains(':') && !p.host_ip.starts_with('[') {
        format!("[{}]", p.host_ip)
    } else {
        p.host_ip.clone()
    };
    format!("{ip}:{}:{}/{}", p.host_port, p.container_port, p.proto)
}

/// One word for a POSIX shell: as is when made only of safe characters, else single-quoted (`'` written
/// `'\''`).
pub fn shell_quote(w: &str) -> String {
    let safe = !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c));
    if safe {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// `docker run ARGS...` quoted for a POSIX shell.
pub fn shell_line(program: &str, sub: &str, args: &[String]) -> String {
    let mut line = format!("{program} {sub}");
    for a in args {
        line.push(' ');
        line.push_str(&shell_quote(a));
    }
    line
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn list(out: &mut String, key: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "    {key}:");
    for i in items {
        let _ = writeln!(out, "      - {}", q(i));
    }
}

/// The compose file: one service, plus the networks and volumes it names.
pub fn compose(s: &Spec) -> String {
    let mut o = String::from("services:\n");
    let svc = safe_name(&s.name);
    let _ = writeln!(o, "  {}:", q(&svc));
    let _ = writeln!(o, "    image: {}", q(&s.image));
    let _ = writeln!(o, "    container_name: {}", q(&s.name));
    let _ = writeln!(o, "    user: {}", q(&s.user));
    let _ = writeln!(o, "    read_only: true");
    list(&mut o, "cap_drop", &["ALL".to_string()]);
    list(&mut o, "cap_add", &s.cap_add);
    list(&mut o, "security_opt", &s.security_opt);
    let tmpfs: Vec<String> = s.tmpfs.iter().map(|(d, opts)| tmpfs_arg(d, opts)).collect();
    list(&mut o, "tmpfs", &tmpfs);
    if !s.mounts.is_empty() {
        o.push_str("    volumes:\n");
        for m in &s.mounts {
            let source = if m.kind == "volume" {
                volume_key(&m.source)
            } else {
                m.source.clone()
            };
            let _ = writeln!(o, "      - type: {}", q(&m.kind));
            let _ = writeln!(o, "        source: {}", q(&source));
            let _ = writeln!(o, "        target: {}", q(&m.target));
            if m.read_only {
                o.push_str("        read_only: true\n");
            }
        }
    }
    // Short syntax: docker-compose v1 does not know the long syntax's `host_ip`.
    let ports: Vec<String> = s.ports.iter().map(port_arg).collect();
    list(&mut o, "ports", &ports);
    let _ = writeln!(o, "    mem_limit: {}", q(&s.memory));
    if let Some(c) = &s.cpus {
        let _ = writeln!(o, "    cpus: {c}");
    }
    if let Some(c) = s.cpu_shares {
        let _ = writeln!(o, "    cpu_shares: {c}");
    }
    if let Some(c) = &s.cpuset_cpus {
        let _ = writeln!(o, "    cpuset: {}", q(c));
    }
    let _ = writeln!(o, "    pids_limit: {}", s.pids_limit);
    let _ = writeln!(o, "    restart: {}", q(RESTART));
    if let Some(m) = &s.network_mode {
        let _ = writeln!(o, "    network_mode: {}", q(m));
    } else if s.networks.is_empty() {
        o.push_str("    network_mode: \"bridge\"\n");
    } else {
        let keys: Vec<String> = s.networks.iter().map(|n| volume_key(n)).collect();
        list(&mut o, "networks", &keys);
    }
    if let Some(m) = &s.pid_mode {
        let _ = writeln!(o, "    pid: {}", q(m));
    }
    if let Some(m) = &s.ipc_mode {
        let _ = writeln!(o, "    ipc: {}", q(m));
    }
    let env: Vec<String> = s
        .env
        .iter()
        .map(|e| match e {
            EnvSpec::Value(n, v) => format!("{n}={v}"),
            EnvSpec::Pass(n) => n.clone(),
        })
        .collect();
    list(&mut o, "environment", &env);
    if !s.labels.is_empty() {
        o.push_str("    labels:\n");
        for (k, v) in &s.labels {
            let _ = writeln!(o, "      {}: {}", q(k), q(v));
        }
    }
    if let Some(w) = &s.workdir {
        let _ = writeln!(o, "    working_dir: {}", q(w));
    }
    s.extras.compose(&mut o, q);
    if let Some(ep) = &s.entrypoint {
        if ep.is_empty() {
            o.push_str("    entrypoint: [\"\"]\n");
        } else {
            list(&mut o, "entrypoint", ep);
        }
    }
    if let Some(c) = &s.cmd {
        if c.is_empty() && s.entrypoint.is_some() {
            o.push_str("    command: []\n");
        } else {
            list(&mut o, "command", c);
        }
    }
    if s.network_mode.is_none() && !s.networks.is_empty() {
        o.push_str("networks:\n");
        for n in &s.networks {
            let _ = writeln!(
                o,
                "  {}:\n    external: true\n    name: {}",
                q(&volume_key(n)),
                q(n)
            );
        }
    }
    let vols: Vec<&MountSpec> = s.mounts.iter().filter(|m| m.kind == "volume").collect();
    if !vols.is_empty() {
        o.push_str("volumes:\n");
        for m in vols {
            let key = volume_key(&m.source);
            if m.new_volume {
                let _ = writeln!(o, "  {}:\n    name: {}", q(&key), q(&m.source));
            } else {
                let _ = writeln!(
                    o,
                    "  {}:\n    external: true\n    name: {}",
                    q(&key),
                    q(&m.source)
                );
            }
        }
    }
    o
}

/// A top-level compose key for a network or volume name (`[a-zA-Z0-9._-]`).
fn volume_key(n: &str) -> String {
    safe_name(n)
}
