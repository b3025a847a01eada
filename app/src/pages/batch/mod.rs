//! `/batch/:id`: one batch, live while it runs, with its results, the edit dialog and downloads.

mod card;
mod delete;
mod edit_dialog;
mod live;
mod summary;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::{
    api,
    components::{Loading, RequireUser, describe},
    i18n::use_t,
};
use card::TaskCard;
use edit_dialog::EditDialog;
use live::LiveBatch;
use summary::Summary;

#[component]
pub fn BatchPage() -> impl IntoView {
    view! { <RequireUser children=|_| view! { <BatchView /> } /> }
}

#[component]
fn BatchView() -> impl IntoView {
    let t = use_t();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()));
    let detail = Resource::new(id, |id| async move {
        match id {
            Some(id) => api::batch(id).await,
            None => Err(crate::AppError::NotFound("batch not found".into())),
        }
    });
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(detail) => view! { <Live detail /> }.into_any(),
                    Err(error) => {
                        #[cfg(feature = "ssr")]
                        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                            response.set_status(error.status());
                        }
                        view! {
                            <p role="alert" class="rounded-lg bg-red-50 p-4 text-red-800">
                                {describe(t(), &error)}
                            </p>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn Live(detail: crate::types::BatchDetail) -> impl IntoView {
    let t = use_t();
    let live = LiveBatch::new(detail);
    let editing = RwSignal::new(None::<i64>);
    live.follow();
    view! {
        <div class="flex flex-col gap-5">
            <Summary live />
            <section aria-label=move || t().images>
                <ul class="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-5" data-testid="task-grid">
                    <For
                        each=move || live.order.get()
                        key=|id| *id
                        children=move |id| {
                            live.task(id).map(|task| view! { <TaskCard live task editing /> })
                        }
                    />
                </ul>
            </section>
            <EditDialog live editing />
        </div>
    }
    .into_any()
}
