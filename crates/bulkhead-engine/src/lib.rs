//! Auditing a live Docker engine.
//!
//! - [`connect`]: which engine to talk to (`--host`, `DOCKER_HOST`, the current Docker context, TLS, ssh,
//!   Podman's compatible socket) and the connection itself.
//! - [`collect`]: one [`Snapshot`] of an engine: daemon info and version, every container with its
//!   inspect data and processes, images in use, networks, volumes, Swarm state; what could not be read is
//!   recorded as a [`snapshot::Problem`] and the rest goes on.
//! - [`rules`]: pure functions from a snapshot to findings: containers (`CT`), daemon and host (`DM`),
//!   network segmentation (`NW`), Swarm (`SW`).
//! - [`harden`]: the hardened `docker run` and compose service for a container or an image.
//! - [`graph`]: the topology (containers, networks, published ports) as DOT or SVG.
//!
//! A snapshot is serializable: `bulkhead audit --save-snapshot` writes one, `--from-snapshot` audits it
//! offline, and rule tests run on snapshots captured from a real engine.

pub mod collect;
pub mod connect;
pub mod graph;
pub mod harden;
pub mod host;
pub mod rules;
pub mod snapshot;

pub use snapshot::{Container, Problem, Snapshot};
