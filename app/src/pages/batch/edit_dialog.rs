//! The edit dialog: a new prompt for one image, regenerated as its next version. A modal
//! `<dialog>`: the browser traps focus inside and closes it on Escape.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{
    card::{result_url, short_name},
    live::LiveBatch,
};
use crate::{
    AppError,
    api::edit_task,
    components::{ErrorLine, Notice, StatusBadge, When},
    i18n::use_t,
    state::use_session,
    types::{EditSource, Status},
};

const DIALOG_ID: &str = "edit-dialog";

fn source(from_result: bool) -> EditSource {
    if from_result {
        EditSource::Result
    } else {
        EditSource::Original
    }
}

/// The page's one edit dialog, found by its id: a `NodeRef` would compile the renderer's
/// node-reference code for the dialog element type into the WebAssembly.
fn dialog_element() -> Option<web_sys::HtmlDialogElement> {
    document().get_element_by_id(DIALOG_ID)?.dyn_into().ok()
}

#[component]
pub fn EditDialog(live: LiveBatch, editing: RwSignal<i64>) -> impl IntoView {
    let t = use_t();
    let session = use_session();
    let prompt = RwSignal::new(String::new());
    // Whether the edit starts from the latest result (else from the original).
    let from_result = RwSignal::new(true);
    let error = RwSignal::new(None::<AppError>);
    let notice = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let task = move || live.task(editing.get()).map(|s| s.get());

    Effect::new(move |_| {
        // Read first: the effect must follow `editing` even when it first runs before the
        // dialog is in the document.
        let task = live.task(editing.get());
        let Some(dialog) = dialog_element() else {
            return;
        };
        match task {
            Some(task) => {
                let current = task.get_untracked();
                prompt.set(current.prompt.clone());
                from_result.set(current.generated_image_url.is_some());
                error.set(None);
                notice.set(None);
                if !dialog.open() {
                    let _ = dialog.show_modal();
                }
            }
            None => {
                if dialog.open() {
                    dialog.close();
                }
            }
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = editing.get_untracked();
        if id == 0 {
            return;
        }
        pending.set(true);
        leptos::task::spawn_local(async move {
            let answer = edit_task(
                id,
                prompt.get_untracked(),
                source(from_result.get_untracked()),
            )
            .await;
            pending.set(false);
            match answer {
                Ok(_) => {
                    error.set(None);
                    notice.set(Some(t().edit_queued.to_owned()));
                    session.refresh_credits();
                    live.refresh();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let busy = move || task().is_some_and(|t| !t.status.is_finished()) || pending.get();
    let free = move || live.batch.with(|b| b.used_user_key);

    view! {
        <dialog
            id=DIALOG_ID
            aria-labelledby="edit-title"
            class="m-auto max-h-[90vh] w-[min(48rem,calc(100vw-2rem))] overflow-y-auto rounded-2xl p-0 shadow-xl backdrop:bg-slate-900/50"
            on:close=move |_| editing.set(0)
        >
            {move || {
                task()
                    .map(|current| {
                        let versions = current.versions.clone();
                        let result = result_url(&current);
                        view! {
                            <form class="flex flex-col gap-4 p-5" on:submit=submit>
                                <div class="flex items-start justify-between gap-3">
                                    <h2 id="edit-title" class="text-lg font-semibold">
                                        {(t().edit_title)(short_name(&current.original_filename))}
                                    </h2>
                                    <StatusBadge status=Signal::derive(move || task().map_or(Status::Pending, |t| t.status)) />
                                </div>
                                <div class="grid grid-cols-2 gap-3">
                                    <figure>
                                        <img src=current.original_image_url.clone() alt=t().original_image class="aspect-square w-full rounded-lg bg-slate-100 object-contain" />
                                        <figcaption class="mt-1 text-xs text-slate-600">{t().original_image}</figcaption>
                                    </figure>
                                    <figure>
                                        {match result {
                                            Some(src) => view! { <img src=src alt=t().generated_image class="aspect-square w-full rounded-lg bg-slate-100 object-contain" /> }.into_any(),
                                            None => view! { <div class="flex aspect-square w-full items-center justify-center rounded-lg bg-slate-100 text-sm text-slate-500">{t().no_result_yet}</div> }.into_any(),
                                        }}
                                        <figcaption class="mt-1 text-xs text-slate-600">{t().generated_image}</figcaption>
                                    </figure>
                                </div>
                                <label class="block text-sm font-medium text-slate-700">
                                    {t().new_prompt}
                                    <textarea
                                        rows="3"
                                        class="mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
                                        prop:value=move || prompt.get()
                                        on:input=move |ev| prompt.set(event_target_value(&ev))
                                    ></textarea>
                                </label>
                                <fieldset class="text-sm">
                                    <legend class="font-medium text-slate-700">{t().start_from}</legend>
                                    <div class="mt-1 flex flex-wrap gap-4">
                                        <label class="flex items-center gap-1.5">
                                            <input
                                                type="radio"
                                                name="source"
                                                prop:checked=move || from_result.get()
                                                disabled=current.generated_image_url.is_none()
                                                on:change=move |_| from_result.set(true)
                                            />
                                            {t().from_result}
                                        </label>
                                        <label class="flex items-center gap-1.5">
                                            <input
                                                type="radio"
                                                name="source"
                                                prop:checked=move || !from_result.get()
                                                on:change=move |_| from_result.set(false)
                                            />
                                            {t().from_original}
                                        </label>
                                    </div>
                                </fieldset>
                                <div class="flex flex-wrap items-center gap-3">
                                    <button
                                        type="submit"
                                        class="rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500 disabled:bg-slate-300 disabled:text-slate-600"
                                        disabled=move || busy() || prompt.get().trim().is_empty()
                                    >
                                        {t().regenerate}
                                    </button>
                                    <span class="text-sm text-slate-600">{move || (t().edit_cost)(free())}</span>
                                    <When when=move || task().is_some_and(|t| t.status == Status::Processing)>
                                        <span class="text-sm text-blue-800">
                                            {move || {
                                                task()
                                                    .and_then(|t| t.progress)
                                                    .map(|p| format!("{:.0}%", p * 100.0))
                                                    .unwrap_or_default()
                                            }}
                                        </span>
                                    </When>
                                </div>
                                <ErrorLine error=error />
                                <Notice message=notice />
                                <section aria-labelledby="versions-title">
                                    <h3 id="versions-title" class="text-sm font-medium text-slate-700">{t().versions}</h3>
                                    <ul class="mt-1 flex flex-wrap gap-2" data-testid="versions">
                                        {versions
                                            .into_iter()
                                            .map(|v| {
                                                let label = format!("v{}", v.version);
                                                view! {
                                                    <li class="flex items-center gap-1.5 rounded-lg px-2 py-1 text-sm ring-1 ring-slate-200" title=v.prompt.clone()>
                                                        <span class="font-medium">{label.clone()}</span>
                                                        <a class="text-indigo-700 hover:underline" href=v.image_url.clone() target="_blank" rel="external">{t().view}</a>
                                                        <a class="text-indigo-700 hover:underline" href=v.image_url.clone() download="" rel="external">{t().download}</a>
                                                    </li>
                                                }
                                            })
                                            .collect_view()}
                                    </ul>
                                </section>
                                <div class="flex justify-end">
                                    <button
                                        type="button"
                                        class="rounded-lg px-3 py-1.5 text-sm ring-1 ring-slate-300 hover:bg-slate-100"
                                        on:click=move |_| editing.set(0)
                                    >
                                        {t().close}
                                    </button>
                                </div>
                            </form>
                        }
                    })
            }}
        </dialog>
    }
    .into_any()
}
