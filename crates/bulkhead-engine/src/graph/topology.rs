//! The topology model: containers, networks, published ports, data-tier recognition.

use crate::snapshot::{Container, Snapshot};
use bollard::models::{NetworkInspect, PortMap};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub use bulkhead_core::tiers::{
    DATA_TIER_IMAGES, DATA_TIER_PORTS, TIER_LABEL, data_tier_image, image_base_name,
};

/// Server programs (the first word of a process's command line, without its directory) that mark a
/// data-tier service in `docker top`.
pub const DATA_TIER_PROCESSES: &[&str] = &[
    "postgres",
    "postmaster",
    "mysqld",
    "mariadbd",
    "redis-server",
    "valkey-server",
    "mongod",
    "memcached",
    "etcd",
    "influxd",
    "clickhouse-server",
    "couchdb",
    "minio",
];

/// The data-tier server among a container's processes (`docker top`), if any.
pub fn data_tier_process(c: &Container) -> Option<&'static str> {
    let top = c.top.as_ref()?;
    let titles = top.titles.as_ref()?;
    let col = titles.iter().position(|t| t == "CMD" || t == "COMMAND")?;
    for row in top.processes.iter().flatten() {
        let Some(cmd) = row.get(col) else { continue };
        let first = cmd.split_whitespace().next().unwrap_or("");
        let prog = first
            .rsplit('/')
            .next()
            .unwrap_or(first)
            .trim_end_matches(':');
        if let Some(k) = DATA_TIER_PROCESSES.iter().find(|k| **k == prog) {
            return Some(k);
        }
    }
    None
}

/// The whole topology of one engine, names sorted.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Topology {
    /// The drawing's title (`bulkhead: engine topology`, `bulkhead: compose project shop`).
    #[serde(skip)]
    pub title: String,
    pub containers: Vec<NodeInfo>,
    pub networks: Vec<NetInfo>,
}

/// The title of an engine's drawing.
pub const ENGINE_TITLE: &str = "bulkhead: engine topology";

/// How a container is attached to the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "target", rename_all = "snake_case")]
pub enum NetMode {
    /// Attached to networks (the default bridge or user-defined ones).
    Networks,
    /// `--network host`: the host's network namespace, every port it listens on is on the host.
    Host,
    /// `--network none`.
    None,
    /// `--network container:<name>`: another container's namespace (its name when it resolves).
    Container(String),
}

/// Which interface a published port is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exposure {
    /// Every interface (`HostIp` empty, `0.0.0.0`, `::`).
    AllInterfaces,
    /// One specific, publicly routable address.
    PublicAddress,
    /// One private address (RFC 1918, IPv6 unique-local or link-local).
    Private,
    /// Loopback (`127.0.0.1`, `::1`): reachable from the host only.
    Loopback,
}

impl Exposure {
    /// Whether the port is reachable from outside the host (all interfaces or a public address).
    pub fn is_public(self) -> bool {
        matches!(self, Exposure::AllInterfaces | Exposure::PublicAddress)
    }
    /// Classify a `HostIp`.
    pub fn of(host_ip: &str) -> Exposure {
        let ip = host_ip.trim().trim_start_matches('[').trim_end_matches(']');
        if ip.is_empty() || ip == "0.0.0.0" || ip == "::" {
            return Exposure::AllInterfaces;
        }
        match ip.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(v4)) => {
                if v4.is_loopback() {
                    Exposure::Loopback
                } else if v4.is_private() || v4.is_link_local() {
                    Exposure::Private
                } else if v4.is_unspecified() {
                    Exposure::AllInterfaces
                } else {
                    Exposure::PublicAddress
                }
            }
            Ok(std::net::IpAddr::V6(v6)) => {
                let first = v6.segments().first().copied().unwrap_or(0);
                if v6.is_loopback() {
                    Exposure::Loopback
                } else if v6.is_unspecified() {
                    Exposure::AllInterfaces
                } else if (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80 {
                    Exposure::Private
                } else {
                    Exposure::PublicAddress
                }
            }
            // A host name or garbage: the engine would refuse it; count it as public to be safe.
            Err(_) => Exposure::PublicAddress,
        }
    }
}

/// One published port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Published {
    /// Container side (`80/tcp`).
    pub container_port: String,
    /// Host address as bound (`0.0.0.0`, `127.0.0.1`; empty means every interface).
    pub host_ip: String,
    /// Host port (`8080`; empty when chosen by the engine at start).
    pub host_port: String,
    pub exposure: Exposure,
}

impl Published {
    /// `0.0.0.0:8080->80/tcp`.
    pub fn display(&self) -> String {
        let ip = if self.host_ip.is_empty() {
            "0.0.0.0"
        } else {
            &self.host_ip
        };
        let ip = if ip.contains(':') && !ip.starts_with('[') {
            format!("[{ip}]")
        } else {
            ip.to_string()
        };
        let port = if self.host_port.is_empty() {
            "?"
        } else {
            &self.host_port
        };
        format!("{ip}:{port}->{}", self.container_port)
    }
}

/// One container in the topology.
#[derive(Debug, Clone, Serialize)]
pub struct NodeInfo {
    pub name: String,
    pub id: String,
    /// `Config.Image` as the container was created (`postgres:16`).
    pub image: String,
    pub running: bool,
    pub mode: NetMode,
    /// Networks it is attached to (for `container:` mode, those of the container it joins), sorted.
    pub networks: Vec<String>,
    /// Published ports, sorted, duplicates removed.
    pub published: Vec<Published>,
    /// Container ports it exposes or publishes (`5432/tcp`), sorted.
    pub ports: Vec<String>,
    /// Why it counts as a data-tier service (`image postgres`, `port 5432/tcp`, `label bulkhead.tier=data`).
    pub data_tier: Option<String>,
}

impl NodeInfo {
    /// Its publicly reachable published ports.
    pub fn public_ports(&self) -> Vec<&Published> {
        self.published
            .iter()
            .filter(|p| p.exposure.is_public())
            .collect()
    }
    /// Whether any port is published on a public interface.
    pub fn is_public(&self) -> bool {
        self.published.iter().any(|p| p.exposure.is_public())
    }
    /// `0.0.0.0:8080->80/tcp, [::]:8080->80/tcp`.
    pub fn public_display(&self) -> String {
        self.public_ports()
            .iter()
            .map(|p| p.display())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What kind of network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NetKind {
    /// The default `bridge` network (`docker0`).
    DefaultBridge,
    /// `host`.
    Host,
    /// `none` (driver `null`).
    None,
    /// Swarm's `ingress` routing mesh or `docker_gwbridge`.
    SwarmSystem,
    /// A network someone created.
    UserDefined,
}

/// One network in the topology.
#[derive(Debug, Clone, Serialize)]
pub struct NetInfo {
    pub name: String,
    pub id: String,
    pub driver: String,
    pub kind: NetKind,
    pub internal: bool,
    /// `com.docker.network.bridge.enable_icc` is `false`: containers on it cannot talk to each other.
    pub icc_disabled: bool,
    /// Names of its containers, sorted.
    pub containers: Vec<String>,
}

impl NetInfo {
    /// A user-defined network.
    pub fn user_defined(&self) -> bool {
        self.kind == NetKind::UserDefined
    }
}

impl Topology {
    /// Build the topology of a snapshot.
    pub fn build(snap: &Snapshot) -> Topology {
        build(snap)
    }
    /// A container by name.
    pub fn container(&self, name: &str) -> Option<&NodeInfo> {
        self.containers.iter().find(|c| c.name == name)
    }
    /// A network by name.
    pub fn network(&self, name: &str) -> Option<&NetInfo> {
        self.networks.iter().find(|n| n.name == name)
    }
    /// The containers of a network.
    pub fn members<'a>(&'a self, net: &'a NetInfo) -> impl Iterator<Item = &'a NodeInfo> + 'a {
        net.containers.iter().filter_map(|n| self.container(n))
    }
}

fn net_kind(n: &NetworkInspect) -> NetKind {
    let name = n.name.as_deref().unwrap_or("");
    let driver = n.driver.as_deref().unwrap_or("");
    let opts = n.options.as_ref();
    let default_bridge = opts
        .and_then(|o| o.get("com.docker.network.bridge.default_bridge"))
        .is_some_and(|v| v == "true");
    if default_bridge || (name == "bridge" && driver == "bridge") {
        NetKind::DefaultBridge
    } else if driver == "host" || (name == "host" && driver.is_empty()) {
        NetKind::Host
    } else if driver == "null" || (name == "none" && driver.is_empty()) {
        NetKind::None
    } else if n.ingress.unwrap_or(false) || name == "docker_gwbridge" {
        NetKind::SwarmSystem
    } else {
        NetKind::UserDefined
    }
}

/// The data-tier port among `ports` (`5432/tcp`), if any.
pub fn data_tier_port(ports: &[String]) -> Option<String> {
    let tcp: Vec<u16> = ports
        .iter()
        .filter_map(|p| {
            let (num, proto) = p.split_once('/').unwrap_or((p.as_str(), "tcp"));
            if proto.eq_ignore_ascii_case("tcp") {
                num.parse().ok()
            } else {
                None
            }
        })
        .collect();
    if let Some(p) = tcp
        .iter()
        .find(|p| bulkhead_core::tiers::data_tier_port(**p).is_some())
    {
        return Some(format!("{p}/tcp"));
    }
    None
}

fn classify(c: &Container, image: &str, ports: &[String]) -> Option<String> {
    if let Some(v) = c.labels().get(TIER_LABEL) {
        return v
            .trim()
            .eq_ignore_ascii_case("data")
            .then(|| format!("label {TIER_LABEL}=data"));
    }
    if let Some(k) = data_tier_image(image) {
        return Some(format!("image {k}"));
    }
    if let Some(k) = data_tier_process(c) {
        return Some(format!("process {k}"));
    }
    data_tier_port(ports).map(|p| format!("port {p}"))
}

fn collect_published(
    map: Option<&PortMap>,
    default_ip: &str,
    out: &mut BTreeSet<Published>,
    ports: &mut BTreeSet<String>,
) {
    let Some(map) = map else { return };
    for (port, bindings) in map {
        ports.insert(port.clone());
        for b in bindings.iter().flatten() {
            let ip = b.host_ip.clone().unwrap_or_default();
            let ip = if ip.is_empty() {
                default_ip.to_string()
            } else {
                ip
            };
            out.insert(Published {
                container_port: port.clone(),
                exposure: Exposure::of(&ip),
                host_ip: ip,
                host_port: b.host_port.clone().unwrap_or_default(),
            });
        }
    }
}

fn mode_of(c: &Container) -> NetMode {
    let mode = c
        .inspect
        .host_config
        .as_ref()
        .and_then(|h| h.network_mode.as_deref())
        .unwrap_or("");
    if mode == "host" {
        NetMode::Host
    } else if mode == "none" {
        NetMode::None
    } else if let Some(t) = mode.strip_prefix("container:") {
        NetMode::Container(t.to_string())
    } else {
        NetMode::Networks
    }
}

fn build(snap: &Snapshot) -> Topology {
    // Networks by name, and by id for the endpoints' lookups.
    let mut nets: BTreeMap<String, NetInfo> = BTreeMap::new();
    let mut name_of_id: BTreeMap<String, String> = BTreeMap::new();
    let mut binding_ip: BTreeMap<String, String> = BTreeMap::new();
    for n in &snap.networks {
        let name = n.name.clone().or_else(|| n.id.clone()).unwrap_or_default();
        let id = n.id.clone().unwrap_or_default();
        if !id.is_empty() {
            name_of_id.insert(id.clone(), name.clone());
        }
        let opts = n.options.clone().unwrap_or_default();
        if let Some(ip) = opts.get("com.docker.network.bridge.host_binding_ipv4") {
            binding_ip.insert(name.clone(), ip.clone());
        }
        nets.insert(
            name.clone(),
            NetInfo {
                name,
                id,
                driver: n.driver.clone().unwrap_or_default(),
                kind: net_kind(n),
                internal: n.internal.unwrap_or(false),
                icc_disabled: opts
                    .get("com.docker.network.bridge.enable_icc")
                    .is_some_and(|v| v == "false"),
                containers: Vec::new(),
            },
        );
    }
    // Containers attached to each network per the network's own endpoints (running containers).
    let mut endpoint_nets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for n in &snap.networks {
        let name = n.name.clone().or_else(|| n.id.clone()).unwrap_or_default();
        for cid in n.containers.iter().flat_map(|m| m.keys()) {
            endpoint_nets
                .entry(cid.clone())
                .or_default()
                .insert(name.clone());
        }
    }
    let mut nodes: Vec<NodeInfo> = Vec::new();
    for c in &snap.containers {
        let id = c.inspect.id.clone().unwrap_or_default();
        let mode = mode_of(c);
        let mut networks: BTreeSet<String> = BTreeSet::new();
        if let Some(m) = c
            .inspect
            .network_settings
            .as_ref()
            .and_then(|s| s.networks.as_ref())
        {
            networks.extend(m.keys().cloned());
        }
        if let Some(s) = endpoint_nets.get(&id) {
            networks.extend(s.iter().cloned());
        }
        let mode_name = c
            .inspect
            .host_config
            .as_ref()
            .and_then(|h| h.network_mode.clone())
            .unwrap_or_default();
        if networks.is_empty() && mode == NetMode::Networks {
            // A stopped container created on a network that the inspect data did not list.
            let m = if mode_name == "default" || mode_name.is_empty() {
                "bridge".to_string()
            } else {
                mode_name.clone()
            };
            networks.insert(name_of_id.get(&m).cloned().unwrap_or(m));
        }
        if mode != NetMode::Networks {
            networks.clear();
        }
        // Published ports: the live bindings of a running container, else the configured ones.
        let default_ip = networks
            .iter()
            .find_map(|n| binding_ip.get(n).cloned())
            .unwrap_or_default();
        let mut published = BTreeSet::new();
        let mut ports: BTreeSet<String> = BTreeSet::new();
        let live = c
            .inspect
            .network_settings
            .as_ref()
            .and_then(|s| s.ports.as_ref());
        let configured = c
            .inspect
            .host_config
            .as_ref()
            .and_then(|h| h.port_bindings.as_ref());
        if c.running() && live.is_some() {
            collect_published(live, &default_ip, &mut published, &mut ports);
        } else {
            collect_published(configured, &default_ip, &mut published, &mut ports);
            let publish_all = c
                .inspect
                .host_config
                .as_ref()
                .and_then(|h| h.publish_all_ports)
                .unwrap_or(false);
            if publish_all {
                for p in c
                    .inspect
                    .config
                    .as_ref()
                    .and_then(|cf| cf.exposed_ports.as_ref())
                    .into_iter()
                    .flatten()
                {
                    published.insert(Published {
                        container_port: p.clone(),
                        host_ip: default_ip.clone(),
                        host_port: String::new(),
                        exposure: Exposure::of(&default_ip),
                    });
                }
            }
        }
        if let Some(e) = c
            .inspect
            .config
            .as_ref()
            .and_then(|cf| cf.exposed_ports.as_ref())
        {
            ports.extend(e.iter().cloned());
        }
        let image = c
            .inspect
            .config
            .as_ref()
            .and_then(|cf| cf.image.clone())
            .or_else(|| c.inspect.image.clone())
            .unwrap_or_default();
        let ports: Vec<String> = ports.into_iter().collect();
        let data_tier = classify(c, &image, &ports);
        nodes.push(NodeInfo {
            name: c.name(),
            id,
            image,
            running: c.running(),
            mode,
            networks: networks.into_iter().collect(),
            published: published.into_iter().collect(),
            ports,
            data_tier,
        });
    }
    // `container:<id>` joins another container's namespace: its networks and published ports.
    let snapshot_nodes = nodes.clone();
    for n in &mut nodes {
        if let NetMode::Container(target) = &n.mode {
            let found = snapshot_nodes.iter().find(|o| {
                o.name == target.trim_start_matches('/')
                    || (!target.is_empty() && o.id.starts_with(target.as_str()))
            });
            if let Some(t) = found {
                n.mode = NetMode::Container(t.name.clone());
                n.networks = t.networks.clone();
            }
        }
    }
    for n in &nodes {
        for net in &n.networks {
            let entry = nets.entry(net.clone()).or_insert_with(|| NetInfo {
                name: net.clone(),
                id: String::new(),
                driver: String::new(),
                kind: if net == "bridge" {
                    NetKind::DefaultBridge
                } else {
                    NetKind::UserDefined
                },
                internal: false,
                icc_disabled: false,
                containers: Vec::new(),
            });
            entry.containers.push(n.name.clone());
        }
    }
    for net in nets.values_mut() {
        net.containers.sort();
        net.containers.dedup();
    }
    nodes.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Topology {
        title: ENGINE_TITLE.to_string(),
        containers: nodes,
        networks: nets.into_values().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names() {
        for (img, want) in [
            ("postgres:16", Some("postgres")),
            (
                "docker.io/bitnami/postgresql:16@sha256:abcd",
                Some("postgresql"),
            ),
            ("bulkhead-test/postgres:15", Some("postgres")),
            ("confluentinc/cp-kafka:7.5", Some("kafka")),
            ("redis", Some("redis")),
            ("mongo:7", Some("mongo")),
            ("mysql8", Some("mysql")),
            ("registry:5000/team/etcd:v3", Some("etcd")),
            ("mongo-express", None),
            ("prometheuscommunity/postgres-exporter", None),
            ("provectuslabs/kafka-ui", None),
            ("nginx:1.25", None),
            ("postgrest/postgrest", None),
            ("", None),
        ] {
            assert_eq!(data_tier_image(img), want, "{img}");
        }
    }

    #[test]
    fn ports_and_exposure() {
        assert_eq!(
            data_tier_port(&["80/tcp".into(), "5432/tcp".into()]),
            Some("5432/tcp".into())
        );
        assert_eq!(
            data_tier_port(&["5432/udp".into(), "9000/tcp".into()]),
            None
        );
        assert_eq!(Exposure::of(""), Exposure::AllInterfaces);
        assert_eq!(Exposure::of("::"), Exposure::AllInterfaces);
        assert_eq!(Exposure::of("[::]"), Exposure::AllInterfaces);
        assert_eq!(Exposure::of("127.0.0.1"), Exposure::Loopback);
        assert_eq!(Exposure::of("::1"), Exposure::Loopback);
        assert_eq!(Exposure::of("10.1.2.3"), Exposure::Private);
        assert_eq!(Exposure::of("fd00::1"), Exposure::Private);
        assert_eq!(Exposure::of("203.0.113.9"), Exposure::PublicAddress);
        assert!(!Exposure::Private.is_public());
    }

    fn fixture(name: &str) -> Snapshot {
        let path = format!(
            "{}/tests/fixtures/network/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn fixture_topologies() {
        let t = Topology::build(&fixture("segmented.json"));
        let api = t.container("nw-seg-api").expect("api");
        assert_eq!(api.networks, vec!["nw-seg-back", "nw-seg-front"]);
        assert_eq!(api.data_tier, None);
        let db = t.container("nw-seg-db").expect("db");
        assert_eq!(db.data_tier.as_deref(), Some("image postgres"));
        let web = t.container("nw-seg-web").expect("web");
        assert_eq!(web.published.len(), 1);
        assert_eq!(web.published[0].exposure, Exposure::Loopback);
        let back = t.network("nw-seg-back").expect("back");
        assert!(back.internal && back.user_defined());
        assert_eq!(back.containers, vec!["nw-seg-api", "nw-seg-db"]);
        let m = Topology::build(&fixture("misc.json"));
        assert_eq!(
            m.container("nw-misc-hostnet").map(|c| &c.mode),
            Some(&NetMode::Host)
        );
        assert!(
            m.container("nw-misc-hostnet")
                .is_some_and(|c| c.networks.is_empty())
        );
        assert_eq!(
            m.network("bridge").map(|n| n.kind),
            Some(NetKind::DefaultBridge)
        );
        assert_eq!(m.network("host").map(|n| n.containers.len()), Some(0));
    }

    #[test]
    fn stopped_container_uses_configured_bindings_and_network_default_ip() {
        let mut snap = fixture("misc.json");
        for c in &mut snap.containers {
            if c.name() == "nw-misc-pubdb" {
                if let Some(st) = c.inspect.state.as_mut() {
                    st.running = Some(false);
                }
                if let Some(h) = c.inspect.host_config.as_mut() {
                    for b in h
                        .port_bindings
                        .iter_mut()
                        .flat_map(|m| m.values_mut())
                        .flatten()
                        .flatten()
                    {
                        b.host_ip = Some(String::new());
                    }
                }
            }
        }
        let t = Topology::build(&snap);
        let db = t.container("nw-misc-pubdb").expect("db");
        assert_eq!(db.published.len(), 1);
        assert_eq!(db.published[0].exposure, Exposure::AllInterfaces);
        // The daemon's default binding address (`--ip 127.0.0.1`) shows on the bridge network's options.
        for n in &mut snap.networks {
            if n.name.as_deref() == Some("bridge") {
                n.options.get_or_insert_with(Default::default).insert(
                    "com.docker.network.bridge.host_binding_ipv4".into(),
                    "127.0.0.1".into(),
                );
            }
        }
        let t = Topology::build(&snap);
        let db = t.container("nw-misc-pubdb").expect("db");
        assert_eq!(db.published[0].exposure, Exposure::Loopback);
        assert_eq!(db.published[0].host_ip, "127.0.0.1");
    }

    #[test]
    fn container_mode_joins_the_target_networks() {
        let mut snap = fixture("flat.json");
        let Some(mut side) = snap
            .containers
            .iter()
            .find(|c| c.name() == "nw-flat-api")
            .cloned()
        else {
            panic!("no api");
        };
        side.inspect.name = Some("/sidecar".into());
        side.inspect.id = Some("f".repeat(64));
        if let Some(h) = side.inspect.host_config.as_mut() {
            h.network_mode = Some("container:nw-flat-web".into());
        }
        if let Some(ns) = side.inspect.network_settings.as_mut() {
            ns.networks = None;
        }
        snap.containers.push(side);
        let t = Topology::build(&snap);
        let s = t.container("sidecar").expect("sidecar");
        assert_eq!(s.mode, NetMode::Container("nw-flat-web".into()));
        assert_eq!(s.networks, vec!["nw-flat-net"]);
    }

    #[test]
    fn data_tier_by_process() {
        use bollard::models::ContainerTopResponse;
        let top = |cmd: &str| ContainerTopResponse {
            titles: Some(vec!["UID".into(), "PID".into(), "CMD".into()]),
            processes: Some(vec![
                vec!["root".into(), "1".into(), "/sbin/tini --".into()],
                vec!["999".into(), "7".into(), cmd.into()],
            ]),
        };
        let mut c = Container::default();
        for (cmd, want) in [
            ("/usr/local/bin/redis-server *:6379", Some("redis-server")),
            ("postgres: checkpointer", Some("postgres")),
            ("/usr/sbin/mysqld --user=mysql", Some("mysqld")),
            ("nginx: master process", None),
            ("python redis-server.py", None),
        ] {
            c.top = Some(top(cmd));
            assert_eq!(data_tier_process(&c), want, "{cmd}");
        }
        // Short rows and missing titles are no data tier, not a panic.
        c.top = Some(ContainerTopResponse {
            titles: Some(vec!["UID".into(), "PID".into(), "CMD".into()]),
            processes: Some(vec![vec!["root".into()]]),
        });
        assert_eq!(data_tier_process(&c), None);
        c.top = Some(ContainerTopResponse::default());
        assert_eq!(data_tier_process(&c), None);
    }
}
