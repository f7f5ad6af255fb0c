//! The image configuration blob (Docker `container.image.v1` / OCI `image.config.v1`) read into
//! [`ImageConfig`]. Tolerant: a field of the wrong type is left empty.

use crate::model::{HistoryEntry, ImageConfig};
use serde_json::{Map, Value};

/// Parse a config blob. Fails only when the blob is not a JSON object.
pub(super) fn parse(bytes: &[u8]) -> Result<ImageConfig, String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("the config is not valid JSON: {e}"))?;
    let Value::Object(top) = value else {
        return Err("the config is not a JSON object".into());
    };
    let empty = Map::new();
    let cfg = top
        .get("config")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    Ok(ImageConfig {
        user: string(cfg.get("User")),
        env: strings(cfg.get("Env")),
        exposed_ports: keys(cfg.get("ExposedPorts")),
        entrypoint: strings(cfg.get("Entrypoint")),
        cmd: strings(cfg.get("Cmd")),
        working_dir: string(cfg.get("WorkingDir")),
        labels: cfg
            .get("Labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default(),
        volumes: keys(cfg.get("Volumes")),
        stop_signal: string(cfg.get("StopSignal")),
        healthcheck: cfg
            .get("Healthcheck")
            .and_then(|h| h.get("Test"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            }),
        os: string(top.get("os")),
        architecture: string(top.get("architecture")),
        variant: string(top.get("variant")),
        created: string(top.get("created")),
        history: top
            .get("history")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(history_entry).collect())
            .unwrap_or_default(),
        diff_ids: strings(top.get("rootfs").and_then(|r| r.get("diff_ids"))),
    })
}

fn string(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|s| s.as_str().map(String::from))
            .collect(),
        // A shell-form string where a list belongs: keep it as one word rather than dropping it.
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn keys(v: Option<&Value>) -> Vec<String> {
    let mut k: Vec<String> = v
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
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

/// The history `created_by` of each layer: the non-empty history entries, in order, are the layers.
/// When their count differs from the layer count no layer gets one (the pairing would be a guess) and
/// the returned note says so.
pub(super) fn created_by(
    cfg: &ImageConfig,
    layers: usize,
) -> (Vec<Option<String>>, Option<String>) {
    let steps: Vec<&HistoryEntry> = cfg.history.iter().filter(|h| !h.empty_layer).collect();
    if steps.len() == layers {
        (steps.iter().map(|h| h.created_by.clone()).collect(), None)
    } else if cfg.history.is_empty() {
        (vec![None; layers], None)
    } else {
        (
            vec![None; layers],
            Some(format!(
                "the config history has {} layer-making steps for {layers} layers; layers are shown without the instruction that made them",
                steps.len()
            )),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCKER_CONFIG: &str = r#"{
      "architecture": "amd64", "os": "linux", "created": "2026-11-29T06:00:00Z",
      "config": {
        "User": "app", "Env": ["PATH=/bin", "A=b"], "Cmd": ["/bin/sh"], "Entrypoint": null,
        "WorkingDir": "/srv", "ExposedPorts": {"8080/tcp": {}, "443/tcp": {}},
        "Volumes": {"/data": {}}, "Labels": {"k": "v", "bad": 3}, "StopSignal": "SIGTERM",
        "Healthcheck": {"Test": ["CMD-SHELL", "true"], "Interval": 1000}
      },
      "history": [
        {"created_by": "COPY busybox /bin/busybox"},
        {"created_by": "ENV X=1", "empty_layer": true},
        {"created_by": "RUN x", "comment": "buildkit.dockerfile.v0"}
      ],
      "rootfs": {"type": "layers", "diff_ids": ["sha256:aa", "sha256:bb"]}
    }"#;

    #[test]
    fn reads_the_fields_the_audits_use() {
        let c = parse(DOCKER_CONFIG.as_bytes()).unwrap();
        assert_eq!(c.user.as_deref(), Some("app"));
        assert_eq!(c.env, ["PATH=/bin", "A=b"]);
        assert_eq!(c.cmd, ["/bin/sh"]);
        assert!(c.entrypoint.is_empty());
        assert_eq!(c.working_dir.as_deref(), Some("/srv"));
        assert_eq!(c.exposed_ports, ["443/tcp", "8080/tcp"]);
        assert_eq!(c.volumes, ["/data"]);
        assert_eq!(c.labels.len(), 1);
        assert_eq!(c.stop_signal.as_deref(), Some("SIGTERM"));
        assert_eq!(
            c.healthcheck.as_deref(),
            Some(&["CMD-SHELL".to_string(), "true".to_string()][..])
        );
        assert_eq!(
            (c.os.as_deref(), c.architecture.as_deref()),
            (Some("linux"), Some("amd64"))
        );
        assert_eq!(c.history.len(), 3);
        assert!(c.history[1].empty_layer);
        assert_eq!(c.diff_ids, ["sha256:aa", "sha256:bb"]);
        let (by, note) = created_by(&c, 2);
        assert_eq!(
            by,
            [
                Some("COPY busybox /bin/busybox".to_string()),
                Some("RUN x".to_string())
            ]
        );
        assert!(note.is_none());
        let (by, note) = created_by(&c, 3);
        assert_eq!(by, [None, None, None]);
        assert!(note.unwrap().contains("2 layer-making steps for 3 layers"));
    }

    #[test]
    fn tolerates_odd_shapes_and_rejects_non_objects() {
        let c = parse(br#"{"config": {"User": 0, "Env": "x", "Cmd": "echo hi"}, "history": 5}"#)
            .unwrap();
        assert_eq!(c.user, None);
        assert_eq!(c.env, ["x"]);
        assert_eq!(c.cmd, ["echo hi"]);
        assert!(c.history.is_empty());
        assert_eq!(parse(b"{}").unwrap(), ImageConfig::default());
        assert!(parse(b"[1]").unwrap_err().contains("not a JSON object"));
        assert!(parse(b"{").unwrap_err().contains("not valid JSON"));
    }
}
