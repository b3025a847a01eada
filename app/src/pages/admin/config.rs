use leptos::{prelude::*, server_fn::ServerFn};

use crate::{
    api::{self, SetConcurrency},
    calls::Calls,
    components::{ErrorLine, Loading, Notice, PostForm},
    i18n::use_t,
};

/// The global concurrency, applied at once, beside what runs now.
#[component]
pub fn Concurrency(tick: RwSignal<u32>) -> impl IntoView {
    let t = use_t();
    let calls = Calls::new().showing_refusals_of(&[SetConcurrency::url()]);
    let saved = RwSignal::new(false);
    let queue = Resource::new(
        move || i64::from(tick.get()) + calls.finished(),
        |_| api::admin_queue(),
    );
    let error = calls.error();
    let save = move |concurrency| {
        saved.set(false);
        calls.run(api::set_concurrency(concurrency), move |_| saved.set(true));
    };
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                queue.await.ok().map(|now| {
                    view! {
                        <PostForm action=SetConcurrency::url() submit=move |f| save(f.text("concurrency").trim().parse().unwrap_or(0)) attr:class="mt-3 flex flex-wrap items-end gap-3">
                            <label class="text-sm font-medium text-slate-700">
                                {move || t().concurrency}
                                <input
                                    type="number"
                                    name="concurrency"
                                    min="1"
                                    max="10"
                                    step="1"
                                    required
                                    value=now.concurrency.to_string()
                                    class="mt-1 block w-24 rounded-lg border border-slate-300 px-3 py-1.5"
                                />
                            </label>
                            <button type="submit" class="rounded-lg bg-indigo-600 px-4 py-1.5 font-medium text-white hover:bg-indigo-500">
                                {move || t().save}
                            </button>
                            <p class="text-sm text-slate-600">{move || t().concurrency_hint}</p>
                        </PostForm>
                        <p class="mt-2 text-sm text-slate-700" data-testid="queue-now">
                            {move || (t().running_now)(now.running, now.waiting, now.failed_last_hour)}
                        </p>
                    }
                }).into_any()
            })}
        </Transition>
        <ErrorLine error />
        <Notice message=Signal::derive(move || saved.get().then(|| t().saved.to_owned())) />
    }
    .into_any()
}
