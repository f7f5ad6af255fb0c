//! Images pulled from a registry (Docker Registry v2 / OCI distribution) without Docker.
//!
//! The manifest (an image index is resolved to the manifest of [`ReadOptions::platform`]) and the config
//! are fetched whole; each layer blob streams from the registry through a bounded channel into
//! [`crate::reader::read_layer`] on its own thread, several layers at a time, and is verified against
//! its digest and size on the way. Authentication: anonymous, HTTP basic and bearer tokens (the token
//! handshake is oci-client's), with credentials from [`USERNAME_ENV`]/[`PASSWORD_ENV`] or
//! Docker's `config.json` (see [`Login::for_registry`]). Plain HTTP is used for loopback registries
//! (`localhost`, `127.0.0.1`, `[::1]`) and, with [`ReadOptions::insecure_registry`], for any registry,
//! after HTTPS (certificate unchecked) failed, as Docker does for insecure registries.

mod auth;
mod blob;
mod errors;
use super::platform;

pub use auth::{Credentials, Login, PASSWORD_ENV, USERNAME_ENV, docker_config_path};

use super::ImageRead;
use crate::config::{match_history, parse_config};
use crate::error::ImageError;
use crate::model::{Image, ImageConfig, ReadNote};
use crate::reader::{LayerRead, ReadOptions, read_layer, squash};
use crate::visit::LayerVisitor;
use blob::{BlobReader, Verifier};
use errors::{Ctx, Op, describe};
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::manifest::{OciDescriptor, OciImageManifest, OciManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Layers downloaded and read at the same time.
const PARALLEL_LAYERS: usize = 3;
/// The largest config blob accepted.
const MAX_CONFIG_BYTES: u64 = 16 << 20;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// Longest silence of the registry in the middle of a response.
const READ_TIMEOUT: Duration = Duration::from_secs(120);
const USER_AGENT: &str = concat!("bulkhead/", env!("CARGO_PKG_VERSION"));

const DOCKER_CONFIG_MEDIA_TYPE: &str = "application/vnd.docker.container.image.v1+json";
const OCI_CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";

/// Pull `reference` (`127.0.0.1:5000/app:1`, `alpine:3.20`, `ghcr.io/o/r@sha256:...`) with the
/// credentials `docker pull` would use ([`Login::for_registry`]), streaming every layer through `visitor`.
pub fn read<V: LayerVisitor>(
    reference: &str,
    opts: &ReadOptions,
    visitor: &V,
) -> Result<ImageRead<V::Output>, ImageError> {
    let parsed = parse_reference(reference)?;
    let login = Login::for_registry(parsed.resolve_registry());
    read_with_login(reference, opts, visitor, &login)
}

/// [`read`] with the given credentials.
pub fn read_with_login<V: LayerVisitor>(
    reference: &str,
    opts: &ReadOptions,
    visitor: &V,
    login: &Login,
) -> Result<ImageRead<V::Output>, ImageError> {
    let parsed = parse_reference(reference)?;
    install_crypto_provider();
    let run = || pull(reference, &parsed, opts, visitor, login);
    // A runtime cannot be started (or dropped) on a thread that is already inside one.
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| {
            s.spawn(run).join().unwrap_or_else(|_| {
                Err(ImageError::Message(format!(
                    "the pull of {reference} stopped: a reader thread panicked"
                )))
            })
        })
    } else {
        run()
    }
}

/// rustls needs one process-wide provider; ring is the only one built in. An application that installed
/// one already keeps it.
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

fn parse_reference(reference: &str) -> Result<Reference, ImageError> {
    reference.parse::<Reference>().map_err(|e| {
        ImageError::Message(format!(
            "invalid image reference {reference:?}: {e} (expected [registry/]repository[:tag][@digest])"
        ))
    })
}

/// A client that got through `/v2/` (and the token handshake), with what messages need.
struct Session {
    client: Client,
    reference: Reference,
    auth: RegistryAuth,
    ctx: Ctx,
}

/// The image manifest chosen and its config.
struct Target {
    manifest: OciImageManifest,
    manifest_digest: String,
    config: ImageConfig,
    notes: Vec<ReadNote>,
}

fn pull<V: LayerVisitor>(
    user_reference: &str,
    reference: &Reference,
    opts: &ReadOptions,
    visitor: &V,
    login: &Login,
) -> Result<ImageRead<V::Output>, ImageError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bulkhead-registry")
        .enable_all()
        .build()
        .map_err(|e| ImageError::Message(format!("cannot start the network runtime: {e}")))?;
    let session = runtime.block_on(open(reference, opts, login))?;
    let target = runtime.block_on(resolve(&session, opts))?;
    let reads = read_layers(runtime.handle(), &session, &target, opts, visitor)?;
    let (fs, mut layers, outputs, squash_notes) = squash(reads);
    match_history(&target.config, &mut layers);

    let mut notes = target.notes;
    notes.extend(squash_notes);
    let repo_tags = match reference.tag() {
        Some(tag) => vec![format!(
            "{}/{}:{tag}",
            reference.registry(),
            reference.repository()
        )],
        None => Vec::new(),
    };
    let image = Image {
        reference: user_reference.to_string(),
        source_kind: "registry".to_string(),
        id: Some(target.manifest.config.digest.clone()),
        manifest_digest: Some(target.manifest_digest),
        repo_tags,
        config: Some(target.config),
        layers,
        fs,
        notes,
    };
    Ok((image, outputs))
}

fn is_loopback(registry: &str) -> bool {
    let host = if let Some(rest) = registry.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        registry.split(':').next().unwrap_or(registry)
    };
    host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn client(
    protocol: ClientProtocol,
    accept_invalid_certificates: bool,
) -> Result<Client, ImageError> {
    let config = ClientConfig {
        protocol,
        accept_invalid_certificates,
        // Index entries are chosen here, not by the client.
        platform_resolver: None,
        connect_timeout: Some(CONNECT_TIMEOUT),
        read_timeout: Some(READ_TIMEOUT),
        user_agent: USER_AGENT,
        ..ClientConfig::default()
    };
    Client::try_from(config).map_err(|e| {
        ImageError::Message(format!(
            "cannot set up the registry client: {}",
            errors::chain(&e)
        ))
    })
}

/// Connect and authenticate: HTTPS, then, for a loopback or insecure registry whose HTTPS failed at
/// the transport level, plain HTTP.
async fn open(
    reference: &Reference,
    opts: &ReadOptions,
    login: &Login,
) -> Result<Session, ImageError> {
    let registry = reference.resolve_registry().to_string();
    let insecure = opts.insecure_registry || is_loopback(&registry);
    let auth = login.to_oci();
    let mut ctx = Ctx::new(
        reference.registry(),
        &registry,
        reference.repository(),
        &reference.whole(),
        login,
    );
    let https = client(ClientProtocol::Https, insecure)?;
    let first = https.auth(reference, &auth, RegistryOperation::Pull).await;
    let err = match first {
        Ok(_) => {
            return Ok(Session {
                client: https,
                reference: reference.clone(),
                auth,
                ctx,
            });
        }
        Err(e) => e,
    };
    let transport = matches!(
        err,
        oci_client::errors::OciDistributionError::RequestError(_)
    );
    if !(insecure && transport) {
        return Err(ImageError::Message(describe(&err, &ctx, &Op::Connect)));
    }
    ctx.scheme = "http";
    let http = client(ClientProtocol::HttpsExcept(vec![registry]), false)?;
    match http.auth(reference, &auth, RegistryOperation::Pull).await {
        Ok(_) => Ok(Session {
            client: http,
            reference: reference.clone(),
            auth,
            ctx,
        }),
        Err(e) => Err(ImageError::Message(describe(&e, &ctx, &Op::Connect))),
    }
}

/// Fetch the manifest (through the index, if any) and the config.
async fn resolve(session: &Session, opts: &ReadOptions) -> Result<Target, ImageError> {
    let reference = &session.reference;
    let ctx = &session.ctx;
    let message = |m: String| ImageError::Message(m);
    let tag_or_digest = reference
        .digest()
        .or(reference.tag())
        .unwrap_or("latest")
        .to_string();
    let (manifest, digest) = session
        .client
        .pull_manifest(reference, &session.auth)
        .await
        .map_err(|e| message(describe(&e, ctx, &Op::Manifest(tag_or_digest.clone()))))?;
    let mut notes = Vec::new();
    let (manifest, manifest_digest) = match manifest {
        OciManifest::Image(m) => (m, digest),
        OciManifest::ImageIndex(index) => {
            let pick = platform::pick(&index.manifests, opts.platform.as_deref())
                .map_err(|e| message(format!("{}: {e}", ctx.reference)))?;
            if let Some(fallback) = pick.fallback {
                notes.push(note(format!("{}: {fallback}", ctx.reference)));
            }
            let by_digest = reference.clone_with_digest(pick.digest.clone());
            let (inner, inner_digest) = session
                .client
                .pull_manifest(&by_digest, &session.auth)
                .await
                .map_err(|e| message(describe(&e, ctx, &Op::Manifest(pick.digest.clone()))))?;
            match inner {
                OciManifest::Image(m) => (m, inner_digest),
                OciManifest::ImageIndex(_) => {
                    return Err(message(format!(
                        "{}: the index entry {} is itself an index; nested indexes are not read",
                        ctx.reference, pick.digest
                    )));
                }
            }
        }
    };
    check_media_types(&manifest, &ctx.reference)?;
    let config_bytes = blob::fetch_small(
        &session.client,
        reference,
        &manifest.config,
        "config",
        MAX_CONFIG_BYTES,
        ctx,
    )
    .await
    .map_err(message)?;
    let config = parse_config(&config_bytes).map_err(|e| {
        message(format!(
            "{}: config blob {}: {e}",
            ctx.reference, manifest.config.digest
        ))
    })?;
    if let Some(asked) = opts.platform.as_deref() {
        notes.extend(platform_mismatch(asked, &config, &ctx.reference));
    }
    if !config.diff_ids.is_empty() && config.diff_ids.len() != manifest.layers.len() {
        notes.push(note(format!(
            "{}: the config lists {} layer diff ids for the manifest's {} layers",
            ctx.reference,
            config.diff_ids.len(),
            manifest.layers.len()
        )));
    }
    Ok(Target {
        manifest,
        manifest_digest,
        config,
        notes,
    })
}

fn note(message: String) -> ReadNote {
    ReadNote {
        layer: None,
        path: None,
        message,
    }
}

/// A single-platform image read with a platform asked for that is not its own.
pub(crate) fn platform_mismatch(
    asked: &str,
    config: &ImageConfig,
    reference: &str,
) -> Option<ReadNote> {
    let wanted = platform::Platform::parse(asked).ok()?;
    let have = platform::Platform::new(
        config.os.as_deref()?,
        config.architecture.as_deref()?,
        config.variant.as_deref(),
    );
    (have.os != wanted.os || have.arch != wanted.arch).then(|| {
        note(format!(
            "{reference}: platform {wanted} was asked for, but the image is {have} only"
        ))
    })
}

/// Refuse artifacts that are not container images (Helm charts, signatures, encrypted layers).
fn check_media_types(manifest: &OciImageManifest, reference: &str) -> Result<(), ImageError> {
    let config_type = manifest.config.media_type.as_str();
    if config_type != DOCKER_CONFIG_MEDIA_TYPE && config_type != OCI_CONFIG_MEDIA_TYPE {
        return Err(ImageError::Message(format!(
            "{reference} is not a container image: its config has media type {config_type} (an OCI artifact?)"
        )));
    }
    for (i, layer) in manifest.layers.iter().enumerate() {
        let t = layer.media_type.as_str();
        if t.contains("+encrypted") {
            return Err(ImageError::Message(format!(
                "{reference}: layer {} ({}) is encrypted ({t}); encrypted images cannot be read",
                i + 1,
                layer.digest
            )));
        }
        let tar = t.starts_with("application/vnd.oci.image.layer.")
            || t.starts_with("application/vnd.docker.image.rootfs.");
        if !tar {
            return Err(ImageError::Message(format!(
                "{reference} is not a container image: layer {} ({}) has media type {t}",
                i + 1,
                layer.digest
            )));
        }
    }
    Ok(())
}

/// Read every layer, [`PARALLEL_LAYERS`] at a time: each on a thread of its own, fed by a download task
/// on the runtime. The first failing layer (lowest index) fails the read; the others stop early.
fn read_layers<V: LayerVisitor>(
    handle: &tokio::runtime::Handle,
    session: &Session,
    target: &Target,
    opts: &ReadOptions,
    visitor: &V,
) -> Result<Vec<LayerRead<V::Output>>, ImageError> {
    let layers = &target.manifest.layers;
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    type Slot<T> = Option<Result<LayerRead<T>, ImageError>>;
    let slots: Mutex<Vec<Slot<V::Output>>> = Mutex::new((0..layers.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..layers.len().clamp(1, PARALLEL_LAYERS) {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(descriptor) = layers.get(i) else {
                        break;
                    };
                    let result = read_one(handle, session, i, descriptor, opts, visitor);
                    if result.is_err() {
                        stop.store(true, Ordering::Relaxed);
                    }
                    let mut slots = slots.lock().unwrap_or_else(|p| p.into_inner());
                    if let Some(slot) = slots.get_mut(i) {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    let slots = slots.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut reads = Vec::with_capacity(slots.len());
    let mut first_error = None;
    for (i, slot) in slots.into_iter().enumerate() {
        match slot {
            Some(Ok(mut read)) => {
                let old_label = read.info.label();
                if let Some(d) = layers.get(i) {
                    read.info.digest = Some(d.digest.clone());
                    read.info.media_type = Some(d.media_type.clone());
                    read.info.size = u64::try_from(d.size).ok();
                }
                read.info.diff_id = target.config.diff_ids.get(i).cloned();
                // An uncompressed blob is its own diff: the verified digest must be the diff id.
                if read.info.compression == "none"
                    && let (Some(digest), Some(diff_id)) = (&read.info.digest, &read.info.diff_id)
                    && digest != diff_id
                {
                    read.notes.push(ReadNote {
                        layer: Some(old_label.clone()),
                        path: None,
                        message: format!(
                            "the uncompressed layer hashes to {digest}, not to the config's diff_id {diff_id}"
                        ),
                    });
                }
                read.relabel_notes(&old_label);
                reads.push(read);
            }
            Some(Err(e)) => {
                first_error.get_or_insert(e);
            }
            None => {}
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    if reads.len() != layers.len() {
        return Err(ImageError::Message(format!(
            "{}: only {} of {} layers were read",
            session.ctx.reference,
            reads.len(),
            layers.len()
        )));
    }
    Ok(reads)
}

/// Stream one layer blob into the layer reader, then verify what was not read.
fn read_one<V: LayerVisitor>(
    handle: &tokio::runtime::Handle,
    session: &Session,
    index: usize,
    descriptor: &OciDescriptor,
    opts: &ReadOptions,
    visitor: &V,
) -> Result<LayerRead<V::Output>, ImageError> {
    let what = format!("layer {}", index + 1);
    let verifier = Verifier::new(&descriptor.digest, descriptor.size, &what, None)
        .map_err(|e| ImageError::Message(format!("{}: {e}", session.ctx.reference)))?;
    let (tx, rx) = tokio::sync::mpsc::channel(blob::CHANNEL_CHUNKS);
    let task = handle.spawn(blob::download(
        session.client.clone(),
        session.reference.clone(),
        descriptor.clone(),
        session.ctx.clone(),
        tx,
    ));
    let mut reader = BlobReader::new(rx, verifier);
    let result = read_layer(index, &mut reader, opts, visitor);
    // Also after a failed read: a blob that fails verification explains a broken layer best.
    let verdict = reader.finish();
    drop(reader);
    task.abort();
    match (result, verdict) {
        (_, Err(problem)) => Err(ImageError::Message(format!(
            "{}: {problem}",
            session.ctx.reference
        ))),
        (Err(e), Ok(())) => Err(e),
        (Ok(read), Ok(())) => Ok(read),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registries() {
        for r in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5000",
            "127.1.2.3",
            "[::1]:5000",
            "reg.localhost:1",
        ] {
            assert!(is_loopback(r), "{r}");
        }
        for r in [
            "docker.io",
            "10.0.0.1:5000",
            "localhost.example.com",
            "[2001:db8::1]:5000",
        ] {
            assert!(!is_loopback(r), "{r}");
        }
    }

    #[test]
    fn bad_references_are_explained() {
        let err = parse_reference("has space:1").unwrap_err().to_string();
        assert!(
            err.contains("invalid image reference \"has space:1\""),
            "{err}"
        );
    }

    #[test]
    fn connection_refused_says_where() {
        // Port 9 (discard) on loopback: nothing listens there on a test machine.
        let err = read_with_login(
            "127.0.0.1:9/nothing/here:1",
            &ReadOptions::default(),
            &(),
            &Login::anonymous(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("is the registry running at 127.0.0.1:9?"),
            "{err}"
        );
        assert!(err.contains("http://127.0.0.1:9/v2/"), "{err}");
    }

    #[test]
    fn works_from_inside_a_runtime() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let err = rt.block_on(async {
            read_with_login(
                "127.0.0.1:9/x:1",
                &ReadOptions::default(),
                &(),
                &Login::anonymous(),
            )
        });
        assert!(
            err.unwrap_err()
                .to_string()
                .contains("is the registry running")
        );
    }
}
