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
    out: Option<BufWriter<File>>,
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
            out: Some(BufWriter::with_capacity(1 << 20, file)),
        })
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    pub fn writer(&mut self) -> io::Result<&mut BufWriter<File>> {
        self.out
            .as_mut()
            .ok_or_else(|| io::Error::other("file already finished"))
    }

    /// Flushes and fsyncs the content; the file keeps its hidden name.
    pub fn finish_content(&mut self) -> io::Result<()> {
        if let Some(out) = self.out.take() {
            let file = out.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
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
