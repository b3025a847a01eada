//! Deleting a batch with its images, after a confirmation; then on to the history.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::{AppError, api::delete_batch, components::ErrorLine, i18n::use_t, state::use_session};

#[component]
pub fn DeleteBatch(#[prop(into)] id: Signal<i64>) -> impl IntoView {
    let t = use_t();
    let session = use_session();
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let delete = move |_| {
        let id = id.get_untracked();
        confirming.set(false);
        leptos::task::spawn_local(async move {
            match delete_batch(id).await {
                Ok(_) => {
                    session.refresh_credits();
                    use_navigate()("/history", Default::default());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    view! {
        <Show
            when=move || confirming.get()
            fallback=move || {
                view! {
                    <button
                        type="button"
                        class="rounded-lg px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
                        on:click=move |_| confirming.set(true)
                    >
                        {move || t().delete_batch}
                    </button>
                }
            }
        >
            <div role="group" class="flex flex-wrap items-center gap-2 rounded-lg bg-red-50 p-2 text-sm text-red-900">
                <span>{move || t().delete_batch_confirm}</span>
                <button
                    type="button"
                    class="rounded-md bg-red-600 px-2.5 py-1 font-medium text-white hover:bg-red-500"
                    on:click=delete
                >
                    {move || t().delete_batch_yes}
                </button>
                <button
                    type="button"
                    class="rounded-md px-2.5 py-1 ring-1 ring-red-300 hover:bg-white"
                    on:click=move |_| confirming.set(false)
                >
                    {move || t().delete_batch_no}
                </button>
            </div>
        </Show>
        <ErrorLine error=error />
    }
}
