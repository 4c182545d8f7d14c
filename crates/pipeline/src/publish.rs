//! Writing files so that a reader polling `*.xml` never sees a partial one: a hidden
//! temporary name in the same folder, fsync, then an atomic rename, then fsync of the
//! folder so the new name survives a power cut.
//!
//! Anyone who may write to a drop folder (the ERP's user) may plant a symlink or a file
//! in it. So a hidden file is always created new — a stale one (or a link of that name)
//! is removed first, the link itself and never what it points to, and the file is opened
//! with `O_CREAT|O_EXCL|O_NOFOLLOW` — and the final name is taken with a rename that
//! never replaces an existing file ([`rename_noreplace`]) unless replacing was asked for.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
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

/// Creates `path` as a new, empty file for writing (see the module doc): never through a
/// symlink, never into an existing file. `mode` is set exactly, whatever the umask;
/// without one the file gets the umask's mode, as any new file.
pub fn create_new(path: &Path, mode: Option<u32>) -> io::Result<File> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode.unwrap_or(0o666))
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)?;
    if let Some(mode) = mode {
        // The umask may have taken bits away (the ERP's group needs to read).
        file.set_permissions(fs::Permissions::from_mode(mode))?;
    }
    Ok(file)
}

/// Renames `from` to `to` unless `to` exists (then `AlreadyExists`, and nothing changed):
/// `renameat2(RENAME_NOREPLACE)`, or where the file system lacks it, a hard link (which
/// fails on an existing name) and the removal of `from`.
pub fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    match renameat2_noreplace(from, to) {
        Err(e) if lacks_noreplace(&e) => link_and_unlink(from, to),
        other => other,
    }
}

fn lacks_noreplace(error: &io::Error) -> bool {
    matches!(
        error.raw_os_error(),
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
    )
}

fn renameat2_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = |path: &Path| {
        std::ffi::CString::new(path.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a path with a NUL byte"))
    };
    let (from, to) = (c_path(from)?, c_path(to)?);
    // SAFETY: both pointers are NUL-terminated strings that outlive the call; the
    // syscall reads nothing else of ours. Through `syscall`, not the libc wrapper, so
    // that an older C library without `renameat2` still gets it from the kernel.
    let result = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The fallback for file systems without `RENAME_NOREPLACE`. If the name is taken once
/// the link exists, the file is in place: a failure to remove `from` then only leaves a
/// second name behind, which is logged, not an error.
pub(crate) fn link_and_unlink(from: &Path, to: &Path) -> io::Result<()> {
    match fs::hard_link(from, to) {
        Ok(()) => {}
        // No hard links here either (some network shares): look, then rename. Another
        // writer could slip in between; this is the best such a file system allows.
        Err(e) if matches!(e.raw_os_error(), Some(libc::EPERM | libc::EOPNOTSUPP)) => {
            if fs::symlink_metadata(to).is_ok() {
                return Err(io::Error::from(io::ErrorKind::AlreadyExists));
            }
            return fs::rename(from, to);
        }
        Err(e) => return Err(e),
    }
    if let Err(e) = fs::remove_file(from) {
        tracing::warn!(file = %from.display(), "cannot remove the hidden name after linking: {e}");
    }
    Ok(())
}

impl PendingFile {
    /// A new hidden file in `dir` for `final_name`, with `mode` (see [`create_new`]).
    pub fn create(dir: &Path, final_name: &str, mode: Option<u32>) -> io::Result<Self> {
        let temp = dir.join(temporary_name(final_name));
        let file = create_new(&temp, mode)?;
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
            rename_noreplace(&self.temp, &self.target)?;
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
    let mut pending = PendingFile::create(dir, final_name, None)?;
    pending.writer()?.write_all(bytes)?;
    pending.commit(replace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rename_noreplace_never_replaces_and_moves_otherwise() {
        let dir = tempfile::tempdir().expect("dir");
        let (from, to) = (dir.path().join(".a.part"), dir.path().join("a.xml"));
        fs::write(&from, "ours").expect("from");
        fs::write(&to, "theirs").expect("to");
        let err = rename_noreplace(&from, &to).expect_err("the name is taken");
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read_to_string(&to).expect("to"), "theirs");
        assert!(from.exists());
        fs::remove_file(&to).expect("removed");
        rename_noreplace(&from, &to).expect("renamed");
        assert_eq!(fs::read_to_string(&to).expect("to"), "ours");
        assert!(!from.exists());
    }

    #[test]
    fn the_link_fallback_never_replaces_either() {
        let dir = tempfile::tempdir().expect("dir");
        let (from, to) = (dir.path().join(".a.part"), dir.path().join("a.xml"));
        fs::write(&from, "ours").expect("from");
        fs::write(&to, "theirs").expect("to");
        let err = link_and_unlink(&from, &to).expect_err("the name is taken");
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read_to_string(&to).expect("to"), "theirs");
        fs::remove_file(&to).expect("removed");
        link_and_unlink(&from, &to).expect("linked");
        assert_eq!(fs::read_to_string(&to).expect("to"), "ours");
        assert!(!from.exists());
    }

    #[test]
    fn create_new_replaces_a_planted_link_not_its_target_and_sets_the_mode() {
        let dir = tempfile::tempdir().expect("dir");
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious").expect("victim");
        let hidden = dir.path().join(".x.part");
        std::os::unix::fs::symlink(&victim, &hidden).expect("link");
        let mut file = create_new(&hidden, Some(0o640)).expect("created");
        file.write_all(b"new").expect("written");
        assert_eq!(fs::read_to_string(&victim).expect("victim"), "precious");
        let meta = fs::symlink_metadata(&hidden).expect("hidden");
        assert!(meta.file_type().is_file());
        assert_eq!(meta.permissions().mode() & 0o7777, 0o640);
    }
}
