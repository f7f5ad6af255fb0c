//! Images in the local engine, streamed through the Engine API export (`GET /images/{name}/get`, what
//! `docker save` uses). The export is one tar stream: it is parsed as it arrives, each layer read as it
//! passes, small JSON members kept in memory; nothing is written to disk.

use super::ImageRead;
use super::stream::{Hints, read_stream};
use crate::error::ImageError;
use crate::reader::ReadOptions;
use crate::visit::LayerVisitor;
use bollard::Docker;
use bytes::Bytes;
use futures_util::StreamExt;
use std::cell::RefCell;
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
    let hints = Hints {
        diff_ids,
        repo_tags: inspect.repo_tags.unwrap_or_default(),
        kind: "daemon",
    };
    let what = format!("the engine's export of `{name}`");
    let read = read_stream(name, &what, reader, hints, opts, visitor, &failure);
    // The reader (and so the receiver) is gone: the pump ends at its next send, if it has not yet.
    let _ = pump.join();
    read
}
