//! `bulkhead db update`: download the OSV project's per-ecosystem exports (`{source}/{ecosystem}/all.zip`)
//! and import them into the database.
//!
//! One [`Builder`] (starting from the current database) serves the whole run. Per ecosystem, the stored
//! `ETag`/`Last-Modified` are sent back as `If-None-Match`/`If-Modified-Since`: a `304` only refreshes the
//! source's time; a `200` is spooled (memory when small, else an unnamed temporary file beside the database),
//! imported, and replaces that ecosystem's records. A failure (HTTP error, timeout, cut-off body, unreadable
//! zip) leaves that ecosystem's previous records in place. When every ecosystem fails nothing is committed
//! and the database file is not touched.
//!
//! The source may also be a `file://` URL or a plain directory laid out like the bucket
//! (`{dir}/PyPI/all.zip`, `{dir}/Rocky Linux/all.zip`): offline mirrors.
//!
//! The HTTP client is reqwest's blocking client (rustls with the ring provider): do not call [`update`]
//! from inside an async runtime.

use crate::ecosystem::Ecosystem;
use crate::import::{self, Skipped};
use crate::store::{Builder, DbError, SourceRecord, Status};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::fs::File;
use std::io::{Cursor, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The OSV project's public bucket.
pub const DEFAULT_SOURCE: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// Ecosystems `bulkhead db update` fetches unless told otherwise.
pub const DEFAULT_ECOSYSTEMS: [Ecosystem; 18] = Ecosystem::ALL;

/// Bodies up to this size (by `Content-Length`) are kept in memory; larger or unsized ones go to a file.
const MEMORY_LIMIT: u64 = 16 * 1024 * 1024;

/// Bytes that stay as they are in a path segment (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What to fetch, from where.
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    /// Base URL (`--source`, for a mirror): `http(s)://...`, `file:///...`, or a directory path laid out
    /// like the OSV bucket.
    pub source: String,
    pub ecosystems: Vec<Ecosystem>,
    /// Show a download progress bar on stderr (never shown when stderr is not a terminal).
    pub progress: bool,
    /// Connect timeout, and the longest wait for the response or for any read of the body.
    pub timeout: Duration,
}

impl Default for UpdateOptions {
    fn default() -> Self {
        UpdateOptions {
            source: DEFAULT_SOURCE.to_string(),
            ecosystems: DEFAULT_ECOSYSTEMS.to_vec(),
            progress: true,
            timeout: Duration::from_secs(60),
        }
    }
}

/// What happened to one ecosystem.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A new export was downloaded and replaced the ecosystem's records.
    Downloaded {
        /// Size of the export.
        bytes: u64,
        /// Advisories stored.
        advisories: usize,
        /// Zip members read.
        files: usize,
        /// Members that could not be read as advisories (the rest went in).
        skipped: Vec<Skipped>,
        /// Records left out on purpose, counted by reason.
        ignored: Vec<(String, usize)>,
    },
    /// The source said the export has not changed since the last update: records kept, time refreshed.
    NotModified,
    /// The export could not be had or read: the ecosystem's previous records are kept. The reason names
    /// the URL and says what to do.
    Failed(String),
}

/// One ecosystem's result.
#[derive(Debug, Clone, PartialEq)]
pub struct EcosystemUpdate {
    pub ecosystem: Ecosystem,
    /// Where the export was fetched from (URL, or file path for a directory source).
    pub url: String,
    pub outcome: Outcome,
}

/// The result of an update that committed (possibly with some ecosystems failed).
#[derive(Debug, Clone)]
pub struct UpdateReport {
    pub per_ecosystem: Vec<EcosystemUpdate>,
    /// The database after the update.
    pub status: Status,
}

impl UpdateReport {
    /// The ecosystems that failed (the CLI exits non-zero when there are any).
    pub fn failures(&self) -> impl Iterator<Item = &EcosystemUpdate> {
        self.per_ecosystem
            .iter()
            .filter(|u| matches!(u.outcome, Outcome::Failed(_)))
    }

    /// True when no ecosystem failed.
    pub fn is_complete(&self) -> bool {
        self.failures().next().is_none()
    }
}

/// An update that did not commit anything (the database is as it was).
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error(
        "no ecosystems to update\n  hint: name at least one ecosystem, or leave the list empty for the defaults"
    )]
    NoEcosystems,
    #[error(
        "cannot use --source {given}: {message}\n  hint: --source takes an http(s):// URL, a file:// URL, or a directory laid out like the OSV bucket ({{dir}}/PyPI/all.zip)"
    )]
    Source { given: String, message: String },
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    #[error("{}", all_failed_message(.0))]
    AllFailed(Vec<EcosystemUpdate>),
    #[error(transparent)]
    Db(#[from] DbError),
}

fn all_failed_message(failures: &[EcosystemUpdate]) -> String {
    let mut out =
        String::from("every ecosystem failed to update; the database was left as it was:");
    for f in failures {
        if let Outcome::Failed(reason) = &f.outcome {
            out.push_str(&format!("\n  {}: {reason}", f.ecosystem));
        }
    }
    out
}

/// The URL of an ecosystem's export under an HTTP base (the directory name percent-encoded:
/// `Rocky%20Linux`).
pub fn export_url(base: &str, ecosystem: Ecosystem) -> String {
    format!(
        "{}/{}/all.zip",
        base.trim_end_matches('/'),
        utf8_percent_encode(ecosystem.osv_name(), SEGMENT)
    )
}

/// Where exports come from.
enum Source {
    Http(String),
    Dir(PathBuf),
}

impl Source {
    fn parse(raw: &str) -> Result<Source, UpdateError> {
        let err = |message: String| UpdateError::Source {
            given: raw.to_string(),
            message,
        };
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(err("it is empty".into()));
        }
        let lower = trimmed.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return Ok(Source::Http(trimmed.trim_end_matches('/').to_string()));
        }
        let dir = if lower.starts_with("file://") {
            let rest = trimmed.get("file://".len()..).unwrap_or("");
            let rest = rest.strip_prefix("localhost").unwrap_or(rest);
            if !rest.starts_with('/') {
                return Err(err(
                    "a file:// URL needs an absolute path (file:///srv/osv)".into(),
                ));
            }
            let decoded = percent_decode_str(rest)
                .decode_utf8()
                .map_err(|e| err(format!("the path is not UTF-8 once decoded: {e}")))?;
            PathBuf::from(decoded.as_ref())
        } else if let Some((scheme, _)) = trimmed.split_once("://") {
            return Err(err(format!("the scheme {scheme}:// is not supported")));
        } else {
            PathBuf::from(trimmed)
        };
        if !dir.is_dir() {
            return Err(err(format!("{} is not a directory", dir.display())));
        }
        Ok(Source::Dir(dir))
    }

    fn location(&self, ecosystem: Ecosystem) -> String {
        match self {
            Source::Http(base) => export_url(base, ecosystem),
            Source::Dir(dir) => dir_export(dir, ecosystem).display().to_string(),
        }
    }
}

fn dir_export(dir: &Path, ecosystem: Ecosystem) -> PathBuf {
    dir.join(ecosystem.osv_name()).join("all.zip")
}

/// Update `db` from `opts.source`. Returns `Err` (and commits nothing) when the options are unusable or
/// every ecosystem failed; otherwise commits and reports each ecosystem, failures included.
pub fn update(db: &Path, opts: &UpdateOptions) -> Result<UpdateReport, UpdateError> {
    if opts.ecosystems.is_empty() {
        return Err(UpdateError::NoEcosystems);
    }
    let source = Source::parse(&opts.source)?;
    let client = match &source {
        Source::Http(_) => Some(http_client(opts.timeout)?),
        Source::Dir(_) => None,
    };
    let spool_dir = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let mut builder = Builder::start(db, true)?;
    let mut per_ecosystem = Vec::with_capacity(opts.ecosystems.len());
    let mut seen = Vec::new();
    for &ecosystem in &opts.ecosystems {
        if seen.contains(&ecosystem) {
            continue;
        }
        seen.push(ecosystem);
        let url = source.location(ecosystem);
        let name = format!("osv:{}", ecosystem.osv_name());
        let stored = builder.source_validators(&name)?;
        let fetched = match (&source, &client) {
            (Source::Http(_), Some(client)) => {
                fetch_http(client, &url, ecosystem, stored.as_ref(), opts, &spool_dir)
            }
            (Source::Dir(dir), _) => fetch_dir(dir, ecosystem, stored.as_ref()),
            (Source::Http(_), None) => Err(format!("{url}: no HTTP client")),
        };
        let outcome = match fetched {
            Err(reason) => Outcome::Failed(reason),
            Ok(Fetched::NotModified) => {
                builder.touch_source(&name)?;
                Outcome::NotModified
            }
            Ok(Fetched::Body {
                body,
                bytes,
                etag,
                last_modified,
            }) => match import::import_zip(&url, body) {
                // The error names the URL (the label) already.
                Err(e) => Outcome::Failed(format!(
                    "{e} — the download is not a readable OSV zip; the previous records are kept — retry, or check that --source serves OSV all.zip exports"
                )),
                // An export with nothing usable would wipe the ecosystem: keep what we have instead.
                Ok(imported) if imported.advisories.is_empty() => Outcome::Failed(format!(
                    "{url}: the export holds no advisory bulkhead could read ({} files, {} unreadable, {} left out); the previous records are kept — check that --source serves OSV all.zip exports",
                    imported.files,
                    imported.skipped.len(),
                    imported.ignored.iter().map(|(_, n)| n).sum::<usize>()
                )),
                Ok(imported) => {
                    let record = SourceRecord {
                        name: name.clone(),
                        location: url.clone(),
                        kind: "osv-zip".into(),
                        etag,
                        last_modified,
                    };
                    let advisories = builder.put_source(&record, &imported.advisories)?;
                    Outcome::Downloaded {
                        bytes,
                        advisories,
                        files: imported.files,
                        skipped: imported.skipped,
                        ignored: imported.ignored,
                    }
                }
            },
        };
        per_ecosystem.push(EcosystemUpdate {
            ecosystem,
            url,
            outcome,
        });
    }
    if per_ecosystem
        .iter()
        .all(|u| matches!(u.outcome, Outcome::Failed(_)))
    {
        // Dropping the builder removes its temporary file; the database is untouched.
        drop(builder);
        return Err(UpdateError::AllFailed(per_ecosystem));
    }
    let status = builder.commit()?;
    Ok(UpdateReport {
        per_ecosystem,
        status,
    })
}

/// A fetched export, or word that it has not changed.
enum Fetched {
    NotModified,
    Body {
        body: Spool,
        bytes: u64,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// A downloaded body: in memory, or in an unnamed temporary file.
enum Spool {
    Memory(Cursor<Vec<u8>>),
    File(File),
}

impl Read for Spool {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Spool::Memory(c) => c.read(buf),
            Spool::File(f) => f.read(buf),
        }
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Spool::Memory(c) => c.write(buf),
            Spool::File(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Spool::Memory(c) => c.flush(),
            Spool::File(f) => f.flush(),
        }
    }
}

impl Seek for Spool {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        match self {
            Spool::Memory(c) => c.seek(pos),
            Spool::File(f) => f.seek(pos),
        }
    }
}

fn http_client(timeout: Duration) -> Result<reqwest::blocking::Client, UpdateError> {
    install_crypto_provider();
    reqwest::blocking::Client::builder()
        .user_agent(concat!("bulkhead/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(timeout)
        .timeout(timeout)
        .build()
        .map_err(|e| UpdateError::Client(error_chain(&e)))
}

/// rustls needs one process-wide provider; ring is the one built in. One installed already is kept.
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// An error and its causes, `: `-joined, without repeats.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(cause) = cur {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = cause.source();
    }
    out
}

fn header(resp: &reqwest::blocking::Response, name: reqwest::header::HeaderName) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn fetch_http(
    client: &reqwest::blocking::Client,
    url: &str,
    ecosystem: Ecosystem,
    stored: Option<&(Option<String>, Option<String>)>,
    opts: &UpdateOptions,
    spool_dir: &Path,
) -> Result<Fetched, String> {
    use reqwest::header::{CONTENT_LENGTH, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
    let mut request = client.get(url);
    let mut conditional = false;
    if let Some((etag, last_modified)) = stored {
        if let Some(etag) = etag {
            request = request.header(IF_NONE_MATCH, etag.as_str());
            conditional = true;
        }
        if let Some(lm) = last_modified {
            request = request.header(IF_MODIFIED_SINCE, lm.as_str());
            conditional = true;
        }
    }
    let mut resp = request
        .send()
        .map_err(|e| send_error(url, &e, opts.timeout))?;
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        if conditional {
            return Ok(Fetched::NotModified);
        }
        return Err(format!(
            "{url}: HTTP 304 Not Modified to a request that asked for no condition — the server or a proxy is misbehaving; retry, or use --source with a mirror"
        ));
    }
    if !status.is_success() {
        return Err(status_error(url, status, ecosystem));
    }
    let etag = header(&resp, ETAG);
    let last_modified = header(&resp, LAST_MODIFIED);
    // reqwest's content_length() is the body's size hint; the header is what the server promised.
    let total = header(&resp, CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    let mut spool = match total {
        Some(n) if n <= MEMORY_LIMIT => Spool::Memory(Cursor::new(Vec::with_capacity(n as usize))),
        _ => Spool::File(tempfile::tempfile_in(spool_dir).map_err(|e| {
            format!(
                "{url}: cannot create a temporary file in {} for the download: {e}",
                spool_dir.display()
            )
        })?),
    };
    let bar = progress_bar(opts.progress, total, ecosystem);
    let copied = copy_body(&mut resp, &mut spool, &bar);
    bar.finish_and_clear();
    let bytes = copied.map_err(|e| {
        format!(
            "{url}: the download was cut off ({}) — retry; the previous records are kept",
            e
        )
    })?;
    if let Some(expected) = total
        && bytes != expected
    {
        return Err(format!(
            "{url}: the download was cut off after {bytes} of {expected} bytes — retry; the previous records are kept"
        ));
    }
    spool
        .seek(SeekFrom::Start(0))
        .map_err(|e| format!("{url}: cannot rewind the downloaded file: {e}"))?;
    Ok(Fetched::Body {
        body: spool,
        bytes,
        etag,
        last_modified,
    })
}

/// Copy the body, counting bytes; a read error says how far it got.
fn copy_body(
    resp: &mut reqwest::blocking::Response,
    out: &mut Spool,
    bar: &ProgressBar,
) -> Result<u64, String> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut n: u64 = 0;
    loop {
        let read = match resp.read(&mut buf) {
            Ok(0) => return Ok(n),
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("after {n} bytes: {}", error_chain(&e))),
        };
        let chunk = buf.get(..read).unwrap_or(&[]);
        out.write_all(chunk)
            .map_err(|e| format!("cannot write the download after {n} bytes: {e}"))?;
        n += read as u64;
        bar.set_position(n);
    }
}

fn progress_bar(show: bool, total: Option<u64>, ecosystem: Ecosystem) -> ProgressBar {
    if !show || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    let template = if total.is_some() {
        "{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}"
    } else {
        "{prefix:>12} {spinner} {bytes} {bytes_per_sec}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.with_prefix(ecosystem.osv_name())
}

fn send_error(url: &str, e: &reqwest::Error, timeout: Duration) -> String {
    // reqwest's own message repeats the URL; its causes say what happened.
    let detail = match std::error::Error::source(e) {
        Some(cause) => error_chain(cause),
        None => e.to_string(),
    };
    if e.is_timeout() {
        format!(
            "{url}: no answer within {}s ({detail}) — retry, raise the timeout, or use --source with a mirror",
            timeout.as_secs_f64()
        )
    } else if e.is_connect() {
        format!(
            "cannot reach {url}: {detail} — check the network, or use --source with a mirror, or `bulkhead db import` offline"
        )
    } else {
        format!(
            "{url}: the request failed: {detail} — retry, or use --source with a mirror, or `bulkhead db import` offline"
        )
    }
}

fn status_error(url: &str, status: reqwest::StatusCode, ecosystem: Ecosystem) -> String {
    let code = status.as_u16();
    let what = match code {
        404 => format!(
            "the source has no {} export there — check that --source is laid out like the OSV bucket ({{base}}/{}/all.zip)",
            ecosystem.osv_name(),
            utf8_percent_encode(ecosystem.osv_name(), SEGMENT)
        ),
        401 | 403 => {
            "the server refused access — check --source (a mirror may need other access)".into()
        }
        429 => "the server asks to slow down — retry later".into(),
        500..=599 => "the server failed — retry later, or use --source with a mirror".into(),
        _ => "unexpected answer — retry, or use --source with a mirror".into(),
    };
    format!("{url}: HTTP {status}: {what}; the previous records are kept")
}

/// A directory source: the export is `{dir}/{ecosystem}/all.zip`; size and modification time stand in for
/// an ETag so an unchanged file is not imported again.
fn fetch_dir(
    dir: &Path,
    ecosystem: Ecosystem,
    stored: Option<&(Option<String>, Option<String>)>,
) -> Result<Fetched, String> {
    let path = dir_export(dir, ecosystem);
    let file = File::open(&path).map_err(|e| {
        format!(
            "{}: {e} — the directory source needs {}/all.zip for {} (the OSV bucket's layout); the previous records are kept",
            path.display(),
            ecosystem.osv_name(),
            ecosystem.osv_name()
        )
    })?;
    let meta = file
        .metadata()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| format!("{}.{:09}", d.as_secs(), d.subsec_nanos()))
        .unwrap_or_default();
    let etag = format!("\"file-{}-{mtime}\"", meta.len());
    if let Some((Some(stored_etag), _)) = stored
        && *stored_etag == etag
    {
        return Ok(Fetched::NotModified);
    }
    Ok(Fetched::Body {
        body: Spool::File(file),
        bytes: meta.len(),
        etag: Some(etag),
        last_modified: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_urls_percent_encode_the_directory() {
        assert_eq!(
            export_url(DEFAULT_SOURCE, Ecosystem::Rocky),
            "https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux/all.zip"
        );
        assert_eq!(
            export_url("http://mirror/osv/", Ecosystem::RedHat),
            "http://mirror/osv/Red%20Hat/all.zip"
        );
        assert_eq!(
            export_url("http://m", Ecosystem::CratesIo),
            "http://m/crates.io/all.zip"
        );
    }

    #[test]
    fn sources_parse() {
        assert!(matches!(
            Source::parse("https://x.example/osv/"),
            Ok(Source::Http(b)) if b == "https://x.example/osv"
        ));
        assert!(matches!(
            Source::parse("ftp://x"),
            Err(UpdateError::Source { .. })
        ));
        assert!(matches!(
            Source::parse("/definitely/not/here"),
            Err(UpdateError::Source { .. })
        ));
        let tmp = std::env::temp_dir();
        let url = format!("file://{}", tmp.display());
        assert!(matches!(Source::parse(&url), Ok(Source::Dir(d)) if d == tmp));
        assert!(matches!(
            Source::parse("file://relative/dir"),
            Err(UpdateError::Source { .. })
        ));
    }
}
