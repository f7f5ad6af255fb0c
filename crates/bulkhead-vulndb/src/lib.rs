//! bulkhead's vulnerability database.
//!
//! - [`advisory`]: the one advisory model every source is converted into (OSV-shaped).
//! - [`import`]: readers for OSV JSON/YAML (files, directories, zips), Alpine secdb, the Debian security
//!   tracker's DSA/DLA lists, and the native formats of the Node.js security WG, RubySec and FriendsOfPHP.
//! - [`version`]: exact version ordering per ecosystem (dpkg, apk, rpm, SemVer, Go, PEP 440, Maven,
//!   RubyGems, Composer, NuGet).
//! - [`ecosystem`]: OSV ecosystem names, and which ecosystem/namespace a package of an image belongs to.

pub mod advisory;
pub mod ecosystem;
pub mod import;
pub mod matcher;
pub mod severity;
pub mod store;
pub mod triage;
pub mod update;
pub mod version;

pub use advisory::{Advisory, Affected, Event, Range, RangeKind, SeverityScore};
pub use ecosystem::Ecosystem;
pub use version::{Scheme, Version, VersionError};
