//! bulkhead's Model Context Protocol server (`bulkhead mcp`).
//!
//! An AI agent gets the Docker inspection tools it expects (`docker_inspectImage`,
//! `docker_inspectContainer`, `docker_listContainers`, `docker_listNetworks`, `docker_systemInfo`,
//! `docker_searchHub`) *and* bulkhead's judgement (`bulkhead_auditHost`, `bulkhead_auditContainer`,
//! `bulkhead_scanImage`, `bulkhead_checkDockerfile`, `bulkhead_checkCompose`, `bulkhead_hardenRun`,
//! `bulkhead_explainRule`), the rule catalogue as resources (`bulkhead://rules/<ID>`) and a
//! `security_audit` prompt.
//!
//! Safety: no tool starts, stops, removes, execs or pulls anything; file paths are confined to the root;
//! every value the secret engine recognises is redacted from results and from the call log.
//!
//! Transports: stdio (nothing but protocol messages on standard output) and streamable HTTP on a
//! loopback address, optionally behind a bearer token. rmcp (which changes fast) is used in this crate
//! only.

pub mod calllog;
pub mod catalog;
pub mod confine;
mod http;
mod inspect;
mod judge;
pub mod page;
pub mod redact;
mod server;

pub use server::Bulkhead;

use bulkhead_core::{Finding, RuleMeta};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

/// How the server runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Directory client file paths are confined to.
    pub root: PathBuf,
    /// Engine address (`unix:///…`, `tcp://…`, `ssh://…`); `None`: DOCKER_HOST, the context, the socket.
    pub host: Option<String>,
    /// Call log file (standard error when `None`).
    pub log_file: Option<PathBuf>,
    /// Serve streamable HTTP on this address instead of stdio.
    pub http: Option<String>,
    /// Bearer token HTTP clients must send.
    pub token: Option<String>,
    /// Allow an HTTP address that is not loopback.
    pub allow_remote: bool,
}

/// What the image scan of `bulkhead_scanImage` needs from the reading pipeline the CLI owns.
#[derive(Debug, Clone, Default)]
pub struct ImageScanRequest {
    /// The image source spec (`docker:name`, `docker-archive:/abs.tar`, `oci:/abs/dir`, `dir:/abs`).
    pub spec: String,
    /// `config`, `secret`, `vuln` (empty: all).
    pub scanners: Vec<String>,
    /// Keep only vulnerabilities of these severities (`critical`, `high`, ...); empty: all.
    pub severities: Vec<String>,
    /// Drop vulnerabilities without a fixed version.
    pub ignore_unfixed: bool,
}

/// What an image scan found.
#[derive(Debug, Clone, Default)]
pub struct ImageScan {
    /// Reference, source, id, user, and the config (redacted).
    pub image: Value,
    /// Config, file and secret findings.
    pub findings: Vec<Finding>,
    /// Vulnerabilities (the JSON report's entries).
    pub vulnerabilities: Vec<Value>,
    /// Database, namespace, counts of the vulnerability scan; why it did not run.
    pub vulnerability_scan: Value,
    /// Packages found (name, version, type, purl).
    pub packages: Vec<Value>,
    /// Read notes.
    pub notes: Vec<String>,
}

/// Reads and scans an image (blocking; called on a worker thread).
pub trait ImageScanner: Send + Sync + 'static {
    fn scan(&self, request: &ImageScanRequest) -> Result<ImageScan, String>;
}

/// What the server is given by the binary: the rule catalogue and the image pipeline.
#[derive(Clone)]
pub struct Services {
    /// Every rule, for `bulkhead_explainRule`, the resources and the policies.
    pub rules: Vec<&'static RuleMeta>,
    pub image_scanner: Arc<dyn ImageScanner>,
}

/// Serves until the client goes away (stdio) or the process is interrupted (HTTP).
pub fn serve(opts: Options, services: Services) -> Result<(), String> {
    bulkhead_engine::connect::install_crypto_provider();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        let state = server::State::new(&opts, services)?;
        match &opts.http {
            Some(addr) => http::serve(addr, &opts, state).await,
            None => server::serve_stdio(state).await,
        }
    })
}
