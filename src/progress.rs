//! The spinner shown on a terminal while wasmtime compiles a component that
//! takes a while (a large component's first run; a second run loads the
//! compiled code from the cache and usually shows nothing).
//!
//! The spinner appears only after [`DELAY`], so quick compilations print
//! nothing, and only when stderr is a terminal and the output is not JSON.
//! It says what is compiling, how big it is and for how long, on stderr, and
//! is cleared when the compilation ends.

use std::io::IsTerminal;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a compilation runs before the spinner appears.
pub const DELAY: Duration = Duration::from_millis(400);

/// A spinner running on its own thread until this is dropped.
pub struct Compiling {
    done: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Compiling {
    /// Starts the spinner for `what` (e.g. a file name), `bytes` large. It
    /// shows nothing unless `enabled` and stderr is a terminal.
    pub fn start(what: String, bytes: usize, enabled: bool) -> Compiling {
        if !enabled || !std::io::stderr().is_terminal() {
            return Compiling { done: None, thread: None };
        }
        let (done, wait) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("clawc-progress".into())
            .spawn(move || {
                // Ended (or the sender dropped) before the delay: show nothing.
                if !matches!(wait.recv_timeout(DELAY), Err(mpsc::RecvTimeoutError::Timeout)) {
                    return;
                }
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                let style = ProgressStyle::with_template("{spinner} compiling {msg} with wasmtime ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner());
                bar.set_style(style);
                bar.set_message(format!("{what} ({})", size(bytes)));
                bar.enable_steady_tick(Duration::from_millis(100));
                let _ = wait.recv();
                bar.finish_and_clear();
            })
            .ok();
        Compiling { done: Some(done), thread }
    }
}

impl Drop for Compiling {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A size in bytes for people: `512 B`, `84.4 kB`, `18.4 MB` (SI units).
pub fn size(bytes: usize) -> String {
    let b = bytes as f64;
    if b < 1e3 {
        format!("{bytes} B")
    } else if b < 1e6 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{:.1} MB", b / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(84_439), "84.4 kB");
        assert_eq!(size(18_366_820), "18.4 MB");
    }

    #[test]
    fn a_disabled_spinner_starts_no_thread() {
        let spinner = Compiling::start("x.wasm".into(), 10, false);
        assert!(spinner.thread.is_none());
    }
}
