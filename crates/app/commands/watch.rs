//! `ponto2camt watch`: the daemon. The loop is the engine's ([`pipeline::watch`]); this
//! file feeds it from the operating system — folder notifications (or polling), SIGHUP,
//! SIGTERM/SIGINT — and tells systemd how it goes.

use super::load_config;
use crate::cli::WatchArgs;
use crate::error::CliError;
use crate::systemd::Systemd;
use notify::{EventKind, RecursiveMode, Watcher};
use pipeline::clock::{RunningClock, SystemClock};
use pipeline::watch::{Daemon, Event, Observer};
use pipeline::{Config, NewLedger, Pipeline};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// After SIGTERM the loop gets this long to end on its own; then the process exits
/// anyway (a Ponto read is abandoned: every delivery step is safe to cut short).
const STOP_GRACE: Duration = Duration::from_millis(1500);

/// How often folders are polled with `poll = true`.
const POLL_EVERY: Duration = Duration::from_secs(1);

pub fn run(config_path: Option<&Path>, args: &WatchArgs) -> Result<(), CliError> {
    let config = load_config(config_path)?;
    // The daemon's time runs on from wherever the system clock stands (in test builds a
    // fixed PONTO2CAMT_NOW), so that its schedule moves.
    let clock = Arc::new(RunningClock::from(&SystemClock));
    let pipeline = Pipeline::open_with(config, clock, NewLedger::OnlyTheFirstTime)?;
    serve(pipeline, config_path.map(Path::to_path_buf), args.interval)
}

/// Runs the daemon over an open pipeline until SIGTERM/SIGINT.
pub fn serve(
    pipeline: Pipeline,
    config_path: Option<PathBuf>,
    interval: Option<Duration>,
) -> Result<(), CliError> {
    let (events, inbox) = mpsc::channel();
    let folders = Arc::new(Mutex::new(Folders::watch(
        pipeline.config(),
        events.clone(),
    )?));
    watch_signals(config_path, events, folders.clone())?;
    let systemd = Systemd::from_environment();
    let mut daemon = Daemon::new(pipeline, interval);
    if let Some(every) = systemd.heartbeat() {
        daemon = daemon.with_heartbeat(every);
    }
    daemon.run(&inbox, &mut GiveBackMemory(systemd));
    Ok(())
}

/// The folders watched, and the watcher that watches them.
struct Folders {
    watcher: Box<dyn Watcher + Send>,
    inbox: Option<PathBuf>,
    watched: Vec<PathBuf>,
}

impl Folders {
    fn watch(config: &Config, events: Sender<Event>) -> Result<Folders, CliError> {
        let inbox = config.watch.inbox_dir.clone();
        let for_handler = inbox.clone();
        let handler = move |result: notify::Result<notify::Event>| {
            let Ok(event) = result else { return };
            for event in translate(&event, for_handler.as_deref()) {
                let _ = events.send(event);
            }
        };
        let watcher: Box<dyn Watcher + Send> = if config.watch.poll {
            let settings = notify::Config::default().with_poll_interval(POLL_EVERY);
            Box::new(notify::PollWatcher::new(handler, settings).map_err(notify_error)?)
        } else {
            Box::new(notify::recommended_watcher(handler).map_err(notify_error)?)
        };
        let mut folders = Folders {
            watcher,
            inbox,
            watched: Vec::new(),
        };
        folders.follow(config);
        Ok(folders)
    }

    /// Watches the inbox and every drop folder of `config` (after a reload: only those).
    fn follow(&mut self, config: &Config) {
        let mut wanted: Vec<PathBuf> = config
            .accounts()
            .map(|(_, account)| account.drop_dir.clone())
            .collect();
        wanted.extend(config.watch.inbox_dir.clone());
        wanted.sort();
        wanted.dedup();
        for gone in self.watched.iter().filter(|d| !wanted.contains(d)) {
            let _ = self.watcher.unwatch(gone);
        }
        for dir in wanted.iter().filter(|d| !self.watched.contains(d)) {
            if let Err(e) = self.watcher.watch(dir, RecursiveMode::NonRecursive) {
                // The periodic rescan still sees this folder, only later.
                tracing::warn!(folder = %dir.display(), "cannot watch the folder ({e}); it is rescanned every 30 s");
            }
        }
        self.watched = wanted;
        if self.inbox != config.watch.inbox_dir {
            tracing::warn!(
                "inbox_dir changed: restart the daemon to take bundles from the new folder"
            );
        }
    }
}

fn notify_error(error: notify::Error) -> CliError {
    CliError::new(
        crate::error::ExitKind::Io,
        format!("cannot watch folders: {error}"),
    )
    .hinted("on network shares and some container mounts set poll = true under [watch]")
}

/// What a folder notification means to the loop.
fn translate(event: &notify::Event, inbox: Option<&Path>) -> Vec<Event> {
    let closed = matches!(
        event.kind,
        EventKind::Access(notify::event::AccessKind::Close(
            notify::event::AccessMode::Write
        ))
    );
    let mut out = Vec::new();
    let mut drop_folder = false;
    for path in &event.paths {
        if inbox.is_some_and(|dir| path.parent() == Some(dir)) {
            if !matches!(
                event.kind,
                EventKind::Remove(_) | EventKind::Access(notify::event::AccessKind::Open(_))
            ) {
                out.push(Event::Inbox {
                    path: path.clone(),
                    closed,
                });
            }
        } else {
            drop_folder = true;
        }
    }
    if drop_folder && matches!(event.kind, EventKind::Remove(_) | EventKind::Modify(_)) {
        out.push(Event::DropFolder);
    }
    out
}

/// SIGTERM/SIGINT stop the loop (and, after a grace period, the process); SIGHUP reads
/// the configuration again and keeps the old one when the new one is broken.
fn watch_signals(
    config_path: Option<PathBuf>,
    events: Sender<Event>,
    folders: Arc<Mutex<Folders>>,
) -> Result<(), CliError> {
    let mut signals = Signals::new([SIGTERM, SIGINT, SIGHUP]).map_err(|e| {
        CliError::new(
            crate::error::ExitKind::Io,
            format!("cannot watch for signals: {e}"),
        )
    })?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if signal == SIGHUP {
                    reload(config_path.as_deref(), &events, &folders);
                    continue;
                }
                let name = if signal == SIGINT {
                    "SIGINT"
                } else {
                    "SIGTERM"
                };
                tracing::info!("{name}: stopping");
                let _ = events.send(Event::Stop);
                std::thread::sleep(STOP_GRACE);
                tracing::info!(
                    "{name}: stopped while a run was under way; the next start finishes it"
                );
                std::process::exit(0);
            }
        })
        .map_err(|e| {
            CliError::new(
                crate::error::ExitKind::Io,
                format!("cannot watch for signals: {e}"),
            )
        })?;
    Ok(())
}

fn reload(config_path: Option<&Path>, events: &Sender<Event>, folders: &Mutex<Folders>) {
    match load_config(config_path) {
        Ok(config) => {
            if let Ok(mut folders) = folders.lock() {
                folders.follow(&config);
            }
            let _ = events.send(Event::Reload(Box::new(config)));
        }
        Err(e) => tracing::error!("SIGHUP: {}; keeping the configuration in use", e.message),
    }
}

/// After each run, the memory the run used goes back to the operating system: mimalloc
/// frees lazily, on the next allocations, and an idle daemon makes none — it would keep
/// the peak of its last run (80 MB measured with 4 accounts; 22 MB after collecting).
struct GiveBackMemory(Systemd);

impl Observer for GiveBackMemory {
    fn ready(&mut self) {
        self.0.ready();
    }

    fn status(&mut self, line: &str) {
        self.0.status(line);
        // SAFETY: mi_collect only walks mimalloc's own heaps; it takes no pointer of ours.
        unsafe { libmimalloc_sys::mi_collect(true) };
    }

    fn alive(&mut self) {
        self.0.alive();
    }
}
