//! Bookings on a schedule, so that a long-running simulator (`ponto2camt simulate`)
//! behaves like a bank account that keeps moving.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// What each tick of [`crate::Simulator::start_booking`] books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingSchedule {
    /// time between two ticks (at least 1 ms)
    pub every: Duration,
    /// generated transactions per account per tick
    pub per_tick: usize,
    /// account ids to book on; empty = every account not replaced by a re-authorization.
    /// A replaced account's bookings go to the account that replaced it.
    pub accounts: Vec<String>,
    /// percent of the bookings executed 1 to 7 days before today (back-dated), the
    /// others today; which ones follows the seed
    pub backdated_percent: u8,
}

impl BookingSchedule {
    /// One transaction executed today on every account, every `every`.
    pub fn every(every: Duration) -> BookingSchedule {
        BookingSchedule {
            every,
            per_tick: 1,
            accounts: Vec::new(),
            backdated_percent: 0,
        }
    }
}

/// The background thread that books on a schedule. Dropping it stops the bookings too.
#[derive(Debug)]
pub struct Booker {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
    ticks: Arc<AtomicUsize>,
}

impl Booker {
    /// Runs `tick` every `every` on a thread until stopped, or until `tick` says false.
    pub(crate) fn spawn(
        every: Duration,
        mut tick: impl FnMut() -> bool + Send + 'static,
    ) -> Booker {
        let (stop, stopped) = mpsc::channel::<()>();
        let ticks = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&ticks);
        // zero would spin on the world's lock
        let every = every.max(Duration::from_millis(1));
        let thread = thread::Builder::new()
            .name("ponto-sim-booker".into())
            .spawn(move || {
                // a message or a dropped sender both mean stop; only a timeout is a tick
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    if !tick() {
                        break;
                    }
                    counted.fetch_add(1, Ordering::SeqCst);
                }
            })
            .ok();
        Booker {
            stop: Some(stop),
            thread,
            ticks,
        }
    }

    /// Ticks completed so far; a tick books all of its transactions at once.
    pub fn ticks(&self) -> usize {
        self.ticks.load(Ordering::SeqCst)
    }

    /// Stops booking; returns once the thread is gone, with the number of ticks done.
    pub fn stop(mut self) -> usize {
        self.halt();
        self.ticks()
    }

    fn halt(&mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Booker {
    fn drop(&mut self) {
        self.halt();
    }
}
