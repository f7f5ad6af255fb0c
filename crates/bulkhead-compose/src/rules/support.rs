//! What several compose rules share: the services with their keys, findings named after a service, and
//! readers for the short and long syntaxes of `cap_add`, `security_opt`, `volumes` and `ports`.

use super::ComposeCheckContext;
use crate::node::{Node, Pos, Value};
use bulkhead_core::{Finding, RuleMeta};

/// One service: its name, the node of its name (the key under `services`) and its definition.
pub struct Service<'a> {
    pub name: &'a str,
    /// The service's key, as a string node (where a finding about a missing setting points).
    pub key: Node,
    pub node: &'a Node,
}

impl Service<'_> {
    /// The value of a setting of the service.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.node.get(key)
    }
}

/// The project's services, in document order, with their key positions.
pub fn services<'a>(ctx: &ComposeCheckContext<'a>) -> Vec<Service<'a>> {
    let keys = ctx
        .project
        .model
        .as_ref()
        .and_then(|m| m.get("services"))
        .and_then(Node::as_map);
    ctx.project
        .services()
        .into_iter()
        .map(|(name, node)| {
            let pos = keys
                .and_then(|k| k.iter().find(|(k, _)| k.name == name))
                .map(|(k, _)| k.pos)
                .unwrap_or(node.pos);
            let end = (pos.line > 0).then(|| Pos {
                column: pos.column + name.chars().count(),
                offset: pos.offset + name.len(),
                ..pos
            });
            Service {
                name,
                key: Node {
                    value: Value::Str(name.to_string()),
                    pos,
                    end,
                },
                node,
            }
        })
        .collect()
}

/// A finding about service `svc` at `node`; the location's object is `services.<name>`.
pub fn finding(
    ctx: &ComposeCheckContext,
    meta: &RuleMeta,
    svc: &Service,
    node: &Node,
    message: impl Into<String>,
) -> Finding {
    let mut f = ctx.finding_at(meta, node, message);
    f.location.object = Some(format!("services.{}", svc.name));
    f
}

/// A setting given as a string or a sequence of strings: each entry with its node.
pub fn entries(node: &Node) -> Vec<(String, &Node)> {
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .filter_map(|n| n.scalar_text().map(|t| (t, n)))
            .collect(),
        _ => node
            .scalar_text()
            .map(|t| vec![(t, node)])
            .unwrap_or_default(),
    }
}

pub use bulkhead_core::hardening::capability_name as cap_name;

/// A `security_opt` entry split into its name and value: `no-new-privileges:true`,
/// `seccomp=unconfined`, `no-new-privileges` (value `None`). The name is lower case.
pub fn security_opt(entry: &str) -> (String, Option<String>) {
    let e = entry.trim();
    match e.find([':', '=']) {
        Some(i) => (
            e[..i].trim().to_ascii_lowercase(),
            Some(e[i + 1..].trim().to_string()),
        ),
        None => (e.to_ascii_lowercase(), None),
    }
}

/// Whether a value says the setting shares the host's namespace (`host`, any case).
pub fn is_host(node: &Node) -> bool {
    node.scalar_text()
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("host"))
}

/// Reports services whose `key` is `host` (`network_mode`, `pid`, `ipc`, `userns_mode`, `uts`).
pub fn host_namespace(
    ctx: &ComposeCheckContext,
    meta: &RuleMeta,
    key: &str,
    out: &mut Vec<Finding>,
) {
    for svc in services(ctx) {
        if let Some(v) = svc.get(key).filter(|v| is_host(v)) {
            let t = v.scalar_text().unwrap_or_default();
            out.push(
                finding(
                    ctx,
                    meta,
                    &svc,
                    v,
                    format!("service `{}` sets `{key}: {t}`", svc.name),
                )
                .with_evidence(bulkhead_core::Evidence::plain(format!("{key}: {t}"))),
            );
        }
    }
}

/// Whether a limit value sets a limit: not empty, not `0` / `-1` / `0m` / `0.0` (unlimited).
fn limits(v: &Node) -> bool {
    let Some(t) = v.scalar_text() else {
        return false;
    };
    let t = t.trim().to_ascii_lowercase();
    let digits = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    !(t.is_empty() || t.starts_with('-') || digits.parse::<f64>().is_ok_and(|n| n == 0.0))
}

/// Reports services that set none of `keys` (paths under the service) to a limit; `what` names the
/// resource in the message ("memory"). A key set to an unlimited value (`0`, `-1`) is reported there.
pub fn resource_limit(
    ctx: &ComposeCheckContext,
    meta: &RuleMeta,
    what: &str,
    keys: &[&[&str]],
    out: &mut Vec<Finding>,
) {
    let names: Vec<String> = keys.iter().map(|k| k.join(".")).collect();
    for svc in services(ctx) {
        let set: Vec<(String, &Node)> = keys
            .iter()
            .filter_map(|k| svc.node.at(k).map(|n| (k.join("."), n)))
            .filter(|(_, n)| !n.is_null())
            .collect();
        if set.iter().any(|(_, n)| limits(n)) {
            continue;
        }
        let (node, msg, ev) = match set.first() {
            Some((k, n)) => {
                let t = n.scalar_text().unwrap_or_default();
                (
                    *n,
                    format!("service `{}` sets `{k}: {t}`: no {what} limit", svc.name),
                    format!("{k}: {t}"),
                )
            }
            None => (
                &svc.key,
                format!(
                    "service `{}` has no {what} limit (`{}`)",
                    svc.name,
                    names.join("` or `")
                ),
                format!("{}: (unset)", names.join(", ")),
            ),
        };
        out.push(
            finding(ctx, meta, &svc, node, msg).with_evidence(bulkhead_core::Evidence::plain(ev)),
        );
    }
}

/// A bind mount of a service: the host path, the path in the container and whether it is read-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindMount {
    pub source: String,
    pub target: String,
    pub read_only: bool,
}

/// Whether a short-syntax volume source is a host path rather than a named volume.
fn is_host_path(s: &str) -> bool {
    s.starts_with('/') || s.starts_with('.') || s.starts_with('~') || s.starts_with('$')
}

/// The bind mount a `volumes` entry makes, if it is one: the short syntax `SRC:DST[:OPTS]` with a path
/// source, or the long syntax with `type: bind`.
pub fn bind_mount(entry: &Node) -> Option<BindMount> {
    if entry.as_map().is_some() {
        let kind = entry.get("type").and_then(Node::scalar_text)?;
        if !kind.eq_ignore_ascii_case("bind") {
            return None;
        }
        return Some(BindMount {
            source: entry.get("source").and_then(Node::scalar_text)?,
            target: entry
                .get("target")
                .and_then(Node::scalar_text)
                .unwrap_or_default(),
            read_only: entry
                .get("read_only")
                .and_then(Node::as_bool)
                .unwrap_or(false),
        });
    }
    let text = entry.scalar_text()?;
    let mut parts = text.splitn(3, ':');
    let source = parts.next()?.trim().to_string();
    let target = parts.next()?.trim().to_string();
    if !is_host_path(&source) {
        return None;
    }
    let read_only = parts
        .next()
        .is_some_and(|o| o.split(',').any(|x| x.trim() == "ro"));
    Some(BindMount {
        source,
        target,
        read_only,
    })
}

pub use bulkhead_core::hardening::clean_host_path as clean_path;

/// A published port: the host address (empty when none is given), the host port (empty: a random one)
/// and the container port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    pub host_ip: String,
    pub published: String,
    pub target: String,
}

impl PortSpec {
    /// Whether the port listens on every host interface: no address, `0.0.0.0` or `::`.
    pub fn all_interfaces(&self) -> bool {
        let ip = self
            .host_ip
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']');
        ip.is_empty() || ip == "0.0.0.0" || ip == "::"
    }
}

/// Reads a `ports` entry: short syntax (`80`, `"8080:80"`, `"127.0.0.1:8080:80/tcp"`,
/// `"[::1]:8080:80"`) or long syntax (`target`, `published`, `host_ip`).
pub fn port_spec(entry: &Node) -> Option<PortSpec> {
    if entry.as_map().is_some() {
        let text = |k: &str| entry.get(k).and_then(Node::scalar_text).unwrap_or_default();
        return Some(PortSpec {
            host_ip: text("host_ip"),
            published: text("published"),
            target: text("target"),
        });
    }
    let text = entry.scalar_text()?;
    let body = text.split('/').next().unwrap_or("").trim();
    if body.is_empty() {
        return None;
    }
    if let Some(rest) = body.strip_prefix('[') {
        let (ip, after) = rest.split_once(']')?;
        let after = after.strip_prefix(':')?;
        let (published, target) = after.split_once(':').unwrap_or(("", after));
        return Some(PortSpec {
            host_ip: ip.to_string(),
            published: published.to_string(),
            target: target.to_string(),
        });
    }
    let parts: Vec<&str> = body.rsplitn(3, ':').collect();
    let get = |i: usize| parts.get(i).map(|s| s.to_string()).unwrap_or_default();
    Some(PortSpec {
        target: get(0),
        published: get(1),
        host_ip: get(2),
    })
}

/// Whether a compose value is (or contains) an interpolation reference not yet resolved (`${VAR}`,
/// `$VAR`).
pub fn is_reference(v: &str) -> bool {
    let v = v.trim();
    v.contains("${") || (v.starts_with('$') && !v.starts_with("$$"))
}

/// A service's `env_file` entries (a string, a list of strings, or a list of `{path, required}`), as
/// written, with their nodes.
pub fn env_files(node: &Node) -> Vec<(String, &Node)> {
    let one = |n: &Node| -> Option<String> {
        n.scalar_text()
            .or_else(|| n.get("path").and_then(Node::scalar_text))
    };
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .filter_map(|n| one(n).map(|p| (p, n)))
            .collect(),
        _ => one(node).map(|p| vec![(p, node)]).unwrap_or_default(),
    }
}

/// Where a service's `build` takes its Dockerfile from.
pub enum BuildDockerfile {
    /// `dockerfile_inline`: the text.
    Inline(String),
    /// A remote context (`https://…`, `git@…`): nothing to read.
    Remote(String),
    /// A file, relative to the project directory as written (`context/Dockerfile`), or absolute.
    File(std::path::PathBuf),
}

/// The Dockerfile of a `build:` (a context string or a map with `context`, `dockerfile`,
/// `dockerfile_inline`).
pub fn build_dockerfile(build: &Node) -> BuildDockerfile {
    let text_of = |k: &str| build.get(k).and_then(Node::scalar_text);
    if let Some(inline) = text_of("dockerfile_inline") {
        return BuildDockerfile::Inline(inline);
    }
    let context = build
        .scalar_text()
        .or_else(|| text_of("context"))
        .unwrap_or_else(|| ".".to_string());
    if context.contains("://") || context.starts_with("git@") {
        return BuildDockerfile::Remote(context);
    }
    let file = text_of("dockerfile").unwrap_or_else(|| "Dockerfile".to_string());
    let path = std::path::Path::new(&file);
    BuildDockerfile::File(if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::path::Path::new(&context).join(path)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> Node {
        Node::synthetic(Value::Str(t.to_string()))
    }

    #[test]
    fn ports() {
        let p = |t: &str| port_spec(&s(t));
        let all = |t: &str| p(t).is_some_and(|x| x.all_interfaces());
        assert!(all("80") && all("8080:80") && all("0.0.0.0:8080:80") && all("[::]:80:80"));
        assert!(!all("127.0.0.1:8080:80/tcp") && !all("[::1]:8080:80") && !all("10.0.0.2::80"));
        assert_eq!(
            p("127.0.0.1:3000:3000"),
            Some(PortSpec {
                host_ip: "127.0.0.1".into(),
                published: "3000".into(),
                target: "3000".into()
            })
        );
        assert!(port_spec(&Node::synthetic(Value::Int(80))).is_some_and(|x| x.all_interfaces()));
    }

    #[test]
    fn volumes_and_options() {
        let b = bind_mount(&s("/etc/ssl/certs:/etc/ssl/certs:ro"));
        assert_eq!(
            b.map(|b| (clean_path(&b.source), b.read_only)),
            Some(("/etc/ssl/certs".into(), true))
        );
        assert!(bind_mount(&s("data:/var/lib/data")).is_none());
        assert!(bind_mount(&s("/tmp")).is_none());
        assert_eq!(clean_path("/etc/"), "/etc");
        assert_eq!(clean_path("~/.ssh/"), "~/.ssh");
        assert_eq!(clean_path("./etc"), "etc");
        assert_eq!(
            security_opt("no-new-privileges=true"),
            ("no-new-privileges".into(), Some("true".into()))
        );
        assert_eq!(
            security_opt("seccomp:unconfined").1.as_deref(),
            Some("unconfined")
        );
        assert_eq!(
            security_opt("no-new-privileges"),
            ("no-new-privileges".into(), None)
        );
        assert_eq!(cap_name("cap_sys_admin"), "SYS_ADMIN");
        for (v, set) in [
            ("256m", true),
            ("0.5", true),
            ("100", true),
            ("0", false),
            ("-1", false),
            ("0m", false),
            ("", false),
        ] {
            assert_eq!(limits(&s(v)), set, "{v}");
        }
        assert!(is_reference("${DB_PASSWORD}") && is_reference("$PW") && !is_reference("$$x"));
    }
}
