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
    // 0 when the address holds no id: ids start at 1.
    let id = move || {
        params
            .with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok()))
            .unwrap_or(0)
    };
    let detail = Resource::new(id, |id| async move {
        if id > 0 {
            api::batch(id).await
        } else {
            Err(crate::AppError::NotFound("batch not found".into()))
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
    // The task whose edit dialog is open; 0 for none (ids start at 1).
    let editing = RwSignal::new(0_i64);
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
