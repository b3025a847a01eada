use leptos::prelude::*;

use crate::{api::Logout, types::UserView};

/// The signed-in user's name, balance and a sign-out button.
#[component]
pub fn SignedIn(user: UserView, logout: ServerAction<Logout>) -> impl IntoView {
    let role = if user.is_admin {
        "Administrator"
    } else {
        "Member"
    };
    view! {
        <section
            class="mx-auto max-w-md rounded-2xl border border-slate-200 bg-white p-8 shadow-sm"
            aria-label="Account"
        >
            <p class="text-sm text-slate-500">{role}</p>
            <h1 class="mt-1 text-2xl font-semibold" data-testid="signed-in-user">
                "Signed in as "
                {user.username.clone()}
            </h1>
            <p class="mt-2 text-slate-600">
                <span data-testid="credits">{user.credits}</span>
                " credits"
            </p>
            <ActionForm action=logout attr:class="mt-6">
                <button
                    type="submit"
                    class="rounded-lg border border-slate-300 px-4 py-2 text-sm font-medium hover:bg-slate-100"
                >
                    "Sign out"
                </button>
            </ActionForm>
        </section>
    }
}
