//! Who is signed in, shared by the header and every page.

use leptos::prelude::*;

use crate::{
    AppError,
    api::{Login, Logout, Register, current_user},
    types::UserView,
};

/// The session and the actions that change it.
#[derive(Clone, Copy)]
pub struct Session {
    /// The signed-in user as loaded with the page (or after signing in or out).
    pub user: Resource<Result<Option<UserView>, AppError>>,
    /// The balance as last seen (user id, credits), newer than `user` once an action changed it.
    credits: RwSignal<Option<(i64, i64)>>,
    pub login: ServerAction<Login>,
    pub register: ServerAction<Register>,
    pub logout: ServerAction<Logout>,
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
}

pub fn provide_session() {
    let login = ServerAction::<Login>::new();
    let register = ServerAction::<Register>::new();
    let logout = ServerAction::<Logout>::new();
    let credits = RwSignal::new(None);
    // Only an action that succeeded changes who is signed in; a refused attempt keeps the page
    // (and the form with its message) as it is.
    let changed = RwSignal::new(0_u32);
    Effect::new(move |_| {
        let succeeded = matches!(login.value().get(), Some(Ok(_)))
            || matches!(register.value().get(), Some(Ok(_)))
            || matches!(logout.value().get(), Some(Ok(_)));
        if succeeded {
            changed.update(|n| *n = n.wrapping_add(1));
        }
    });
    let user = Resource::new(move || changed.get(), move |_| current_user());
    provide_context(Session {
        user,
        credits,
        login,
        register,
        logout,
    });
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}
