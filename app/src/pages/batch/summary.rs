//! The batch's head: name, status, progress bar with `done / total`, failures, ETA, cancel,
//! delete and the zip download.

use leptos::prelude::*;

use super::{
    delete::DeleteBatch,
    live::{Feed, LiveBatch},
};
use crate::{
    AppError,
    api::cancel_batch,
    components::{ConfirmButton, ErrorLine, Notice, StatusBadge, When},
    i18n::use_t,
    state::use_session,
};

#[component]
pub fn Summary(live: LiveBatch) -> impl IntoView {
    let t = use_t();
    let session = use_session();
    let batch = live.batch;
    let error = RwSignal::new(None::<AppError>);
    let notice = RwSignal::new(None::<String>);
    // The clock is only read in the browser, after hydration, so both renders agree; 0 until
    // then.
    let now = RwSignal::new(0.0);
    Effect::new(move |_| {
        now.set(js_sys::Date::now());
        if let Ok(handle) = set_interval_with_handle(
            move || now.set(js_sys::Date::now()),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    });

    let done = move || batch.with(|b| b.completed_images);
    let failed = move || batch.with(|b| b.failed_images);
    let total = move || batch.with(|b| b.total_images);
    let percent = move || {
        let total = total().max(1) as f64;
        ((done() + failed()) as f64 / total * 100.0).round()
    };
    // The estimate changes when a task does; between changes it counts down with the clock.
    // Negative while there is no estimate yet.
    let estimate = Memo::new(move |_| live.estimate_ms().unwrap_or(-1.0));
    let estimated_at = RwSignal::new(0.0);
    Effect::new(move |_| {
        estimate.track();
        estimated_at.set(js_sys::Date::now());
    });
    let eta = move || {
        let (now, estimate) = (now.get(), estimate.get());
        if now == 0.0 || estimate < 0.0 || batch.with(|b| b.status.is_finished()) {
            return None;
        }
        let left = (estimate - (now - estimated_at.get())).max(1000.0);
        let seconds = (left / 1000.0).ceil() as u64;
        Some((t().eta)(&format!("{}:{:02}", seconds / 60, seconds % 60)))
    };
    let cancel = move |()| {
        let id = batch.with_untracked(|b| b.id);
        leptos::task::spawn_local(async move {
            match cancel_batch(id).await {
                Ok(refunded) => {
                    error.set(None);
                    notice.set(Some((t().cancelled_refunded)(refunded)));
                    session.refresh_credits();
                    live.refresh();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
            <div class="flex flex-wrap items-start justify-between gap-3">
                <div class="min-w-0">
                    <h1 class="truncate text-xl font-semibold">{move || batch.with(|b| t().batch_name(b))}</h1>
                    <p class="mt-1 text-sm text-slate-600">
                        {move || (t().model_line)(&batch.with(|b| b.model.clone()))}
                    </p>
                    <p class="mt-1 line-clamp-2 text-sm text-slate-800">
                        <span class="text-slate-500">{move || t().prompt} ": "</span>
                        {move || batch.with(|b| b.prompt.clone())}
                    </p>
                </div>
                <StatusBadge status=Signal::derive(move || batch.with(|b| b.status)) />
            </div>
            <div class="mt-4">
                <div class="flex flex-wrap items-baseline gap-x-4 gap-y-1 text-sm">
                    <span class="text-lg font-semibold tabular-nums" data-testid="done-total">
                        {move || (t().done_of)(done(), total())}
                    </span>
                    <When when=move || { failed() > 0 }>
                        <span class="font-medium text-red-700" data-testid="failed-count">
                            {move || (t().failed_count)(failed())}
                        </span>
                    </When>
                    <span class="text-slate-600" data-testid="eta">{eta}</span>
                    <span class="ml-auto text-xs text-slate-500">
                        {move || match live.feed.get() {
                            Feed::Live => t().live,
                            Feed::Polling => t().polling,
                            Feed::Connecting | Feed::Finished => "",
                        }}
                    </span>
                </div>
                <div
                    role="progressbar"
                    aria-label=move || t().progress_label
                    aria-valuemin="0"
                    aria-valuemax="100"
                    aria-valuenow=move || percent().to_string()
                    class="mt-2 flex h-2.5 w-full overflow-hidden rounded-full bg-slate-200"
                >
                    <div
                        class="h-full bg-emerald-500 transition-all"
                        style=move || format!("width: {}%", done() as f64 / total().max(1) as f64 * 100.0)
                    ></div>
                    <div
                        class="h-full bg-red-500 transition-all"
                        style=move || format!("width: {}%", failed() as f64 / total().max(1) as f64 * 100.0)
                    ></div>
                </div>
            </div>
            <div class="mt-4 flex flex-wrap items-center gap-2">
                <When when=move || { done() > 0 }>
                    <a
                        class="rounded-lg bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700"
                        href=move || format!("/api/batch/queue/{}/download", batch.with(|b| b.id))
                        download=""
                        rel="external"
                    >
                        {move || t().download_all}
                    </a>
                </When>
                <When when=move || !batch.with(|b| b.status.is_finished())>
                    <ConfirmButton
                        label=|t| t.cancel_batch
                        question=|t| t.cancel_confirm
                        yes=|t| t.cancel_yes
                        no=|t| t.cancel_no
                        button_class="rounded-lg px-3 py-1.5 text-sm font-medium text-red-700 ring-1 ring-red-300 hover:bg-red-50"
                        on_confirm=cancel
                    />
                </When>
                <div class="ml-auto">
                    <DeleteBatch id=Signal::derive(move || batch.with(|b| b.id)) />
                </div>
            </div>
            <ErrorLine error=error />
            <Notice message=notice />
        </section>
    }
    .into_any()
}
