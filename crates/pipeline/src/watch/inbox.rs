//! The inbox: bundle files dropped into `inbox_dir` are delivered like fetched data,
//! then moved to `done/` (or to `failed/`, with `NAME.error.txt` saying what is wrong).
//!
//! Only complete files are taken: names starting with `.` or ending in `.part`/`.tmp`
//! are someone's work in progress, and a file counts as complete when its writer closed
//! it (a notification) or its size and modification time stayed the same for a second.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// How long a file's size and time must stay the same when no "closed" event comes.
pub const STABLE_FOR: Duration = Duration::from_secs(1);

pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

/// Files seen in the inbox, not yet taken.
#[derive(Debug, Default)]
pub struct Inbox {
    seen: HashMap<PathBuf, Seen>,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    size: u64,
    modified: Option<SystemTime>,
    /// Since when size and time have been as recorded.
    unchanged_since: Instant,
    /// Its writer closed it after the last change.
    closed: bool,
}

/// Whether a name in the inbox is a bundle to take.
pub fn is_candidate(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    !(name.starts_with('.')
        || name.ends_with(".part")
        || name.ends_with(".tmp")
        || name.ends_with(".error.txt"))
}

impl Inbox {
    /// A file was created, written, closed or moved in.
    pub fn note(&mut self, path: &Path, closed: bool, now: Instant) {
        if !is_candidate(path) {
            return;
        }
        let Some((size, modified)) = regular_file(path) else {
            self.seen.remove(path);
            return;
        };
        let entry = self.seen.entry(path.to_path_buf()).or_insert(Seen {
            size,
            modified,
            unchanged_since: now,
            closed: false,
        });
        if entry.size != size || entry.modified != modified {
            *entry = Seen {
                size,
                modified,
                unchanged_since: now,
                closed: false,
            };
        }
        entry.closed |= closed;
    }

    /// Every candidate file in `dir` (the start, and the periodic rescan that backs up
    /// notifications).
    pub fn scan(&mut self, dir: &Path, now: Instant) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            self.note(&entry.path(), false, now);
        }
    }

    /// The files complete now, oldest first by name; they are forgotten (the caller
    /// moves them away).
    pub fn take_ready(&mut self, now: Instant) -> Vec<PathBuf> {
        let mut ready = Vec::new();
        let paths: Vec<PathBuf> = self.seen.keys().cloned().collect();
        for path in paths {
            self.note(&path, false, now);
            let Some(seen) = self.seen.get(&path) else {
                continue;
            };
            if seen.closed || now.duration_since(seen.unchanged_since) >= STABLE_FOR {
                self.seen.remove(&path);
                ready.push(path);
            }
        }
        ready.sort();
        ready
    }

    /// When to look again for files becoming stable (none while nothing waits).
    pub fn next_look(&self, now: Instant) -> Option<Duration> {
        self.seen
            .values()
            .map(|s| (s.unchanged_since + STABLE_FOR).saturating_duration_since(now))
            .min()
    }
}

/// Size and modification time of a regular file (not following a symlink: a link in
/// the inbox is not taken).
fn regular_file(path: &Path) -> Option<(u64, Option<SystemTime>)> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    meta.is_file().then(|| (meta.len(), meta.modified().ok()))
}

/// Moves `file` into `inbox/SUB/`, under a name not taken yet there (`NAME`, `NAME.1`, …).
pub fn move_into(file: &Path, sub: &str) -> std::io::Result<PathBuf> {
    let dir = file
        .parent()
        .map(|p| p.join(sub))
        .unwrap_or_else(|| PathBuf::from(sub));
    std::fs::create_dir_all(&dir)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle".into());
    for n in 0..10_000 {
        let candidate = if n == 0 {
            dir.join(&name)
        } else {
            dir.join(format!("{name}.{n}"))
        };
        // A hard link fails when the name is taken, so no other file is ever replaced.
        match std::fs::hard_link(file, &candidate) {
            Ok(()) => {
                std::fs::remove_file(file)?;
                return Ok(candidate);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(format!(
        "{}: no free name left",
        dir.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_in_progress_names_are_not_taken() {
        for name in [".x.json", "x.json.part", "x.tmp", "x.json.error.txt"] {
            assert!(!is_candidate(Path::new(name)), "{name}");
        }
        assert!(is_candidate(Path::new("/in/BE68_EUR.bundle.json")));
    }

    #[test]
    fn a_file_is_ready_when_closed_or_unchanged_for_a_second() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("a.json");
        std::fs::write(&file, "{").expect("write");
        let mut inbox = Inbox::default();
        let t0 = Instant::now();
        inbox.note(&file, false, t0);
        assert!(inbox.take_ready(t0 + Duration::from_millis(500)).is_empty());
        assert_eq!(
            inbox.take_ready(t0 + Duration::from_millis(1100)),
            std::slice::from_ref(&file)
        );
        assert!(
            inbox.take_ready(t0 + Duration::from_secs(5)).is_empty(),
            "taken once"
        );

        inbox.note(&file, true, t0);
        assert_eq!(
            inbox.take_ready(t0),
            [file],
            "a closed file is ready at once"
        );
    }

    #[test]
    fn a_file_still_growing_waits() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("b.json");
        std::fs::write(&file, "{").expect("write");
        let mut inbox = Inbox::default();
        let t0 = Instant::now();
        inbox.scan(dir.path(), t0);
        std::fs::write(&file, "{\"account\"").expect("grows");
        assert!(
            inbox
                .take_ready(t0 + Duration::from_millis(1500))
                .is_empty(),
            "changed: waits again"
        );
        assert_eq!(inbox.take_ready(t0 + Duration::from_millis(2600)).len(), 1);
    }

    #[test]
    fn moving_never_replaces_a_file_of_the_same_name() {
        let dir = tempfile::tempdir().expect("dir");
        for round in 0..3 {
            let file = dir.path().join("x.json");
            std::fs::write(&file, format!("{round}")).expect("write");
            move_into(&file, DONE).expect("moved");
        }
        let mut names = crate::watch::tests_support::names(&dir.path().join(DONE));
        names.sort();
        assert_eq!(names, ["x.json", "x.json.1", "x.json.2"]);
    }
}
