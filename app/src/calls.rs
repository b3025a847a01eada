//! Server-function calls started from a page's buttons and forms: whether one is under way, the
//! last one's error, and a count of finished ones that the resources showing what they change
//! read to load again.
//!
//! Leptos' `ServerAction` keeps every function's input and output in signals of their own
//! types, compiled anew for each function (about 5 KB of WebAssembly apiece); these signals are
//! the same whatever is called.

use std::future::Future;

use leptos::{prelude::*, server_fn};

use crate::AppError;

#[derive(Clone, Copy)]
pub struct Calls {
    finished: RwSignal<u32>,
    running: RwSignal<u32>,
    error: RwSignal<Option<AppError>>,
}

impl Calls {
    pub fn new() -> Self {
        Self {
            finished: RwSignal::new(0),
            running: RwSignal::new(0),
            error: RwSignal::new(None),
        }
    }

    /// Runs `call` in the browser; `then` gets its answer if it succeeds, and its error is kept
    /// (until the next call succeeds) if not.
    pub fn run<T: 'static>(
        self,
        call: impl Future<Output = Result<T, AppError>> + 'static,
        then: impl FnOnce(T) + 'static,
    ) {
        self.running.update(|n| *n += 1);
        leptos::task::spawn_local(async move {
            let answer = call.await;
            // The page may have been left meanwhile, taking the signals with it.
            if self.finished.is_disposed() {
                return;
            }
            match answer {
                Ok(value) => {
                    self.error.set(None);
                    then(value);
                }
                Err(error) => self.error.set(Some(error)),
            }
            self.running.update(|n| *n = n.saturating_sub(1));
            self.finished.update(|n| *n = n.wrapping_add(1));
        });
    }

    /// Shows, as the last call's error, a refusal of one of `paths` that came back in the page's
    /// address: a form of the page posted before its WebAssembly ran, and the server sent the
    /// browser back here with the error in the query (`__path`, `__err`).
    pub fn showing_refusals_of(self, paths: &[&str]) -> Self {
        if let Some(refusal) = use_context::<leptos::server::ServerActionError>()
            && paths.contains(&refusal.path())
        {
            let error = server_fn::error::ServerFnUrlError::<AppError>::decode_err(refusal.err());
            self.error.set(Some(error));
        }
        self
    }

    /// How many calls have finished (tracked): what shows their effect reads it to load again.
    pub fn finished(self) -> i64 {
        i64::from(self.finished.get())
    }

    /// Whether a call is under way (tracked).
    pub fn pending(self) -> bool {
        self.running.get() > 0
    }

    /// Forgets the last call's error.
    pub fn clear_error(self) {
        self.error.set(None);
    }

    /// The last call's error, until a call succeeds.
    pub fn error(self) -> Signal<Option<AppError>> {
        self.error.into()
    }
}

impl Default for Calls {
    fn default() -> Self {
        Self::new()
    }
}
