use leptos::prelude::*;

use crate::{AppError, i18n::Messages, i18n::use_t};

/// An error in the user's language: failures the browser can name itself are translated; rule
/// breaks carry the server's own explanation.
pub fn describe(t: &Messages, error: &AppError) -> String {
    match error {
        AppError::Internal => t.error_server.to_owned(),
        AppError::ServerFn(_) => t.error_network.to_owned(),
        AppError::TooManyRequests(seconds) => (t.error_too_many)(*seconds),
        AppError::Forbidden(_) => t.error_forbidden.to_owned(),
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
