//! rpm's SQLite backend (`rpmdb.sqlite`, rpm >= 4.16): table `Packages (hnum INTEGER PRIMARY KEY, blob
//! BLOB)`, one header blob per row.
//!
//! The database is opened from memory (`sqlite3_deserialize`, read-only), never from a file. rpm leaves
//! the database in WAL mode, which an in-memory database cannot open, so the header's read/write format
//! bytes are set back to the rollback journal (what a WAL file beside it would have added is not
//! there anyway: the caller hands over one file). A hostile database cannot make the read run away:
//! `Packages` must be a table (not a view), SQLite runs in defensive mode with untrusted schema, values
//! are capped at 64 MiB (real headers are at most a few MiB), the statement is stopped after a fixed amount of work, and the total read is
//! capped relative to the file's size.

use std::io::Read;

use super::Problems;
use rusqlite::limits::Limit;
use rusqlite::{Connection, MAIN_DB, OpenFlags, config::DbConfig};

/// The 16-byte magic at the start of every SQLite database.
pub const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// SQLite virtual-machine steps per progress callback, and callbacks allowed before the read is stopped
/// (about 10^9 steps: seconds of work, far more than any real rpm database needs).
const PROGRESS_STEP: i32 = 10_000;
const PROGRESS_CALLS: u64 = 100_000;

/// Header blobs of an rpm SQLite database, recording problems with single rows in `problems`.
pub fn blobs(data: &[u8], problems: &mut Problems) -> Result<Vec<Vec<u8>>, String> {
    let header = data
        .get(..100)
        .filter(|h| h.starts_with(MAGIC))
        .ok_or("not an SQLite database (no `SQLite format 3` header)")?;
    let mut patched = [0u8; 100];
    patched.copy_from_slice(header);
    // Bytes 18 and 19: file format write/read version, 2 = WAL.
    for byte in &mut patched[18..20] {
        if *byte == 2 {
            *byte = 1;
        }
    }
    let rest = data.get(100..).unwrap_or_default();

    let mut conn = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("SQLite: {e}"))?;
    harden(&conn).map_err(|e| format!("SQLite: {e}"))?;
    let mut calls = 0u64;
    conn.progress_handler(
        PROGRESS_STEP,
        Some(move || {
            calls += 1;
            calls > PROGRESS_CALLS
        }),
    )
    .map_err(|e| format!("SQLite: {e}"))?;
    conn.deserialize_read_exact(MAIN_DB, (&patched[..]).chain(rest), data.len(), true)
        .map_err(|e| format!("SQLite database could not be opened: {e}"))?;

    let kind: Option<String> = conn
        .query_row(
            "SELECT type FROM sqlite_master WHERE name = 'Packages' COLLATE NOCASE",
            [],
            |row| row.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(format!("SQLite schema unreadable: {e}")),
        })?;
    match kind.as_deref() {
        Some("table") => {}
        Some(other) => return Err(format!("SQLite `Packages` is a {other}, expected a table")),
        None => return Err("SQLite database has no `Packages` table: not an rpm database".into()),
    }

    let budget = data.len().saturating_mul(2).saturating_add(1 << 20);
    let mut total = 0usize;
    let mut blobs = Vec::new();
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages")
        .map_err(|e| format!("SQLite `Packages` unreadable: {e}"))?;
    let mut rows = stmt
        .query([])
        .map_err(|e| format!("SQLite `Packages` unreadable: {e}"))?;
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                problems.push(format!("reading `Packages` stopped: {e}"));
                break;
            }
        };
        let hnum: i64 = row.get(0).unwrap_or(-1);
        match row.get_ref(1) {
            Ok(rusqlite::types::ValueRef::Blob(blob)) => {
                total = total.saturating_add(blob.len());
                if total > budget {
                    problems.push("reading `Packages` stopped: more data than the file holds");
                    break;
                }
                blobs.push(blob.to_vec());
            }
            Ok(other) => problems.push(format!(
                "package {hnum}: blob is {:?}, expected a BLOB",
                other.data_type()
            )),
            Err(e) => problems.push(format!("package {hnum}: {e}")),
        }
    }
    Ok(blobs)
}

/// Defensive settings for an untrusted database.
fn harden(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, 64 << 20)?;
    conn.set_limit(Limit::SQLITE_LIMIT_EXPR_DEPTH, 100)?;
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database built by SQLite itself, serialized to bytes.
    fn database(sql: &str) -> Vec<u8> {
        let Ok(mut conn) = Connection::open_in_memory() else {
            panic!("in-memory database");
        };
        if let Err(e) = conn.execute_batch(sql) {
            panic!("{e}");
        }
        match conn.serialize(MAIN_DB) {
            Ok(data) => data.to_vec(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn reads_blobs_and_reports_bad_rows() {
        let data = database(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);
             INSERT INTO Packages (blob) VALUES (x'0001'), ('text'), (x'02');",
        );
        let mut problems = Problems::default();
        let result = blobs(&data, &mut problems);
        assert_eq!(result, Ok(vec![vec![0, 1], vec![2]]));
        assert_eq!(problems.count(), 1);
        let summary = problems.summary().unwrap_or_default();
        assert!(summary.contains("package 2"), "{summary}");
    }

    #[test]
    fn rejects_non_rpm_databases() {
        let no_table = database("CREATE TABLE other (x);");
        assert!(
            blobs(&no_table, &mut Problems::default())
                .is_err_and(|e| e.contains("no `Packages` table"))
        );
        // A view that would produce rows forever is refused before any row is read.
        let view = database(
            "CREATE VIEW Packages AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)
             SELECT x AS hnum, zeroblob(1000) AS blob FROM c;",
        );
        assert!(blobs(&view, &mut Problems::default()).is_err_and(|e| e.contains("is a view")));
        // Generated values over the length cap stop the read instead of allocating.
        let generated = database(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY,
                                    blob BLOB GENERATED ALWAYS AS (zeroblob(100000000)) VIRTUAL);
             INSERT INTO Packages (hnum) VALUES (1), (2), (3);",
        );
        let mut problems = Problems::default();
        let read = blobs(&generated, &mut problems);
        assert_eq!(read, Ok(Vec::new()));
        assert!(
            problems.summary().is_some_and(|s| s.contains("stopped")),
            "{problems:?}"
        );
        assert!(blobs(b"", &mut Problems::default()).is_err());
        assert!(blobs(b"SQLite format 3\0", &mut Problems::default()).is_err());
    }

    #[test]
    fn truncated_or_corrupted_databases_do_not_panic() {
        let data = database(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB NOT NULL);
             INSERT INTO Packages (blob) VALUES (zeroblob(5000)), (zeroblob(9000));",
        );
        for cut in [100, 101, 512, 4096, data.len() / 2, data.len() - 1] {
            let _ = blobs(&data[..cut.min(data.len())], &mut Problems::default());
        }
        let mut corrupted = data.clone();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = 100 + (seed as usize % (corrupted.len() - 100));
            corrupted[at] = (seed >> 32) as u8;
            let _ = blobs(&corrupted, &mut Problems::default());
        }
    }
}
