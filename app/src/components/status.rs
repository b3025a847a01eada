use leptos::prelude::*;

use crate::{i18n::use_t, types::Status};

/// Tailwind classes of a status: one colour each, everywhere.
pub fn status_classes(status: Status) -> &'static str {
    match status {
        Status::Pending => "bg-slate-100 text-slate-700 ring-slate-300",
        Status::Processing => "bg-blue-50 text-blue-800 ring-blue-300",
        Status::Completed => "bg-emerald-50 text-emerald-800 ring-emerald-300",
        Status::Failed => "bg-red-50 text-red-800 ring-red-300",
        Status::Cancelled => "bg-amber-50 text-amber-800 ring-amber-300",
    }
}

/// A status as a coloured word.
#[component]
pub fn StatusBadge(#[prop(into)] status: Signal<Status>) -> impl IntoView {
    let t = use_t();
    view! {
        <span
            class=move || {
                format!(
                    "inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset {}",
                    status_classes(status.get()),
                )
            }
            data-status=move || status.get().as_str()
        >
            <span aria-hidden="true" class="h-1.5 w-1.5 rounded-full bg-current"></span>
            {move || (t().status)(status.get())}
        </span>
    }
    .into_any()
}
