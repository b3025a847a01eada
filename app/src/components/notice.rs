use leptos::prelude::*;

use crate::{AppError, Problem, i18n::Messages, i18n::use_t};

/// An error in the user's language. Only a malformed request (a bug, not the reader's doing)
/// keeps the server's English.
pub fn describe(t: &Messages, error: &AppError) -> String {
    // A missing or expired session, or a missing right, means the same to the reader whatever
    // the server said; the refusals with a name of their own are said as such.
    match error {
        AppError::Unauthorized(Problem::Text { .. }) => return t.error_sign_in.to_owned(),
        AppError::Forbidden(Problem::Text { .. }) => return t.error_forbidden.to_owned(),
        _ => {}
    }
    if let Some(problem) = error.problem() {
        return (t.problem)(problem);
    }
    match error {
        AppError::Internal => t.error_server.to_owned(),
        AppError::TimedOut => t.error_timed_out.to_owned(),
        AppError::ServerFn(_) => t.error_network.to_owned(),
        AppError::TooManyRequests(seconds) => (t.error_too_many)(*seconds),
        AppError::NotFound(_) => t.error_not_found.to_owned(),
        other => other.to_string(),
    }
}

/// A failed action's message, shown next to what caused it (nothing while there is none).
#[component]
pub fn ErrorLine(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let t = use_t();
    move || {
        error.get().map(|e| {
            view! {
                <p role="alert" class="mt-2 text-sm text-red-700">
                    {describe(t(), &e)}
                </p>
            }
        })
    }
}

/// What a finished action did, shown where it was started (nothing while there is none).
#[component]
pub fn Notice(
    #[prop(into)] message: Signal<Option<String>>,
    /// Smaller type, for notices inside a card.
    #[prop(optional)]
    small: bool,
) -> impl IntoView {
    let class = if small {
        "mt-1 text-xs text-emerald-700"
    } else {
        "mt-2 text-sm text-emerald-700"
    };
    move || {
        message
            .get()
            .map(|m| view! { <p role="status" class=class>{m}</p> })
    }
}

/// What a section shows while its data loads.
#[component]
pub fn Loading() -> impl IntoView {
    let t = use_t();
    view! { <p class="text-slate-500">{move || t().loading}</p> }
}

/// A section whose data could not be loaded, and why.
#[component]
pub fn LoadFailed(error: AppError) -> impl IntoView {
    let t = use_t();
    view! {
        <p role="alert" class="text-red-700">
            {move || describe(t(), &error)}
        </p>
    }
}
