//! The `[files] directory`, where voicemail files live: written here (streamed, under a
//! temporary name, then renamed), served from here, and removed through the domain's
//! `FileStore` port.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use async_trait::async_trait;
use flexiapi_domain::ports::FileStore;
use tokio::io::{AsyncRead, ReadBuf};

/// Default largest upload, in bytes.
pub const DEFAULT_MAX_UPLOAD_SIZE: u64 = 10 * 1024 * 1024;

/// Where files go, and how large one may be.
#[derive(Debug, Clone)]
pub struct LocalFiles {
    pub directory: PathBuf,
    /// Bytes.
    pub max_upload_size: u64,
}

impl LocalFiles {
    pub fn new(directory: impl Into<PathBuf>, max_upload_size: u64) -> Self {
        Self {
            directory: directory.into(),
            max_upload_size,
        }
    }

    /// Creates the directory (owner only: 0700) unless it exists.
    ///
    /// # Errors
    /// I/O failures.
    pub async fn ensure_directory(&self) -> std::io::Result<()> {
        let mut builder = tokio::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        builder.mode(0o700);
        builder.create(&self.directory).await
    }

    /// The path of stored file `name` (names are built from UUIDs: no separator can appear).
    pub fn path(&self, name: &str) -> PathBuf {
        self.directory.join(name)
    }

    /// Removes the files of the directory last modified before `cutoff` (temporary ones too);
    /// returns how many. A directory not created yet holds nothing.
    ///
    /// # Errors
    /// I/O failures reading the directory or removing a file.
    pub async fn remove_older_than(&self, cutoff: std::time::SystemTime) -> std::io::Result<u64> {
        let mut entries = match tokio::fs::read_dir(&self.directory).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut removed = 0;
        while let Some(entry) = entries.next_entry().await? {
            let meta = entry.metadata().await?;
            if meta.is_file() && meta.modified()? < cutoff {
                match tokio::fs::remove_file(entry.path()).await {
                    Ok(()) => removed += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(removed)
    }

    /// A fresh temporary path for an upload in progress: hidden, and unique per upload.
    pub fn temporary_path(&self, name: &str, unique: &str) -> PathBuf {
        self.directory.join(format!(".{name}.{unique}.part"))
    }
}

#[async_trait]
impl FileStore for LocalFiles {
    async fn remove(&self, name: &str) {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return;
        }
        match tokio::fs::remove_file(self.path(name)).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(error = %e, file = name, "cannot remove a voicemail file"),
        }
    }

    async fn read(&self, name: &str) -> Option<Vec<u8>> {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return None;
        }
        match tokio::fs::read(self.path(name)).await {
            Ok(data) => Some(data),
            Err(e) => {
                tracing::warn!(error = %e, file = name, "cannot read a voicemail file");
                None
            }
        }
    }
}

/// A file being written: removed when dropped unless [`PartFile::keep`] was called, so that an
/// upload cut at any point (the client gone, the request future dropped) leaves nothing.
pub struct PartFile {
    path: PathBuf,
    kept: bool,
}

impl PartFile {
    pub fn new(path: PathBuf) -> Self {
        Self { path, kept: false }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file was renamed away: nothing to remove.
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.kept {
            // Synchronous: a drop cannot await, and the file may be all that is left to do.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A reader that ends after `left` bytes, noting in `over` that more came: it bounds a request
/// body that is streamed rather than buffered.
pub struct Capped<R> {
    inner: R,
    left: u64,
    pub over: Arc<AtomicBool>,
}

impl<R> Capped<R> {
    pub fn new(inner: R, limit: u64) -> Self {
        Self {
            inner,
            left: limit,
            over: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Capped<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.left == 0 {
            // One byte more tells a body of exactly the limit from a longer one.
            let mut probe = [0u8; 1];
            let mut probe_buf = ReadBuf::new(&mut probe);
            return match Pin::new(&mut self.inner).poll_read(cx, &mut probe_buf) {
                Poll::Ready(Ok(())) => {
                    if !probe_buf.filled().is_empty() {
                        self.over.store(true, Ordering::Relaxed);
                    }
                    Poll::Ready(Ok(()))
                }
                other => other,
            };
        }
        let room = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.remaining())
            .min(16 * 1024);
        let mut chunk = [0u8; 16 * 1024];
        let mut limited = ReadBuf::new(&mut chunk[..room]);
        let polled = Pin::new(&mut self.inner).poll_read(cx, &mut limited);
        let n = limited.filled().len();
        buf.put_slice(limited.filled());
        self.left -= n as u64;
        polled
    }
}
