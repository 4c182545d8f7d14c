//! The `watch` daemon's loop: a scheduled fetch, bundles from the inbox, and the ERP's
//! pickups from the drop folders, one event at a time over one held [`Pipeline`].
//!
//! The loop knows no operating system: the program feeds it [`Event`]s (from folder
//! notifications, signals) and tells systemd what the [`Observer`] hears. Time comes
//! from the pipeline's clock; the loop sleeps only in [`Receiver::recv_timeout`], so an
//! idle daemon costs nothing.

pub mod inbox;
pub mod pickups;
pub mod schedule;
#[cfg(test)]
pub(crate) mod tests_support;

use crate::{Config, Error, ErrorKind, FetchOptions, Pipeline};
use inbox::Inbox;
use pickups::{PickupWarnings, Waiting};
use schedule::{RunEnd, Schedule};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How often the inbox and the drop folders are looked at even without notifications.
pub const RESCAN_EVERY: Duration = Duration::from_secs(30);

/// What the program tells the loop.
#[derive(Debug)]
pub enum Event {
    /// Something happened to a file in the inbox; `closed`: its writer closed it.
    Inbox {
        path: PathBuf,
        closed: bool,
    },
    /// Something happened in a drop folder (the ERP took a file, most likely).
    DropFolder,
    /// A new configuration (SIGHUP), already read and checked.
    Reload(Box<Config>),
    Stop,
}

/// What the loop tells the world (systemd's notify protocol in the program).
pub trait Observer {
    /// Watching: the first scheduled fetch is done.
    fn ready(&mut self);
    /// One line on the last run's result.
    fn status(&mut self, line: &str);
    /// Still alive (called at least every [`Daemon::heartbeat`]).
    fn alive(&mut self);
}

/// An observer that tells no one.
pub struct Quiet;

impl Observer for Quiet {
    fn ready(&mut self) {}
    fn status(&mut self, _: &str) {}
    fn alive(&mut self) {}
}

pub struct Daemon {
    pipeline: Pipeline,
    schedule: Schedule,
    inbox: Inbox,
    warnings: PickupWarnings,
    interval_override: Option<Duration>,
    next_rescan: Instant,
    heartbeat: Duration,
}

impl Daemon {
    /// `interval`: the command line's `--interval`, which wins over the configuration's.
    pub fn new(pipeline: Pipeline, interval: Option<Duration>) -> Daemon {
        let every = interval.unwrap_or(pipeline.config().watch.interval);
        let seed = u64::from(std::process::id()) ^ pipeline.now().timestamp_subsec_nanos() as u64;
        let schedule = Schedule::starting(pipeline.now(), every, seed);
        Daemon {
            pipeline,
            schedule,
            inbox: Inbox::default(),
            warnings: PickupWarnings::default(),
            interval_override: interval,
            next_rescan: Instant::now(),
            heartbeat: Duration::from_secs(3600),
        }
    }

    /// How often [`Observer::alive`] must be called at least (systemd's `WatchdogSec`/2).
    pub fn with_heartbeat(mut self, every: Duration) -> Daemon {
        self.heartbeat = every.max(Duration::from_millis(100));
        self
    }

    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// Runs until [`Event::Stop`] (or until every sender is gone).
    pub fn run(mut self, events: &Receiver<Event>, observer: &mut dyn Observer) {
        self.start();
        observer.ready();
        loop {
            observer.alive();
            if self.schedule.is_due(self.pipeline.now()) {
                let line = self.scheduled_fetch();
                observer.status(&line);
            }
            if Instant::now() >= self.next_rescan {
                self.rescan();
            }
            self.take_inbox_files();
            match events.recv_timeout(self.sleep()) {
                Ok(Event::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(Event::Reload(config)) => self.reload(*config),
                Ok(Event::Inbox { path, closed }) => self.inbox.note(&path, closed, Instant::now()),
                Ok(Event::DropFolder) => self.look_at_pickups(),
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
        tracing::info!("watch stopped");
    }

    fn start(&mut self) {
        self.recover();
        let config = self.pipeline.config();
        tracing::info!(
            accounts = config.accounts().count(),
            interval = %humantime::format_duration(self.schedule.interval()),
            inbox = %config.watch.inbox_dir.as_deref().map(Path::display).map(|d| d.to_string()).unwrap_or_else(|| "none".into()),
            "watching"
        );
    }

    /// How long the loop may sleep: until the next fetch, a file may be complete, the
    /// next rescan, or the next heartbeat.
    fn sleep(&self) -> Duration {
        let now = Instant::now();
        let mut wait = self
            .schedule
            .until_due(self.pipeline.now())
            .min(self.next_rescan.saturating_duration_since(now))
            .min(self.heartbeat);
        if let Some(look) = self.inbox.next_look(now) {
            wait = wait.min(look);
        }
        wait.max(Duration::from_millis(10))
    }

    /// Finishes interrupted deliveries; what cannot be delivered is logged (the
    /// account's fetch then says it waits).
    fn recover(&self) {
        match self.pipeline.recover() {
            Ok(recovery) => {
                if !recovery.delivered.is_empty() {
                    tracing::info!(
                        files = recovery.delivered.len(),
                        "finished deliveries interrupted earlier"
                    );
                }
                for (account, error) in recovery.failed {
                    tracing::error!(account = %account, "{error}");
                }
            }
            Err(e) => tracing::error!("{e}"),
        }
    }

    /// One scheduled fetch of every configured account, logged in one line.
    fn scheduled_fetch(&mut self) -> String {
        self.recover();
        self.look_at_pickups();
        let report = self.pipeline.fetch(&FetchOptions::default());
        let end = run_end(&report.failures);
        for failure in &report.failures {
            tracing::error!("{failure}");
        }
        let line = format!(
            "last run {}: {} statement(s), {} transaction(s), {} of {} account(s) failed",
            self.pipeline.now().format("%Y-%m-%d %H:%M:%S UTC"),
            report.statements(),
            report.transactions(),
            report.failures.len(),
            report.accounts.len() + report.failures.len(),
        );
        match end {
            RunEnd::Ok => tracing::info!("{line}"),
            RunEnd::Temporary => tracing::warn!("{line}; trying again soon"),
            RunEnd::Permanent => tracing::error!("{line}"),
        }
        self.schedule.after_run(end, self.pipeline.now());
        line
    }

    fn rescan(&mut self) {
        if let Some(dir) = self.pipeline.config().watch.inbox_dir.clone() {
            self.inbox.scan(&dir, Instant::now());
        }
        self.look_at_pickups();
        self.next_rescan = Instant::now() + RESCAN_EVERY;
    }

    fn take_inbox_files(&mut self) {
        for file in self.inbox.take_ready(Instant::now()) {
            self.take_bundle(&file);
        }
    }

    /// Delivers one inbox bundle and moves it to `done/` or `failed/`.
    fn take_bundle(&mut self, file: &Path) {
        match self.pipeline.publish_bundle(file) {
            Ok(report) => {
                tracing::info!(bundle = %file.display(), account = %report.iban, statements = report.files.len(), transactions = report.transactions, "inbox bundle delivered");
                move_or_log(file, inbox::DONE);
            }
            Err(e) if e.is_temporary() || e.kind() == ErrorKind::Io => {
                // The drop folder or the ledger, not the bundle: it stays for the next look.
                tracing::warn!(bundle = %file.display(), "{e}; the bundle stays in the inbox and is tried again");
            }
            Err(e) => {
                tracing::error!(bundle = %file.display(), "{e}");
                if let Some(moved) = move_or_log(file, inbox::FAILED) {
                    write_error_note(&moved, &e);
                }
            }
        }
    }

    /// Notes what the ERP took and warns about files waiting too long.
    fn look_at_pickups(&mut self) {
        if let Err(e) = self.pipeline.note_pickups() {
            tracing::warn!("{e}");
            return;
        }
        let waiting = match waiting_files(&self.pipeline) {
            Ok(waiting) => waiting,
            Err(e) => {
                tracing::warn!("{e}");
                return;
            }
        };
        let warn_after = self.pipeline.config().watch.pickup_warn_after;
        for file in self.warnings.due(&waiting, warn_after, self.pipeline.now()) {
            tracing::warn!(file = %file.path, since = %file.published_at.to_rfc3339(),
                "the ERP has not taken this file for more than {}", humantime::format_duration(warn_after));
        }
    }

    fn reload(&mut self, config: Config) {
        match self.pipeline.reconfigure(config) {
            Ok(()) => {
                let interval = self
                    .interval_override
                    .unwrap_or(self.pipeline.config().watch.interval);
                self.schedule.set_interval(interval, self.pipeline.now());
                tracing::info!(
                    accounts = self.pipeline.config().accounts().count(),
                    "configuration reloaded"
                );
                self.next_rescan = Instant::now();
            }
            Err(e) => tracing::error!("{e}; keeping the configuration in use"),
        }
    }
}

fn run_end(failures: &[Error]) -> RunEnd {
    if failures.is_empty() {
        RunEnd::Ok
    } else if failures.iter().any(Error::is_temporary) {
        RunEnd::Temporary
    } else {
        RunEnd::Permanent
    }
}

fn waiting_files(pipeline: &Pipeline) -> Result<Vec<Waiting>, Error> {
    Ok(pipeline
        .ledger()
        .awaiting_pickup()?
        .into_iter()
        .map(|f| Waiting {
            path: f.drop_dir.join(&f.file_name).display().to_string(),
            statement_id: f.statement_id,
            published_at: f.published_at,
        })
        .collect())
}

fn move_or_log(file: &Path, sub: &str) -> Option<PathBuf> {
    match inbox::move_into(file, sub) {
        Ok(moved) => Some(moved),
        Err(e) => {
            tracing::error!(bundle = %file.display(), "cannot move it into {sub}/: {e}");
            None
        }
    }
}

/// `NAME.error.txt` beside the failed bundle: what is wrong, for the person who looks.
fn write_error_note(moved: &Path, error: &Error) {
    let note = PathBuf::from(format!("{}.error.txt", moved.display()));
    let text = format!("{error}\n");
    if let Err(e) = std::fs::write(&note, text) {
        tracing::error!(file = %note.display(), "cannot write the error note: {e}");
    }
}
