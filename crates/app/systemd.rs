//! systemd's notify protocol (`Type=notify`): `READY=1` once watching, `STATUS=` with
//! the last run's result, `WATCHDOG=1` when `WatchdogSec=` is set. A datagram to
//! `$NOTIFY_SOCKET`; without it (not under systemd) nothing is sent.

use pipeline::watch::Observer;
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

pub struct Systemd {
    socket: Option<(UnixDatagram, String)>,
    watchdog: Option<Duration>,
}

impl Systemd {
    pub fn from_environment() -> Systemd {
        let socket = std::env::var("NOTIFY_SOCKET")
            .ok()
            .filter(|path| !path.is_empty())
            .and_then(|path| UnixDatagram::unbound().ok().map(|s| (s, path)));
        // WATCHDOG_PID, when set, must be us (a forked helper must not answer for us).
        let ours = std::env::var("WATCHDOG_PID")
            .map(|pid| pid == std::process::id().to_string())
            .unwrap_or(true);
        let watchdog = std::env::var("WATCHDOG_USEC")
            .ok()
            .and_then(|usec| usec.parse::<u64>().ok())
            .filter(|usec| *usec > 0 && ours)
            .map(Duration::from_micros);
        Systemd { socket, watchdog }
    }

    /// How often the loop must say it is alive: half the watchdog period.
    pub fn heartbeat(&self) -> Option<Duration> {
        self.watchdog.map(|period| period / 2)
    }

    fn send(&self, message: &str) {
        let Some((socket, path)) = &self.socket else {
            return;
        };
        let sent = match path.strip_prefix('@') {
            Some(abstract_name) => {
                use std::os::linux::net::SocketAddrExt;
                std::os::unix::net::SocketAddr::from_abstract_name(abstract_name)
                    .and_then(|addr| socket.send_to_addr(message.as_bytes(), &addr))
            }
            None => socket.send_to(message.as_bytes(), path),
        };
        if let Err(e) = sent {
            tracing::debug!("cannot notify systemd: {e}");
        }
    }
}

impl Observer for Systemd {
    fn ready(&mut self) {
        self.send("READY=1\nSTATUS=watching");
    }

    fn status(&mut self, line: &str) {
        // One line: a line break would end the STATUS= field.
        self.send(&format!("STATUS={}", line.replace('\n', " ")));
    }

    fn alive(&mut self) {
        if self.watchdog.is_some() {
            self.send("WATCHDOG=1");
        }
    }
}

impl Drop for Systemd {
    fn drop(&mut self) {
        self.send("STOPPING=1");
    }
}
