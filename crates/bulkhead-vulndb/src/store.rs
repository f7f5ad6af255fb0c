//! The SQLite database: schema, atomic builds, read-only opening, queries and status.
//!
//! Layout (schema version [`SCHEMA_VERSION`] in `PRAGMA user_version`, and `meta.format` = [`FORMAT`]):
//!
//! - `meta(key, value)`: `format`, `built_at` (RFC 3339), `bulkhead` (the version that built it);
//! - `source(name, location, kind, imported_at, etag, last_modified, advisories)`: where records came from;
//! - `advisory(id, source, modified, withdrawn, body)`: the advisory without its affected list (JSON);
//! - `affected(ecosystem, release, name, advisory_id, body)`: one row per affected package (JSON), indexed on
//!   `(ecosystem, release, name)`: the only lookup a scan makes.
//!
//! Writes never touch the database in place: [`Builder`] copies the current file (if any) to a temporary file
//! beside it, writes there, verifies, and renames over the original. A build that is killed midway leaves the
//! temporary file behind (removed by the next build) and the previous database intact.

use crate::advisory::{Advisory, Affected};
use crate::ecosystem::{Ecosystem, normalize_name};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::{Path, PathBuf};

/// Schema version (`PRAGMA user_version`); a database with another one is rebuilt, never read.
pub const SCHEMA_VERSION: i64 = 1;
/// `meta.format`, which tells a bulkhead database from any other SQLite file.
pub const FORMAT: &str = "bulkhead-vulndb";

/// Environment variable naming the database file (overridden by `--db`).
pub const DB_ENV: &str = "BULKHEAD_DB";

/// The default database path: `$BULKHEAD_DB`, else `$XDG_CACHE_HOME/bulkhead/vuln.db`, else
/// `~/.cache/bulkhead/vuln.db`.
pub fn default_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(DB_ENV).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(cache.join("bulkhead").join("vuln.db"))
}

/// Why a database could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "no vulnerability database at {}\n  hint: run `bulkhead db update` (online) or `bulkhead db import PATH` (offline) to create it",
        path.display()
    )]
    Missing { path: PathBuf },
    #[error(
        "{} is not a usable bulkhead vulnerability database: {reason}\n  hint: run `bulkhead db update` (or `bulkhead db import PATH`) to rebuild it",
        path.display()
    )]
    Invalid { path: PathBuf, reason: String },
    #[error("{}: {message}", path.display())]
    Io { path: PathBuf, message: String },
}

fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> DbError + '_ {
    move |e| DbError::Invalid {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// A database opened read-only for scanning.
pub struct Db {
    conn: Connection,
    path: PathBuf,
}

/// One source's entry in [`Status`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceInfo {
    pub name: String,
    pub location: String,
    pub kind: String,
    pub imported_at: String,
    pub advisories: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// What `bulkhead db status` shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Status {
    pub path: String,
    pub schema_version: i64,
    pub built_at: String,
    /// Seconds since `built_at` (negative clocks read as 0).
    pub age_seconds: i64,
    pub advisories: i64,
    pub withdrawn: i64,
    /// Per ecosystem: (ecosystem, release, advisories, packages named).
    pub ecosystems: Vec<EcosystemCount>,
    pub sources: Vec<SourceInfo>,
    pub size_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EcosystemCount {
    pub ecosystem: String,
    pub release: String,
    pub advisories: i64,
    pub packages: i64,
}

impl Db {
    /// Open `path` read-only, checking that it is a bulkhead database of this schema version.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        if !path.exists() {
            return Err(DbError::Missing {
                path: path.to_path_buf(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql_err(path))?;
        check_schema(&conn, path)?;
        Ok(Db {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Affected rows for one package: `(advisory id, affected entry)`; `name` is normalized here.
    pub fn affected(
        &self,
        ecosystem: Ecosystem,
        release: &str,
        name: &str,
    ) -> Result<Vec<(String, Affected)>, DbError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT advisory_id, body FROM affected WHERE ecosystem = ?1 AND release = ?2 AND name = ?3",
            )
            .map_err(sql_err(&self.path))?;
        let rows = stmt
            .query_map(
                params![
                    ecosystem.osv_name(),
                    release,
                    normalize_name(ecosystem, name)
                ],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .map_err(sql_err(&self.path))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body) = row.map_err(sql_err(&self.path))?;
            let affected: Affected = serde_json::from_str(&body).map_err(|e| DbError::Invalid {
                path: self.path.clone(),
                reason: format!("affected row of {id} does not decode: {e}"),
            })?;
            out.push((id, affected));
        }
        Ok(out)
    }

    /// The advisory (with an empty `affected` list), or `None`.
    pub fn advisory(&self, id: &str) -> Result<Option<Advisory>, DbError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM advisory WHERE id = ?1")
            .map_err(sql_err(&self.path))?;
        let body: Option<String> = stmt
            .query_row(params![id], |r| r.get(0))
            .optional()
            .map_err(sql_err(&self.path))?;
        match body {
            None => Ok(None),
            Some(b) => {
                serde_json::from_str::<Advisory>(&b)
                    .map(Some)
                    .map_err(|e| DbError::Invalid {
                        path: self.path.clone(),
                        reason: format!("advisory {id} does not decode: {e}"),
                    })
            }
        }
    }

    /// Releases the database holds for an OS ecosystem (to tell "no advisories for this release").
    pub fn releases(&self, ecosystem: Ecosystem) -> Result<Vec<String>, DbError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT release FROM affected WHERE ecosystem = ?1 ORDER BY release",
            )
            .map_err(sql_err(&self.path))?;
        let rows = stmt
            .query_map(params![ecosystem.osv_name()], |r| r.get::<_, String>(0))
            .map_err(sql_err(&self.path))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(sql_err(&self.path))
    }

    /// `meta.built_at`.
    pub fn built_at(&self) -> Result<String, DbError> {
        meta(&self.conn, "built_at")
            .map_err(sql_err(&self.path))
            .map(Option::unwrap_or_default)
    }

    /// Age in seconds of the database (since `built_at`).
    pub fn age_seconds(&self) -> Result<i64, DbError> {
        let built = self.built_at()?;
        Ok(age_of(&built))
    }

    /// Counts, sources and age.
    pub fn status(&self) -> Result<Status, DbError> {
        let e = sql_err(&self.path);
        let advisories: i64 = self
            .conn
            .query_row("SELECT count(*) FROM advisory", [], |r| r.get(0))
            .map_err(&e)?;
        let withdrawn: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM advisory WHERE withdrawn = 1",
                [],
                |r| r.get(0),
            )
            .map_err(&e)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT ecosystem, release, count(DISTINCT advisory_id), count(DISTINCT name) FROM affected \
                 GROUP BY ecosystem, release ORDER BY ecosystem, release",
            )
            .map_err(&e)?;
        let ecosystems = stmt
            .query_map([], |r| {
                Ok(EcosystemCount {
                    ecosystem: r.get(0)?,
                    release: r.get(1)?,
                    advisories: r.get(2)?,
                    packages: r.get(3)?,
                })
            })
            .map_err(&e)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(&e)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT name, location, kind, imported_at, advisories, etag, last_modified FROM source ORDER BY name",
            )
            .map_err(&e)?;
        let sources = stmt
            .query_map([], |r| {
                Ok(SourceInfo {
                    name: r.get(0)?,
                    location: r.get(1)?,
                    kind: r.get(2)?,
                    imported_at: r.get(3)?,
                    advisories: r.get(4)?,
                    etag: r.get(5)?,
                    last_modified: r.get(6)?,
                })
            })
            .map_err(&e)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(&e)?;
        let built_at = self.built_at()?;
        Ok(Status {
            path: self.path.display().to_string(),
            schema_version: SCHEMA_VERSION,
            age_seconds: age_of(&built_at),
            built_at,
            advisories,
            withdrawn,
            ecosystems,
            sources,
            size_bytes: std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0),
        })
    }
}

fn check_schema(conn: &Connection, path: &Path) -> Result<(), DbError> {
    let invalid = |reason: String| DbError::Invalid {
        path: path.to_path_buf(),
        reason,
    };
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| invalid(e.to_string()))?;
    let has_meta: bool = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n > 0)
        .map_err(|e| invalid(e.to_string()))?;
    if !has_meta {
        return Err(invalid(
            "it is an SQLite file, but not one bulkhead built".into(),
        ));
    }
    let format = meta(conn, "format").map_err(|e| invalid(e.to_string()))?;
    if format.as_deref() != Some(FORMAT) {
        return Err(invalid(
            "it is an SQLite file, but not one bulkhead built".into(),
        ));
    }
    if version != SCHEMA_VERSION {
        return Err(invalid(format!(
            "schema version {version}, this bulkhead reads version {SCHEMA_VERSION}"
        )));
    }
    Ok(())
}

fn meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
        r.get(0)
    })
    .optional()
}

/// Seconds between an RFC 3339 UTC timestamp (`YYYY-MM-DDTHH:MM:SSZ`) and now; 0 when it does not parse.
pub fn age_of(rfc3339: &str) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    parse_rfc3339(rfc3339)
        .map(|t| (now - t).max(0))
        .unwrap_or(0)
}

pub use bulkhead_core::time::parse_rfc3339;

pub use bulkhead_core::time::now_rfc3339;

/// A source's HTTP validators: `(ETag, Last-Modified)`.
pub type Validators = (Option<String>, Option<String>);

/// How a source is recorded.
#[derive(Debug, Clone, Default)]
pub struct SourceRecord {
    /// Unique name (`osv:PyPI`, `import:/path/to/dir`).
    pub name: String,
    pub location: String,
    /// `osv-zip`, `import`, ...
    pub kind: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// Writes a new database beside `target` and renames it into place on [`Builder::commit`].
pub struct Builder {
    conn: Connection,
    target: PathBuf,
    temp: PathBuf,
    committed: bool,
}

impl Builder {
    /// Start a build. With `keep_existing`, the current database (when valid) is the starting point;
    /// otherwise the build starts empty. Stale temporary files of killed builds are removed.
    pub fn start(target: &Path, keep_existing: bool) -> Result<Builder, DbError> {
        let io = |message: String| DbError::Io {
            path: target.to_path_buf(),
            message,
        };
        let dir = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .map_err(|e| io(format!("cannot create {}: {e}", dir.display())))?;
        let file_name = target
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| "vuln.db".into());
        let prefix = format!(".{file_name}.tmp-");
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(pid) = name.strip_prefix(&prefix) {
                    let pid = pid.split('-').next().unwrap_or("");
                    if !process_alive(pid) {
                        let _ = std::fs::remove_file(entry.path());
                    }
                }
            }
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let temp = dir.join(format!("{prefix}{}-{nanos}", std::process::id()));
        if target.exists() && is_foreign_sqlite(target) {
            return Err(DbError::Invalid {
                path: target.to_path_buf(),
                reason: "it is another program's SQLite database, which bulkhead will not overwrite\n  hint: choose another path with --db (or $BULKHEAD_DB)".into(),
            });
        }
        if keep_existing && target.exists() && Db::open(target).is_ok() {
            std::fs::copy(target, &temp)
                .map_err(|e| io(format!("cannot copy to {}: {e}", temp.display())))?;
        }
        let conn = Connection::open(&temp).map_err(sql_err(&temp))?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;
             CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS source (name TEXT PRIMARY KEY, location TEXT NOT NULL, kind TEXT NOT NULL,
                 imported_at TEXT NOT NULL, advisories INTEGER NOT NULL, etag TEXT, last_modified TEXT);
             CREATE TABLE IF NOT EXISTS advisory (id TEXT PRIMARY KEY, source TEXT NOT NULL, modified TEXT,
                 withdrawn INTEGER NOT NULL, body TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS affected (ecosystem TEXT NOT NULL, release TEXT NOT NULL, name TEXT NOT NULL,
                 advisory_id TEXT NOT NULL, body TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS affected_key ON affected (ecosystem, release, name);
             CREATE INDEX IF NOT EXISTS affected_advisory ON affected (advisory_id);
             CREATE INDEX IF NOT EXISTS advisory_source ON advisory (source);",
        )
        .map_err(sql_err(&temp))?;
        conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))
            .map_err(sql_err(&temp))?;
        Ok(Builder {
            conn,
            target: target.to_path_buf(),
            temp,
            committed: false,
        })
    }

    /// The temporary file being written.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Replace everything `source` provided before with `advisories` (same id from another source: the
    /// newer write wins). Returns how many advisories were stored.
    pub fn put_source(
        &mut self,
        source: &SourceRecord,
        advisories: &[Advisory],
    ) -> Result<usize, DbError> {
        let temp = self.temp.clone();
        let e = sql_err(&temp);
        let tx = self.conn.transaction().map_err(&e)?;
        tx.execute(
            "DELETE FROM affected WHERE advisory_id IN (SELECT id FROM advisory WHERE source = ?1)",
            params![source.name],
        )
        .map_err(&e)?;
        tx.execute(
            "DELETE FROM advisory WHERE source = ?1",
            params![source.name],
        )
        .map_err(&e)?;
        let mut stored = 0usize;
        {
            let mut del = tx
                .prepare("DELETE FROM affected WHERE advisory_id = ?1")
                .map_err(&e)?;
            let mut adv = tx
                .prepare(
                    "INSERT OR REPLACE INTO advisory (id, source, modified, withdrawn, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(&e)?;
            let mut aff = tx
                .prepare(
                    "INSERT INTO affected (ecosystem, release, name, advisory_id, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(&e)?;
            for a in advisories {
                let mut head = a.clone();
                let affected = std::mem::take(&mut head.affected);
                let body = serde_json::to_string(&head).map_err(|err| DbError::Io {
                    path: temp.clone(),
                    message: err.to_string(),
                })?;
                del.execute(params![a.id]).map_err(&e)?;
                adv.execute(params![
                    a.id,
                    source.name,
                    a.modified,
                    a.withdrawn.is_some() as i64,
                    body
                ])
                .map_err(&e)?;
                for entry in &affected {
                    let Some((eco, release)) = Ecosystem::parse_osv(&entry.ecosystem) else {
                        continue;
                    };
                    let body = serde_json::to_string(entry).map_err(|err| DbError::Io {
                        path: temp.clone(),
                        message: err.to_string(),
                    })?;
                    aff.execute(params![
                        eco.osv_name(),
                        release,
                        normalize_name(eco, &entry.name),
                        a.id,
                        body
                    ])
                    .map_err(&e)?;
                }
                stored += 1;
            }
        }
        tx.execute(
            "INSERT OR REPLACE INTO source (name, location, kind, imported_at, advisories, etag, last_modified) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                source.name,
                source.location,
                source.kind,
                now_rfc3339(),
                stored as i64,
                source.etag,
                source.last_modified
            ],
        )
        .map_err(&e)?;
        tx.commit().map_err(&e)?;
        Ok(stored)
    }

    /// Record a source as checked without changes (an HTTP 304): its time is refreshed, records kept.
    pub fn touch_source(&mut self, name: &str) -> Result<(), DbError> {
        self.conn
            .execute(
                "UPDATE source SET imported_at = ?2 WHERE name = ?1",
                params![name, now_rfc3339()],
            )
            .map_err(sql_err(&self.temp))?;
        Ok(())
    }

    /// ETag and Last-Modified recorded for a source (to send If-None-Match / If-Modified-Since).
    pub fn source_validators(&self, name: &str) -> Result<Option<Validators>, DbError> {
        self.conn
            .query_row(
                "SELECT etag, last_modified FROM source WHERE name = ?1",
                params![name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(sql_err(&self.temp))
    }

    /// Verify the new file and rename it over the target. Returns the target's status.
    pub fn commit(mut self) -> Result<Status, DbError> {
        let temp = self.temp.clone();
        let target = self.target.clone();
        let conn = std::mem::replace(
            &mut self.conn,
            Connection::open_in_memory().map_err(sql_err(&temp))?,
        );
        let e = sql_err(&temp);
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('format', ?1), ('built_at', ?2), ('bulkhead', ?3)",
            params![FORMAT, now_rfc3339(), env!("CARGO_PKG_VERSION")],
        )
        .map_err(&e)?;
        conn.execute_batch("ANALYZE; VACUUM;").map_err(&e)?;
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(&e)?;
        if check != "ok" {
            return Err(DbError::Invalid {
                path: temp.clone(),
                reason: format!(
                    "the new database failed its check ({check}); the previous one is untouched"
                ),
            });
        }
        drop(conn);
        // Open the new file the way a scan will before it replaces anything.
        Db::open(&temp)?;
        // The build ran with `synchronous = OFF`: flush the file before the rename publishes it, so a crash
        // or power loss cannot leave an empty or torn database under the target's name.
        std::fs::File::open(&temp)
            .and_then(|f| f.sync_all())
            .map_err(|err| DbError::Io {
                path: temp.clone(),
                message: format!("cannot flush the new database to disk: {err}"),
            })?;
        std::fs::rename(&temp, &target).map_err(|err| DbError::Io {
            path: target.clone(),
            message: format!("cannot move the new database into place: {err}"),
        })?;
        self.committed = true;
        // The rename itself is durable once the directory is flushed (best effort: not every platform
        // lets a directory be opened).
        if let Some(dir) = target.parent().filter(|p| !p.as_os_str().is_empty())
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Db::open(&target)?.status()
    }
}

impl Drop for Builder {
    fn drop(&mut self) {
        // Abandoned (error path): the temporary file goes; a committed build has already renamed it.
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// An SQLite file with tables but none of bulkhead's: someone else's database (a corrupt file, or a
/// bulkhead database of another schema version, may be replaced).
fn is_foreign_sqlite(path: &Path) -> bool {
    let mut header = [0u8; 16];
    let is_sqlite = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header))
        .is_ok()
        && &header == b"SQLite format 3\0";
    if !is_sqlite {
        return false;
    }
    let Ok(conn) = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return false;
    };
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap_or(0);
    let tables = count("SELECT count(*) FROM sqlite_master WHERE type = 'table'");
    let ours = count("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
    tables > 0 && ours == 0
}

/// Whether a process id (decimal text) is alive (Linux `/proc`; elsewhere assumed dead after a day).
fn process_alive(pid: &str) -> bool {
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if pid == std::process::id().to_string() {
        return true;
    }
    Path::new("/proc").join(pid).exists()
}
