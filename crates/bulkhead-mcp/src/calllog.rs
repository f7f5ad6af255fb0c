//! Every tool call, logged: one JSON line per call with the tool, its arguments (secrets redacted, long
//! inline content shortened), how long it took and how it ended. Standard error by default (never
//! standard output: in stdio mode that is the protocol's channel), or a file.

use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

/// Longest argument string logged as is.
const MAX_LOGGED_STRING: usize = 256;

/// Where call records go.
pub struct CallLog {
    sink: Mutex<Box<dyn Write + Send>>,
}

impl CallLog {
    /// Records to standard error.
    pub fn stderr() -> CallLog {
        CallLog {
            sink: Mutex::new(Box::new(std::io::stderr())),
        }
    }

    /// Records appended to `path`.
    pub fn file(path: &Path) -> Result<CallLog, String> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| {
                format!(
                    "--log-file {}: cannot open for appending: {e}",
                    path.display()
                )
            })?;
        Ok(CallLog {
            sink: Mutex::new(Box::new(f)),
        })
    }

    /// Logs one call.
    pub fn record(&self, tool: &str, args: &Value, millis: u128, outcome: &str) {
        let mut args = args.clone();
        if let Value::Object(m) = &mut args {
            // Arguments left at their defaults say nothing.
            m.retain(|_, v| !v.is_null());
        }
        shorten(&mut args);
        crate::redact::value(&mut args);
        let line = json!({
            "ts": bulkhead_core::time::now_rfc3339(),
            "event": "tool_call",
            // A refused call's name and outcome can echo what the client sent.
            "tool": crate::redact::text(tool),
            "arguments": args,
            "ms": millis,
            "outcome": crate::redact::text(outcome),
        });
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        // A log that cannot be written must not take the server down.
        let _ = writeln!(sink, "{line}");
        let _ = sink.flush();
    }
}

/// Inline files (`content`: Dockerfiles, compose files, whatever their size) and other long strings are
/// logged by size, not content: a file's secrets can take shapes no line redaction knows.
fn shorten(v: &mut Value) {
    match v {
        Value::String(s) if s.len() > MAX_LOGGED_STRING => {
            *s = format!("<{} bytes>", s.len());
        }
        Value::Array(a) => a.iter_mut().for_each(shorten),
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match x {
                    Value::String(s) if k == "content" => *s = format!("<{} bytes>", s.len()),
                    other => shorten(other),
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_json_lines_without_secrets_or_long_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calls.log");
        let log = CallLog::file(&path).unwrap();
        log.record(
            "bulkhead_checkDockerfile",
            &json!({"content": "FROM x\n".repeat(100), "note": "DB_PASSWORD=planted-secret-1"}),
            12,
            "ok",
        );
        log.record(
            "docker_listContainers",
            &json!({}),
            3,
            "error: engine unreachable",
        );
        log.record(
            "bulkhead_checkDockerfile",
            &json!({"content": "FROM x\nENV DB_PASSWORD dfspace888\n"}),
            1,
            "ok",
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2]["arguments"]["content"], "<34 bytes>");
        assert!(!text.contains("dfspace888"), "{text}");
        assert_eq!(lines[0]["tool"], "bulkhead_checkDockerfile");
        assert_eq!(lines[0]["arguments"]["content"], "<700 bytes>");
        assert!(!text.contains("planted-secret-1"), "{text}");
        assert_eq!(lines[1]["outcome"], "error: engine unreachable");
    }
}
