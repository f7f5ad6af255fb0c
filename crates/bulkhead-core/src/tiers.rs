//! Data-tier recognition facts shared by the engine and compose analyzers: which images and which
//! TCP ports mark a data store (database, cache, queue, object store).

/// Label that overrides the data-tier heuristic: `data` marks a data-tier service, any other value
/// (`app`, `web`, ...) marks one that is not.
pub const TIER_LABEL: &str = "bulkhead.tier";

/// Image names (the last path component, split on `-`, `_`, `.`) that mark a data-tier service.
pub const DATA_TIER_IMAGES: &[&str] = &[
    "postgres",
    "postgresql",
    "postgis",
    "timescaledb",
    "mysql",
    "mariadb",
    "redis",
    "valkey",
    "mongo",
    "mongodb",
    "elasticsearch",
    "opensearch",
    "memcached",
    "cassandra",
    "couchdb",
    "rabbitmq",
    "kafka",
    "zookeeper",
    "etcd",
    "influxdb",
    "neo4j",
    "clickhouse",
    "minio",
];

/// Image name parts that mark a tool built around a data store rather than the store itself
/// (`mongo-express`, `postgres-exporter`, `kafka-ui`).
pub const NOT_DATA_TIER_PARTS: &[&str] = &[
    "exporter",
    "ui",
    "express",
    "commander",
    "insight",
    "admin",
    "adminer",
    "web",
    "proxy",
    "dashboard",
    "console",
    "operator",
    "backup",
    "client",
    "cli",
];

/// TCP ports whose exposure marks a data-tier service, with the store they belong to (PostgreSQL,
/// MySQL, Redis, MongoDB, Elasticsearch, Memcached, Cassandra, CouchDB, RabbitMQ, Kafka, ZooKeeper,
/// etcd, InfluxDB, Neo4j, ClickHouse HTTP). ClickHouse's native port 9000 is too common (php-fpm,
/// MinIO, Portainer) to count on its own.
pub const DATA_TIER_PORT_KINDS: &[(u16, &str)] = &[
    (5432, "postgres"),
    (3306, "mysql"),
    (6379, "redis"),
    (27017, "mongo"),
    (9200, "elasticsearch"),
    (9300, "elasticsearch"),
    (11211, "memcached"),
    (9042, "cassandra"),
    (5984, "couchdb"),
    (5672, "rabbitmq"),
    (9092, "kafka"),
    (2181, "zookeeper"),
    (2379, "etcd"),
    (8086, "influxdb"),
    (7687, "neo4j"),
    (8123, "clickhouse"),
];

/// The TCP port numbers of [`DATA_TIER_PORT_KINDS`], in the same order.
pub const DATA_TIER_PORTS: &[u16] = &[
    5432, 3306, 6379, 27017, 9200, 9300, 11211, 9042, 5984, 5672, 9092, 2181, 2379, 8086, 7687,
    8123,
];

/// The last path component of an image reference, without tag or digest, lower-cased.
pub fn image_base_name(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last).to_ascii_lowercase()
}

/// The data-store kind an image reference points at (`postgres` for `postgres:16`, `postgresql` for
/// `docker.io/bitnami/postgresql:16`), or `None` for other images and for tools around a store
/// (`mongo-express`, `postgres-exporter`).
pub fn data_tier_image(image: &str) -> Option<&'static str> {
    let base = image_base_name(image);
    let parts: Vec<&str> = base
        .split(['-', '_', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.iter().any(|p| NOT_DATA_TIER_PARTS.contains(p)) {
        return None;
    }
    for p in &parts {
        let stem = p.trim_end_matches(|c: char| c.is_ascii_digit());
        if let Some(k) = DATA_TIER_IMAGES.iter().find(|k| **k == stem) {
            return Some(k);
        }
    }
    None
}

/// The data-store kind a TCP port belongs to (`postgres` for 5432), if it is a data-tier port.
pub fn data_tier_port(port: u16) -> Option<&'static str> {
    DATA_TIER_PORT_KINDS
        .iter()
        .find(|(p, _)| *p == port)
        .map(|(_, k)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images() {
        for (img, want) in [
            ("postgres:16", Some("postgres")),
            (
                "docker.io/bitnami/postgresql:16@sha256:ab",
                Some("postgresql"),
            ),
            ("confluentinc/cp-kafka:7.5", Some("kafka")),
            ("mysql8", Some("mysql")),
            ("mongo-express", None),
            ("prometheuscommunity/postgres-exporter", None),
            ("postgrest/postgrest", None),
            ("nginx:1.25", None),
            ("", None),
        ] {
            assert_eq!(data_tier_image(img), want, "{img}");
        }
    }

    #[test]
    fn ports() {
        assert_eq!(data_tier_port(5432), Some("postgres"));
        assert_eq!(data_tier_port(6379), Some("redis"));
        assert_eq!(data_tier_port(9000), None);
        assert_eq!(data_tier_port(80), None);
        let nums: Vec<u16> = DATA_TIER_PORT_KINDS.iter().map(|(p, _)| *p).collect();
        assert_eq!(nums, DATA_TIER_PORTS);
    }
}
