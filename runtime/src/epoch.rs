//! Time limits on guest calls through wasmtime's epoch interruption (the
//! engine needs `Config::epoch_interruption`): a [`Ticker`] thread advances
//! an engine's epoch every [`TICK`], and a store whose deadline is
//! [`ticks`]`(timeout)` ticks away traps with `Trap::Interrupt` at the
//! first epoch check (function entry, loop header) after it passes. Used by
//! the test runner (`--timeout` per test) and by `serve` (per request).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::Engine;

/// How often a [`Ticker`] advances the epoch: the granularity of timeouts
/// (a call may run up to one tick longer than its timeout).
pub(crate) const TICK: Duration = Duration::from_millis(10);

/// `timeout` in [`TICK`]s, rounded up, at least one (a zero timeout still
/// lets the call start).
pub(crate) fn ticks(timeout: Duration) -> u64 {
    u64::try_from(timeout.as_nanos().div_ceil(TICK.as_nanos())).unwrap_or(u64::MAX).max(1)
}

/// A thread advancing an engine's epoch every [`TICK`], until dropped.
pub(crate) struct Ticker {
    stop: Arc<AtomicBool>,
}

impl Ticker {
    /// Starts the thread (named `name`) for `engine`.
    ///
    /// # Errors
    /// When the thread cannot be spawned.
    pub(crate) fn start(engine: &Engine, name: &str) -> std::io::Result<Ticker> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let engine = engine.clone();
        std::thread::Builder::new().name(name.into()).spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                std::thread::sleep(TICK);
                engine.increment_epoch();
            }
        })?;
        Ok(Ticker { stop })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_round_up_to_whole_ticks() {
        assert_eq!(ticks(Duration::from_secs(30)), 3_000);
        assert_eq!(ticks(Duration::from_millis(15)), 2);
        assert_eq!(ticks(Duration::from_millis(10)), 1);
        assert_eq!(ticks(Duration::from_nanos(1)), 1);
        assert_eq!(ticks(Duration::ZERO), 1, "a zero timeout still lets the call start");
        assert_eq!(ticks(Duration::MAX), u64::MAX);
    }
}
