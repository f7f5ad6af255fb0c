//! The image configuration (Docker `<id>.json` / OCI config blob), read tolerantly.
//!
//! Fields are taken one by one from the JSON tree instead of through one derived struct: a field with an
//! unexpected type (`"Cmd": null`, `"Entrypoint": "sh"`) loses only that field, never the whole config.

use crate::model::{HistoryEntry, ImageConfig, LayerInfo};
use serde_json::{Map, Value};

/// Parse an image configuration. Errors only when the bytes are not a JSON object.
pub fn parse_config(bytes: &[u8]) -> Result<ImageConfig, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let top = v
        .as_object()
        .ok_or_else(|| "not a JSON object".to_string())?;
    let empty = Map::new();
    let c = top
        .get("config")
        .and_then(Value::as_object)
        .or_else(|| top.get("container_config").and_then(Value::as_object))
        .unwrap_or(&empty);
    Ok(ImageConfig {
        user: string(c.get("User")),
        env: strings(c.get("Env")),
        exposed_ports: keys(c.get("ExposedPorts")),
        entrypoint: strings(c.get("Entrypoint")),
        cmd: strings(c.get("Cmd")),
        working_dir: string(c.get("WorkingDir")),
        labels: c
            .get("Labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                        (k.clone(), v)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        volumes: keys(c.get("Volumes")),
        stop_signal: string(c.get("StopSignal")),
        healthcheck: c
            .get("Healthcheck")
            .and_then(|h| h.get("Test"))
            .filter(|t| !t.is_null())
            .map(|t| strings(Some(t))),
        os: string(top.get("os")),
        architecture: string(top.get("architecture")),
        variant: string(top.get("variant")),
        created: string(top.get("created")),
        history: top
            .get("history")
            .and_then(Value::as_array)
            .map(|h| h.iter().map(history_entry).collect())
            .unwrap_or_default(),
        diff_ids: strings(top.get("rootfs").and_then(|r| r.get("diff_ids"))),
    })
}

fn history_entry(v: &Value) -> HistoryEntry {
    HistoryEntry {
        created: string(v.get("created")),
        created_by: string(v.get("created_by")),
        comment: string(v.get("comment")),
        empty_layer: v
            .get("empty_layer")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    }
}

/// A non-empty string.
fn string(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// An array of strings (non-strings skipped); a lone string is a one-element list.
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// The keys of an object (`ExposedPorts`, `Volumes`).
fn keys(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Fill each layer's `created_by` (and `diff_id` when missing) from the config: the n-th history entry
/// that is not `empty_layer` made the n-th layer.
pub fn match_history(config: &ImageConfig, layers: &mut [LayerInfo]) {
    let mut made = config.history.iter().filter(|h| !h.empty_layer);
    for layer in layers.iter_mut() {
        if let Some(h) = made.next() {
            layer.created_by = h.created_by.clone();
        }
    }
    for (layer, diff_id) in layers.iter_mut().zip(&config.diff_ids) {
        if layer.diff_id.is_none() {
            layer.diff_id = Some(diff_id.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerant_config() {
        let c = parse_config(
            br#"{"architecture":"amd64","os":"linux","config":{"User":"app","Env":["A=1",2],
            "Cmd":null,"Entrypoint":"sh","ExposedPorts":{"80/tcp":{}},"Labels":{"a":"b","n":3},
            "Volumes":null,"Healthcheck":{"Test":["CMD","true"]},"StopSignal":"SIGTERM","WorkingDir":""},
            "history":[{"created_by":"ADD x"},{"created_by":"ENV a=b","empty_layer":true},{"created_by":"RUN y"}],
            "rootfs":{"type":"layers","diff_ids":["sha256:a","sha256:b"]}}"#,
        )
        .unwrap();
        assert_eq!(c.user.as_deref(), Some("app"));
        assert_eq!(c.env, vec!["A=1"]);
        assert!(c.cmd.is_empty());
        assert_eq!(c.entrypoint, vec!["sh"]);
        assert_eq!(c.exposed_ports, vec!["80/tcp"]);
        assert_eq!(c.labels.get("n").map(String::as_str), Some("3"));
        assert!(c.volumes.is_empty());
        assert_eq!(c.working_dir, None);
        assert_eq!(c.healthcheck, Some(vec!["CMD".into(), "true".into()]));
        let mut layers = vec![LayerInfo::default(), LayerInfo::default()];
        match_history(&c, &mut layers);
        assert_eq!(layers[1].created_by.as_deref(), Some("RUN y"));
        assert_eq!(layers[1].diff_id.as_deref(), Some("sha256:b"));
        assert!(parse_config(b"[1]").is_err());
        assert!(parse_config(b"{").is_err());
    }
}
