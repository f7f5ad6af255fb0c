//! Images in the local engine, streamed through the Engine API export (`GET /images/{name}/get`, what
//! `docker save` uses). The export is one tar stream: it is parsed as it arrives, each layer read as it
//! passes, small JSON members kept in memory; nothing is written to disk.

use super::ImageRead;
use super::assemble::{Blob, assemble, missing_blob, read_blob};
use super::plan::plan_archive;
use super::store::{MAX_JSON_BYTES, MemStore, Store, member_key};
use crate::digest::digest_of_blob_path;
use crate::error::ImageError;
use crate::model::ReadNote;
use crate::reader::{LayerRead, ReadOptions, read_up_to, symlink_destination};
use crate::visit::LayerVisitor;
use bollard::Docker;
use bytes::Bytes;
use futures_util::StreamExt;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, Read};
use std::rc::Rc;
use std::sync::mpsc::{Receiver, sync_channel};

/// Chunks of the export in flight between the engine connection and the parser.
const CHANNEL_CHUNKS: usize = 16;

fn no_engine(host: &str, e: impl std::fmt::Display) -> ImageError {
    ImageError::Message(format!(
        "cannot reach a Docker engine at {host} ({e}): start one (`sudo systemctl start docker`, or \
         `dockerd &`), or set DOCKER_HOST to a running engine (unix:///path/to/docker.sock, \
         tcp://host:2375); or read a `docker save` tarball instead"
    ))
}

/// The export stream as a blocking reader; the error that ended it, if any, is kept for messages.
struct ChannelReader {
    rx: Receiver<Result<Bytes, String>>,
    chunk: Bytes,
    failure: Rc<RefCell<Option<String>>>,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            match self.rx.recv() {
                Ok(Ok(b)) => self.chunk = b,
                Ok(Err(e)) => {
                    *self.failure.borrow_mut() = Some(e.clone());
                    return Err(io::Error::other(e));
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), self.chunk.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.chunk = self.chunk.slice(n..);
        Ok(n)
    }
}

/// Read an image from the local engine.
pub(crate) fn read<V: LayerVisitor>(
    name: &str,
    opts: &ReadOptions,
    visitor: &V,
) -> Result<ImageRead<V::Output>, ImageError> {
    let host =
        std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ImageError::Message(format!("cannot start the I/O runtime: {e}")))?;
    let docker = Docker::connect_with_defaults().map_err(|e| no_engine(&host, e))?;
    let docker = rt
        .block_on(docker.negotiate_version())
        .map_err(|e| no_engine(&host, e))?;
    let inspect = rt.block_on(docker.inspect_image(name)).map_err(|e| match e {
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        } => ImageError::Message(format!(
            "no such image `{name}` in the local engine: pull or build it first (`docker pull {name}`), \
             or pass a `docker save` tarball"
        )),
        other => ImageError::Message(format!(
            "the engine at {host} could not describe image `{name}`: {other}"
        )),
    })?;
    let diff_ids: Vec<String> = inspect.root_fs.and_then(|r| r.layers).unwrap_or_default();

    let (tx, rx) = sync_channel::<Result<Bytes, String>>(CHANNEL_CHUNKS);
    let export_name = name.to_string();
    let pump = std::thread::spawn(move || {
        rt.block_on(async move {
            let mut stream = docker.export_image(&export_name);
            while let Some(item) = stream.next().await {
                let item = item.map_err(|e| e.to_string());
                let failed = item.is_err();
                if tx.send(item).is_err() || failed {
                    break;
                }
            }
        });
    });
    let failure = Rc::new(RefCell::new(None));
    let reader = ChannelReader {
        rx,
        chunk: Bytes::new(),
        failure: Rc::clone(&failure),
    };
    let parsed = parse_export(name, reader, &diff_ids, opts, visitor, &failure);
    // The reader (and so the receiver) is gone: the pump ends at its next send, if it has not yet.
    let _ = pump.join();
    let (mem, mut layers) = parsed?;

    let mut plan = plan_archive(&mem, opts)?;
    if plan.repo_tags.is_empty() {
        plan.repo_tags = inspect.repo_tags.unwrap_or_default();
    }
    let mut blobs: Vec<Blob<V::Output>> = Vec::with_capacity(plan.layers.len());
    let mut first_use: HashMap<String, usize> = HashMap::new();
    for (i, l) in plan.layers.iter().enumerate() {
        let key = mem.canonical(&l.path);
        let mut blob = if let Some(why) = &l.skip {
            let mut read = LayerRead::empty(i);
            read.complete = false;
            read.notes.push(ReadNote {
                layer: Some(read.info.label()),
                path: None,
                message: why.clone(),
            });
            Blob { read, raw: None }
        } else if let Some(b) = layers.remove(&key) {
            first_use.insert(key, i);
            b
        } else if let Some(&j) = first_use.get(&key) {
            let Some(earlier) = blobs.get(j) else {
                return Err(missing_blob(
                    &mem.describe(),
                    i,
                    &l.path,
                    l.digest.as_deref(),
                ));
            };
            again(earlier, j)
        } else {
            return Err(missing_blob(
                &mem.describe(),
                i,
                &l.path,
                l.digest.as_deref(),
            ));
        };
        blob.read.set_index(i);
        blobs.push(blob);
    }
    Ok(assemble(name, "daemon", plan, blobs))
}

/// A layer the manifest lists twice: the second copy has the same entries; visitor outputs stay with the
/// first.
fn again<T>(earlier: &Blob<T>, first: usize) -> Blob<T> {
    let r = &earlier.read;
    let mut read = LayerRead::empty(r.info.index);
    read.info = r.info.clone();
    read.changes = r.changes.clone();
    read.captured = r.captured.clone();
    read.complete = r.complete;
    read.notes.push(ReadNote {
        layer: Some(read.info.label()),
        path: None,
        message: format!(
            "same blob as layer {}: its files were read once, visitor outputs are filed under layer {}",
            first + 1,
            first + 1
        ),
    });
    Blob {
        read,
        raw: earlier.raw.clone(),
    }
}

type Parsed<T> = (MemStore, HashMap<String, Blob<T>>);

/// Walk the export stream: JSON members into memory, layer blobs through the reader as they pass.
fn parse_export<V: LayerVisitor>(
    name: &str,
    reader: ChannelReader,
    diff_ids: &[String],
    opts: &ReadOptions,
    visitor: &V,
    failure: &Rc<RefCell<Option<String>>>,
) -> Result<Parsed<V::Output>, ImageError> {
    let mut mem = MemStore {
        name: format!("the engine's export of `{name}`"),
        ..MemStore::default()
    };
    let mut layers = HashMap::new();
    let mut arrival = 0usize;
    let stream_error = |e: io::Error| {
        let why = failure.borrow().clone().unwrap_or_else(|| e.to_string());
        ImageError::Message(format!(
            "the engine's export of `{name}` broke off: {why}; check the engine's log and try again"
        ))
    };
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().map_err(stream_error)? {
        let mut entry = entry.map_err(stream_error)?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(key) = member_key(&raw) else {
            continue;
        };
        let link = entry
            .link_name_bytes()
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        match entry.header().entry_type() {
            tar::EntryType::Symlink => {
                if let Some(dest) = link.and_then(|t| symlink_destination(&format!("/{key}"), &t)) {
                    mem.links
                        .insert(key, dest.trim_start_matches('/').to_string());
                }
                continue;
            }
            tar::EntryType::Link => {
                if let Some(dest) = link.and_then(|t| member_key(&t)) {
                    mem.links.insert(key, dest);
                }
                continue;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {}
            _ => continue,
        }
        let size = entry.size();
        let layer_like =
            key.ends_with("/layer.tar") || key == "layer.tar" || key.starts_with("blobs/");
        if !layer_like {
            let small_meta = key.ends_with(".json")
                || key.ends_with("/json")
                || key == "oci-layout"
                || key == "repositories";
            if small_meta && size <= MAX_JSON_BYTES {
                let mut buf = Vec::with_capacity(size as usize);
                (&mut entry)
                    .take(size)
                    .read_to_end(&mut buf)
                    .map_err(stream_error)?;
                mem.files.insert(key, buf);
            }
            continue;
        }
        let mut head = vec![0u8; size.min(512) as usize];
        let n = read_up_to(&mut entry, &mut head).map_err(stream_error)?;
        head.truncate(n);
        let json_like = head
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{');
        if json_like && size <= MAX_JSON_BYTES {
            let mut buf = head;
            entry.read_to_end(&mut buf).map_err(stream_error)?;
            mem.files.insert(key, buf);
            continue;
        }
        // The final order is known from the manifest at the end; an OCI-shaped export names blobs by
        // digest, which for uncompressed layers is the config's diff_id, so their index is known now.
        let index = digest_of_blob_path(&key)
            .and_then(|d| diff_ids.iter().position(|x| *x == d))
            .unwrap_or(arrival);
        arrival += 1;
        let blob = read_blob(
            index,
            io::Cursor::new(head).chain(&mut entry),
            opts,
            visitor,
        )?;
        if let Some(e) = failure.borrow().as_ref() {
            return Err(ImageError::Message(format!(
                "the engine's export of `{name}` broke off: {e}; check the engine's log and try again"
            )));
        }
        layers.insert(key, blob);
    }
    Ok((mem, layers))
}
