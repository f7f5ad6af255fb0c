//! From a source's index and manifests to a plan: which config, which layer blobs in which order.
//! Handles OCI image indexes (multi-platform, nested), OCI and Docker v2 manifests, and the
//! `manifest.json` of `docker save`.

use super::platform::Platform;
use super::store::{MAX_JSON_BYTES, Store};
use crate::digest::{blob_path, digest_of_blob_path, sha256_digest};
use crate::error::ImageError;
use crate::model::ReadNote;
use crate::reader::ReadOptions;
use serde_json::Value;

/// One layer to read.
#[derive(Debug, Clone)]
pub(crate) struct LayerRef {
    /// Store path of the blob (`blobs/sha256/<hex>`, `<id>/layer.tar`).
    pub path: String,
    /// Digest of the stored blob, when the manifest gives one.
    pub digest: Option<String>,
    pub media_type: Option<String>,
    pub size: Option<u64>,
    /// Why this layer is not read (foreign or encrypted layer), when it is not.
    pub skip: Option<String>,
}

/// What to read.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub manifest_digest: Option<String>,
    pub repo_tags: Vec<String>,
    /// The config bytes and their digest (the image id).
    pub config: Option<(Vec<u8>, String)>,
    pub layers: Vec<LayerRef>,
    pub notes: Vec<ReadNote>,
}

impl Plan {
    fn note(&mut self, message: String) {
        self.notes.push(ReadNote {
            layer: None,
            path: None,
            message,
        });
    }
}

fn json(store: &dyn Store, path: &str, what: &str) -> Result<Option<(Vec<u8>, Value)>, ImageError> {
    let Some(bytes) = store.read_small(path, MAX_JSON_BYTES)? else {
        return Ok(None);
    };
    let v = serde_json::from_slice(&bytes).map_err(|e| {
        ImageError::Message(format!(
            "{}: {path} ({what}) is not valid JSON: {e}",
            store.describe()
        ))
    })?;
    Ok(Some((bytes, v)))
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Read a blob named by a descriptor, checking its digest.
fn blob(
    store: &dyn Store,
    plan: &mut Plan,
    digest: &str,
    what: &str,
) -> Result<(Vec<u8>, Value), ImageError> {
    let path = blob_path(digest).ok_or_else(|| {
        ImageError::Message(format!(
            "{}: {what} digest `{digest}` is malformed (expected `sha256:<64 hex digits>`)",
            store.describe()
        ))
    })?;
    let (bytes, v) = json(store, &path, what)?.ok_or_else(|| {
        ImageError::Message(format!(
            "{}: the {what} blob {digest} is missing ({path} not found): the image is incomplete; export or copy it again",
            store.describe()
        ))
    })?;
    if digest.starts_with("sha256:") {
        let got = sha256_digest(&bytes);
        if got != digest {
            plan.note(format!(
                "the {what} blob {digest} hashes to {got}: it is corrupt or was replaced"
            ));
        }
    }
    Ok((bytes, v))
}

fn platform_of(desc: &Value) -> Option<(String, String, Option<String>)> {
    let p = desc.get("platform")?;
    Some((
        str_of(p, "os")?.to_string(),
        str_of(p, "architecture")?.to_string(),
        str_of(p, "variant").map(str::to_string),
    ))
}

fn platform_text(p: &(String, String, Option<String>)) -> String {
    match &p.2 {
        Some(v) => format!("{}/{}/{v}", p.0, p.1),
        None => format!("{}/{}", p.0, p.1),
    }
}

fn is_attestation(desc: &Value) -> bool {
    desc.get("annotations")
        .and_then(|a| a.get("vnd.docker.reference.type"))
        .and_then(Value::as_str)
        == Some("attestation-manifest")
        || platform_of(desc).is_some_and(|p| p.0 == "unknown")
}

/// Pick a manifest from an index's `manifests`: the requested platform, else the host's, else the first
/// (attestation manifests are never picked). `where_` names the source in messages.
pub(crate) fn choose<'a>(
    manifests: &'a [Value],
    opts: &ReadOptions,
    plan: &mut Plan,
    where_: &str,
) -> Result<&'a Value, ImageError> {
    let mut candidates: Vec<&Value> = manifests.iter().filter(|d| !is_attestation(d)).collect();
    if candidates.is_empty() {
        candidates = manifests.iter().collect();
    }
    let Some(first) = candidates.first().copied() else {
        return Err(ImageError::Message(format!(
            "{where_}: the image index lists no manifests"
        )));
    };
    let available = || {
        candidates
            .iter()
            .filter_map(|d| platform_of(d).map(|p| platform_text(&p)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // Platform names compared normalized (`aarch64` = `arm64`, `arm64/v8` = `arm64`, `x86_64` = `amd64`),
    // as the registry source compares them.
    let (wanted, explicit) = match &opts.platform {
        Some(p) => (
            Platform::parse(p).map_err(|e| ImageError::Message(format!("--platform: {e}")))?,
            true,
        ),
        None => (Platform::host(), false),
    };
    let matches = |d: &&&Value| {
        platform_of(d).is_some_and(|p| {
            let p = Platform::new(&p.0, &p.1, p.2.as_deref());
            p.os == wanted.os
                && p.arch == wanted.arch
                && (wanted.variant.is_none() || p.variant == wanted.variant)
        })
    };
    if let Some(d) = candidates.iter().find(matches) {
        return Ok(*d);
    }
    let any_platform = candidates.iter().any(|d| platform_of(d).is_some());
    if explicit && any_platform {
        return Err(ImageError::Message(format!(
            "{where_}: no {} image in the index; it has: {}. Pick one of those platforms",
            opts.platform.as_deref().unwrap_or_default(),
            available()
        )));
    }
    if any_platform {
        let p = platform_of(first)
            .map(|p| platform_text(&p))
            .unwrap_or_default();
        plan.note(format!(
            "no {wanted} image in the index (it has: {}); read the first one ({p}); choose another with a platform option",
            available()
        ));
    } else if candidates.len() > 1 {
        plan.note(format!(
            "the index lists {} images; read the first ({})",
            candidates.len(),
            ref_name(first).unwrap_or_else(|| str_of(first, "digest").unwrap_or("?").to_string())
        ));
    }
    Ok(first)
}

/// The image name an index descriptor carries (`io.containerd.image.name`, else the OCI ref name).
fn ref_name(desc: &Value) -> Option<String> {
    let a = desc.get("annotations")?;
    str_of(a, "io.containerd.image.name")
        .or_else(|| str_of(a, "org.opencontainers.image.ref.name"))
        .map(str::to_string)
}

fn matches_reference(desc: &Value, reference: &str) -> bool {
    let Some(a) = desc.get("annotations") else {
        return false;
    };
    let ref_name = str_of(a, "org.opencontainers.image.ref.name");
    let image_name = str_of(a, "io.containerd.image.name");
    ref_name == Some(reference)
        || image_name == Some(reference)
        || image_name.is_some_and(|n| n.rsplit_once(':').is_some_and(|(_, tag)| tag == reference))
}

/// Plan an OCI layout (a directory, or the OCI shape of a `docker save` archive).
pub(crate) fn plan_oci(
    store: &dyn Store,
    reference: Option<&str>,
    opts: &ReadOptions,
) -> Result<Plan, ImageError> {
    let mut plan = Plan::default();
    let where_ = store.describe();
    let (_, index) = json(store, "index.json", "image index")?.ok_or_else(|| {
        ImageError::Message(format!(
            "{where_}: no index.json: this is not an OCI image layout"
        ))
    })?;
    let manifests = index
        .get("manifests")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let top = match reference {
        Some(r) => manifests
            .iter()
            .find(|d| matches_reference(d, r))
            .ok_or_else(|| {
                let names: Vec<String> = manifests.iter().filter_map(ref_name).collect();
                ImageError::Message(format!(
                    "{where_}: no image named `{r}` in index.json; it has: {}",
                    if names.is_empty() {
                        "no named images".to_string()
                    } else {
                        names.join(", ")
                    }
                ))
            })?,
        None => choose(&manifests, opts, &mut plan, &where_)?,
    };
    if let Some(name) = ref_name(top) {
        plan.repo_tags.push(name);
    }
    let mut desc = top.clone();
    for _ in 0..4 {
        let digest = str_of(&desc, "digest").unwrap_or_default().to_string();
        let (_, doc) = blob(store, &mut plan, &digest, "manifest")?;
        if let Some(list) = doc.get("manifests").and_then(Value::as_array) {
            desc = choose(list, opts, &mut plan, &where_)?.clone();
            continue;
        }
        plan.manifest_digest = Some(digest);
        return finish_manifest(store, plan, &doc);
    }
    Err(ImageError::Message(format!(
        "{where_}: image indexes nest more than 4 deep: refusing to follow further"
    )))
}

/// Complete `plan` from an image manifest (OCI or Docker v2): its config blob is read from `store`
/// (digest checked), its layer descriptors become [`LayerRef`]s.
pub(crate) fn finish_manifest(
    store: &dyn Store,
    mut plan: Plan,
    doc: &Value,
) -> Result<Plan, ImageError> {
    let where_ = store.describe();
    let config_digest = doc
        .get("config")
        .and_then(|c| str_of(c, "digest"))
        .ok_or_else(|| {
            ImageError::Message(format!(
                "{where_}: the manifest has no config descriptor: not an image manifest"
            ))
        })?
        .to_string();
    let (config_bytes, _) = blob(store, &mut plan, &config_digest, "config")?;
    let id = sha256_digest(&config_bytes);
    plan.config = Some((config_bytes, id));
    let layers = doc
        .get("layers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, l) in layers.iter().enumerate() {
        let digest = str_of(l, "digest").unwrap_or_default().to_string();
        let path = blob_path(&digest).ok_or_else(|| {
            ImageError::Message(format!(
                "{where_}: layer {} digest `{digest}` is malformed (expected `sha256:<64 hex digits>`)",
                i + 1
            ))
        })?;
        let media_type = str_of(l, "mediaType").map(str::to_string);
        let mt = media_type.as_deref().unwrap_or_default();
        let skip = if mt.contains("encrypted") {
            Some(format!("layer {} is encrypted ({mt}): not read", i + 1))
        } else if (mt.contains("foreign") || mt.contains("nondistributable")) && !store.has(&path) {
            Some(format!(
                "layer {} is a foreign layer ({mt}) whose blob is not in the image: not read",
                i + 1
            ))
        } else {
            None
        };
        plan.layers.push(LayerRef {
            path,
            digest: Some(digest),
            media_type,
            size: l.get("size").and_then(Value::as_u64),
            skip,
        });
    }
    Ok(plan)
}

/// Plan the legacy shape of a `docker save` archive from its `manifest.json` (the first image in it).
pub(crate) fn plan_docker(store: &dyn Store) -> Result<Plan, ImageError> {
    let mut plan = Plan::default();
    let where_ = store.describe();
    let (_, manifest) = json(store, "manifest.json", "docker save manifest")?.ok_or_else(|| {
        ImageError::Message(format!(
            "{where_}: neither manifest.json nor index.json: not a docker save archive"
        ))
    })?;
    let images = manifest.as_array().cloned().unwrap_or_default();
    let Some(first) = images.first() else {
        return Err(ImageError::Message(format!(
            "{where_}: manifest.json lists no image"
        )));
    };
    if images.len() > 1 {
        let others: Vec<String> = images
            .iter()
            .skip(1)
            .map(|i| tags(i).join(" ").trim().to_string())
            .collect();
        plan.note(format!(
            "the archive holds {} images; read the first ({}); the others: {}",
            images.len(),
            tags(first).join(" "),
            others.join(", ")
        ));
    }
    plan.repo_tags = tags(first);
    let config_path = str_of(first, "Config")
        .ok_or_else(|| ImageError::Message(format!("{where_}: manifest.json names no Config")))?;
    let (config_bytes, _) = json(store, config_path, "config")?.ok_or_else(|| {
        ImageError::Message(format!(
            "{where_}: the config {config_path} named by manifest.json is missing: the archive is incomplete; save it again"
        ))
    })?;
    let id = sha256_digest(&config_bytes);
    plan.config = Some((config_bytes, id));
    for l in first
        .get("Layers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(path) = l.as_str() else { continue };
        plan.layers.push(LayerRef {
            path: path.trim_start_matches("./").to_string(),
            digest: digest_of_blob_path(path),
            media_type: None,
            size: None,
            skip: None,
        });
    }
    Ok(plan)
}

fn tags(image: &Value) -> Vec<String> {
    image
        .get("RepoTags")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Plan a `docker save` archive of either shape: the OCI index when there is one (Docker 25 and later),
/// with the tags of `manifest.json`; else `manifest.json` alone.
pub(crate) fn plan_archive(store: &dyn Store, opts: &ReadOptions) -> Result<Plan, ImageError> {
    if !store.has("index.json") {
        return plan_docker(store);
    }
    let mut plan = plan_oci(store, None, opts)?;
    if let Ok(Some((_, manifest))) = json(store, "manifest.json", "docker save manifest") {
        let config_path = plan
            .config
            .as_ref()
            .and_then(|(_, id)| blob_path(id))
            .unwrap_or_default();
        if let Some(entry) = manifest.as_array().and_then(|images| {
            images.iter().find(|i| {
                str_of(i, "Config").map(|c| c.trim_start_matches("./")) == Some(&config_path)
            })
        }) {
            let t = tags(entry);
            if !t.is_empty() {
                plan.repo_tags = t;
            }
        }
    }
    Ok(plan)
}
