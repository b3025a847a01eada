//! Who is signed in, shared by the header and every page.

use leptos::prelude::*;

use crate::{
    AppError,
    api::{self, current_user},
    calls::Calls,
    types::UserView,
};

/// The session and the calls that change it.
#[derive(Clone, Copy)]
pub struct Session {
    /// The signed-in user as loaded with the page (or after signing in or out).
    pub user: Resource<Result<Option<UserView>, AppError>>,
    /// The balance as last seen (user id, credits), newer than `user` once an action changed it.
    credits: RwSignal<Option<(i64, i64)>>,
    /// Signing in, registering and signing out: under way, and why the last one was refused.
    pub calls: Calls,
    /// Counts the calls that changed who is signed in; `user` loads again on each.
    changed: RwSignal<u32>,
}

impl Session {
    /// Reloads the balance after something spent or refunded credits.
    pub fn refresh_credits(self) {
        leptos::task::spawn_local(async move {
            if let Ok(Some(user)) = current_user().await {
                self.credits.set(Some((user.id, user.credits)));
            }
        });
    }

    /// The balance to show for `user`.
    pub fn balance(self, user: &UserView) -> i64 {
        self.balance_of(user.id, user.credits)
    }

    /// The balance of the user `id`, who had `loaded` credits when the page loaded.
    pub fn balance_of(self, id: i64, loaded: i64) -> i64 {
        match self.credits.get() {
            Some((of, credits)) if of == id => credits,
            _ => loaded,
        }
    }

    // Only a call that succeeded changes who is signed in; a refused attempt keeps the page
    // (and the form with its message) as it is.

    pub fn sign_in(self, username: String, password: String) {
        self.calls
            .run(api::login(username, password), move |_| self.signed());
    }

    pub fn register(self, username: String, password: String) {
        self.calls
            .run(api::register(username, password), move |_| self.signed());
    }

    /// Signs out here, or (`everywhere`) every session and API token of the user.
    pub fn sign_out(self, everywhere: bool) {
        self.calls
            .run(api::logout(everywhere.then_some(true)), move |_| {
                self.signed()
            });
    }

    fn signed(self) {
        self.changed.update(|n| *n = n.wrapping_add(1));
    }
}

pub fn provide_session() {
    let changed = RwSignal::new(0_u32);
    // An `i64` like the other resources' keys, so that they share one compiled copy of it.
    let user = Resource::new(move || i64::from(changed.get()), move |_| current_user());
    provide_context(Session {
        user,
        credits: RwSignal::new(None),
        calls: Calls::new(),
        changed,
    });
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}
