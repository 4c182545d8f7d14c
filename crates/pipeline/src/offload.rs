//! Writing through a thread of its own: the bytes a producer writes are handed on a
//! megabyte at a time to a second thread that writes them to the real writer. For a
//! large statement the producer is the merge of the sorted runs, and the kernel copying
//! each megabyte into the page cache (and starting its writeback) then overlaps the
//! merge of the next one instead of following it.
//!
//! The bytes and their order are exactly what writing directly would give. A failure of
//! the real writer stops the producer at its next hand-over and is the error reported:
//! it concerns bytes written before anything the producer failed on afterwards.

use std::io::{self, Write};
use std::sync::mpsc;

/// Bytes handed over at once.
const CHUNK: usize = 1 << 20;

/// The producer's side: a [`Write`] that fills a buffer and hands it over when full.
pub(crate) struct Offload {
    buf: Vec<u8>,
    full: Option<mpsc::SyncSender<Vec<u8>>>,
    /// Buffers the writing thread has emptied, to be filled again.
    empty: mpsc::Receiver<Vec<u8>>,
}

/// Runs `produce` with a writer whose bytes reach `inner` on another thread; returns
/// what `produce` returned once every byte is written and `inner` flushed.
pub(crate) fn write_offloaded<W, T>(
    inner: &mut W,
    produce: impl FnOnce(&mut Offload) -> io::Result<T>,
) -> io::Result<T>
where
    W: Write + Send,
{
    let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(1);
    let (empty_tx, empty_rx) = mpsc::channel();
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("ponto2camt-write".into())
            .spawn_scoped(scope, move || {
                write_all_handed_over(inner, &full_rx, &empty_tx)
            })?;
        let mut offload = Offload {
            buf: Vec::with_capacity(CHUNK),
            full: Some(full_tx),
            empty: empty_rx,
        };
        let produced = produce(&mut offload).and_then(|value| {
            offload.hand_over()?;
            Ok(value)
        });
        // Closing the channel ends the writing thread once it has written the rest.
        offload.full = None;
        let written = worker
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writing thread panicked")));
        written.and(produced)
    })
}

/// The writing thread: every buffer handed over, in order, then a flush.
fn write_all_handed_over<W: Write>(
    inner: &mut W,
    full: &mpsc::Receiver<Vec<u8>>,
    empty: &mpsc::Sender<Vec<u8>>,
) -> io::Result<()> {
    for mut buf in full {
        inner.write_all(&buf)?;
        buf.clear();
        // The producer may be finished and gone: the buffer is then just dropped.
        let _ = empty.send(buf);
    }
    inner.flush()
}

impl Offload {
    /// Hands the buffer over (if it holds anything) and takes an emptied one back.
    fn hand_over(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let next = self
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        let full = std::mem::replace(&mut self.buf, next);
        let sent = self.full.as_ref().map(|channel| channel.send(full));
        match sent {
            Some(Ok(())) => Ok(()),
            // The writing thread stopped on an error, which is what gets reported.
            _ => Err(io::Error::other("the writing thread stopped")),
        }
    }
}

impl Write for Offload {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.hand_over()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // Handing over only at full buffers keeps the writes large; the end of
        // `write_offloaded` hands over the rest.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that takes a few bytes at a time and fails after `fail_after` bytes.
    struct Trickle {
        got: Vec<u8>,
        fail_after: usize,
        flushed: bool,
    }

    impl Write for Trickle {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            if self.got.len() >= self.fail_after {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            let n = data.len().min(4099).min(self.fail_after - self.got.len());
            self.got.extend_from_slice(&data[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            self.flushed = true;
            Ok(())
        }
    }

    fn pieces() -> Vec<Vec<u8>> {
        // Pieces of many sizes, some larger than a hand-over, with a distinct pattern.
        (0..400u32)
            .map(|i| {
                let len = match i % 7 {
                    0 => CHUNK + 13,
                    1 => 0,
                    _ => (i as usize * 7919) % 20_000,
                };
                (0..len).map(|j| (i as usize * 31 + j) as u8).collect()
            })
            .collect()
    }

    #[test]
    fn every_byte_arrives_in_order_and_the_writer_is_flushed() {
        let pieces = pieces();
        let mut inner = Trickle {
            got: Vec::new(),
            fail_after: usize::MAX,
            flushed: false,
        };
        let value = write_offloaded(&mut inner, |out| {
            for piece in &pieces {
                out.write_all(piece)?;
            }
            out.flush()?;
            Ok(42)
        })
        .expect("written");
        assert_eq!(value, 42);
        assert_eq!(inner.got, pieces.concat());
        assert!(inner.flushed);
    }

    #[test]
    fn the_writers_failure_is_reported_and_stops_the_producer() {
        let mut inner = Trickle {
            got: Vec::new(),
            fail_after: 3 * CHUNK + 5,
            flushed: false,
        };
        let mut produced = 0usize;
        let error = write_offloaded(&mut inner, |out| {
            for _ in 0..1000 {
                out.write_all(&[7u8; 100_000])?;
                produced += 1;
            }
            Ok(())
        })
        .expect_err("the disk is full");
        assert_eq!(error.kind(), io::ErrorKind::StorageFull);
        assert_eq!(error.to_string(), "disk full");
        assert!(produced < 1000, "the producer went on to the end");
        assert_eq!(inner.got.len(), 3 * CHUNK + 5);
        assert!(!inner.flushed);
    }

    #[test]
    fn the_producers_failure_is_reported_and_bytes_not_handed_over_are_dropped() {
        let mut inner = Trickle {
            got: Vec::new(),
            fail_after: usize::MAX,
            flushed: false,
        };
        let error = write_offloaded(&mut inner, |out| {
            out.write_all(b"before")?;
            Err::<(), _>(io::Error::other("a damaged run"))
        })
        .expect_err("the producer failed");
        assert_eq!(error.to_string(), "a damaged run");
        // Bytes not handed over yet are dropped: the caller throws the file away.
        assert!(inner.got.is_empty());
    }
}
