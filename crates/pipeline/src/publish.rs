//! Writing files so that a reader polling `*.xml` never sees a partial one: a hidden
//! temporary name in the same folder, fsync, then an atomic link or rename, then fsync of
//! the folder so the new name survives a power cut.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written under a hidden name next to its final place.
pub struct PendingFile {
    temp: PathBuf,
    target: PathBuf,
    out: Option<BufWriter<EarlyWriteback>>,
}

/// Asks the kernel to start writing each few megabytes to disk as soon as they are
/// written, so that the final fsync of a large statement finds little left to do: the
/// disk works while the conversion still computes.
pub struct EarlyWriteback {
    file: File,
    written: u64,
    started: u64,
}

const WRITEBACK_CHUNK: u64 = 8 << 20;

impl EarlyWriteback {
    fn new(file: File) -> Self {
        EarlyWriteback {
            file,
            written: 0,
            started: 0,
        }
    }

    fn start_writeback(&mut self) {
        use std::os::fd::AsRawFd;
        let length = self.written - self.started;
        // SAFETY: a plain syscall on a file descriptor we own; it only starts
        // asynchronous writeback and reads no memory of ours. A failure is harmless:
        // the fsync at the end is what guarantees durability.
        unsafe {
            libc::sync_file_range(
                self.file.as_raw_fd(),
                self.started as libc::off64_t,
                length as libc::off64_t,
                libc::SYNC_FILE_RANGE_WRITE,
            );
        }
        self.started = self.written;
    }
}

impl Write for EarlyWriteback {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= WRITEBACK_CHUNK {
            self.start_writeback();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// The hidden temporary name for `final_name`: starts with a dot and does not end in `.xml`,
/// so an ERP's `*.xml` pickup ignores it.
pub fn temporary_name(final_name: &str) -> String {
    format!(".{final_name}.part")
}

impl PendingFile {
    pub fn create(dir: &Path, final_name: &str) -> io::Result<Self> {
        let temp = dir.join(temporary_name(final_name));
        let file = File::create(&temp)?;
        Ok(PendingFile {
            temp,
            target: dir.join(final_name),
            out: Some(BufWriter::with_capacity(1 << 20, EarlyWriteback::new(file))),
        })
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    pub fn writer(&mut self) -> io::Result<&mut BufWriter<EarlyWriteback>> {
        self.out
            .as_mut()
            .ok_or_else(|| io::Error::other("file already finished"))
    }

    /// Flushes and fsyncs the content; the file keeps its hidden name.
    pub fn finish_content(&mut self) -> io::Result<()> {
        if let Some(out) = self.out.take() {
            let inner = out.into_inner().map_err(|e| e.into_error())?;
            inner.file.sync_all()?;
        }
        Ok(())
    }

    /// Gives the file its final name. Without `replace`, an existing file is never
    /// overwritten (`AlreadyExists`).
    pub fn commit(mut self, replace: bool) -> io::Result<PathBuf> {
        self.finish_content()?;
        if replace {
            fs::rename(&self.temp, &self.target)?;
        } else {
            fs::hard_link(&self.temp, &self.target)?;
            fs::remove_file(&self.temp)?;
        }
        sync_dir(self.target.parent().unwrap_or(Path::new(".")))?;
        let target = std::mem::take(&mut self.target);
        self.temp = PathBuf::new();
        Ok(target)
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            // Abandoned: never leave a partial file behind.
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Makes a rename or new link in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `bytes` to `dir/final_name` atomically (used for small files).
pub fn write_file(
    dir: &Path,
    final_name: &str,
    bytes: &[u8],
    replace: bool,
) -> io::Result<PathBuf> {
    let mut pending = PendingFile::create(dir, final_name)?;
    pending.writer()?.write_all(bytes)?;
    pending.commit(replace)
}
