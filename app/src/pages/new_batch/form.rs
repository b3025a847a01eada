//! The batch form: prompt and preset, model, name, cost, start, and the upload with progress.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use web_sys::FormData;

use super::{
    picker::Picker,
    selection::{MAX_IMAGES, Selection, human_size},
};
use crate::{
    AppError,
    api::{models, presets},
    browser::xhr::{Failure, Upload},
    components::{ErrorLine, Notice, When},
    i18n::use_t,
    state::use_session,
    types::{BatchCreated, ModelView, UserView},
};

thread_local! {
    /// The upload under way: one at a time, in the browser only.
    static UPLOAD: std::cell::RefCell<Option<Upload>> = const { std::cell::RefCell::new(None) };
}

/// Where the upload stands.
#[derive(Debug, Clone, PartialEq)]
enum Sending {
    Idle,
    Sending { sent: f64, total: f64 },
}

#[component]
pub fn NewBatch(user: UserView) -> impl IntoView {
    let t = use_t();
    let session = use_session();
    let selection = Selection::new();
    let prompt = RwSignal::new(String::new());
    let preset = RwSignal::new(String::new());
    let model = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let sending = RwSignal::new(Sending::Idle);
    let error = RwSignal::new(None::<AppError>);
    let notice = RwSignal::new(None::<&'static str>);
    let models = Resource::new(|| (), |_| models());
    let presets = Resource::new(|| (), |_| presets());

    let chosen_model = move || {
        let id = model.get();
        models
            .get()
            .and_then(Result::ok)
            .and_then(|list| list.iter().find(|m| m.id == id).or(list.first()).cloned())
    };
    let per_image = move || {
        if chosen_model().is_some_and(|m| m.free_with_own_key) {
            0
        } else {
            1
        }
    };
    let count = move || selection.valid_count() as i64;
    let cost = move || count() * per_image();
    let (user_id, loaded_credits) = (user.id, user.credits);
    let balance = move || session.balance_of(user_id, loaded_credits);
    let short = move || (cost() > balance()).then(|| (t().not_enough_credits)(cost(), balance()));
    let ready = move || {
        count() > 0
            && count() <= MAX_IMAGES as i64
            && !prompt.get().trim().is_empty()
            && short().is_none()
            && selection.checking.get() == 0
            && sending.get() == Sending::Idle
    };

    let start = move |_| {
        if !ready() {
            return;
        }
        error.set(None);
        notice.set(None);
        let Ok(form) = FormData::new() else {
            return;
        };
        let model_id = chosen_model().map(|m| m.id).unwrap_or_default();
        let _ = form.append_with_str("prompt", &prompt.get_untracked());
        let _ = form.append_with_str("model", &model_id);
        let _ = form.append_with_str("batchName", &name.get_untracked());
        selection.files.with_untracked(|files| {
            for chosen in files.iter().filter(|c| c.problem.is_none()) {
                if let Some(file) = Selection::file(chosen.id) {
                    let _ = form.append_with_blob_and_filename("images", &file, &chosen.path);
                }
            }
        });
        let started = Upload::start("/rpc/create_batch", &form, move |sent, total| {
            sending.set(Sending::Sending { sent, total });
        });
        let Ok((handle, progress)) = started else {
            error.set(Some(AppError::ServerFn(
                server_fn::error::ServerFnErrorErr::Request("upload".into()),
            )));
            return;
        };
        sending.set(Sending::Sending {
            sent: 0.0,
            total: 0.0,
        });
        UPLOAD.with(|u| *u.borrow_mut() = Some(handle.clone()));
        let navigate = use_navigate();
        leptos::task::spawn_local(async move {
            let answer = handle.finish().await;
            drop(progress);
            UPLOAD.with(|u| u.borrow_mut().take());
            sending.set(Sending::Idle);
            match answer {
                Ok(answer) if (200..300).contains(&answer.status) => {
                    match serde_json::from_str::<BatchCreated>(&answer.body) {
                        Ok(created) => {
                            session.refresh_credits();
                            navigate(&format!("/batch/{}", created.queue_id), Default::default());
                        }
                        Err(_) => error.set(Some(AppError::Internal)),
                    }
                }
                Ok(answer) => error.set(Some(
                    serde_json::from_str::<AppError>(&answer.body).unwrap_or(AppError::Internal),
                )),
                Err(Failure::Aborted) => notice.set(Some(t().upload_cancelled)),
                Err(Failure::Network) => notice.set(Some(t().upload_failed)),
            }
        });
    };
    let cancel = move |_| {
        UPLOAD.with(|u| {
            if let Some(u) = u.borrow().as_ref() {
                u.abort();
            }
        })
    };

    let label = "block text-sm font-medium text-slate-700";
    let input = "mt-1 block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200";

    view! {
        <h1 class="sr-only">{move || t().new_batch}</h1>
        <div class="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
            <div>
                <Picker selection />
            </div>
            <form
                class="flex flex-col gap-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm lg:sticky lg:top-20 lg:self-start"
                on:submit=move |ev| {
                    ev.prevent_default();
                    start(());
                }
            >
                <label class=label>
                    {move || t().prompt}
                    <textarea
                        name="prompt"
                        rows="4"
                        class=input
                        placeholder=move || t().prompt_placeholder
                        prop:value=move || prompt.get()
                        on:input=move |ev| prompt.set(event_target_value(&ev))
                    ></textarea>
                </label>
                <div>
                    <label class=label for="preset">
                        {move || t().preset}
                    </label>
                    <Transition fallback=|| ()>
                        <select
                            id="preset"
                            name="preset"
                            class=input
                            prop:value=move || preset.get()
                            on:change=move |ev| {
                                let id = event_target_value(&ev);
                                if let Some(Ok(list)) = presets.get()
                                    && let Some(p) = list.iter().find(|p| p.id.to_string() == id)
                                {
                                    prompt.set(p.content.clone());
                                }
                                preset.set(id);
                            }
                        >
                            <option value="">{move || t().no_preset}</option>
                            {move || Suspend::new(async move {
                                presets
                                    .await
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|p| {
                                        view! {
                                            <option value=p.id.to_string()>
                                                {format!("{} · {}", p.title, p.category)}
                                            </option>
                                        }
                                    })
                                    .collect_view()
                                    .into_any()
                            })}
                        </select>
                    </Transition>
                </div>
                <div>
                    <label class=label for="model">
                        {move || t().model}
                    </label>
                    <Transition fallback=|| ()>
                        <select
                            id="model"
                            name="model"
                            class=input
                            prop:value=move || chosen_model().map(|m| m.id).unwrap_or_default()
                            on:change=move |ev| model.set(event_target_value(&ev))
                        >
                            {move || Suspend::new(async move {
                                models
                                    .await
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|m| {
                                        let name = if m.id == ModelView::DEMO {
                                            t().demo_model.to_owned()
                                        } else {
                                            m.name.clone()
                                        };
                                        view! { <option value=m.id.clone()>{name}</option> }
                                    })
                                    .collect_view()
                                    .into_any()
                            })}
                        </select>
                    </Transition>
                </div>
                <label class=label>
                    {move || t().batch_name}
                    <input
                        type="text"
                        name="batchName"
                        class=input
                        maxlength="200"
                        placeholder=move || t().batch_name_placeholder
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </label>
                <div class="rounded-lg bg-slate-50 p-3 text-sm" aria-live="polite">
                    <p data-testid="cost">
                        <span class="font-medium">
                            {move || {
                                if per_image() == 0 && count() > 0 {
                                    t().free_with_key.to_owned()
                                } else {
                                    (t().cost)(cost())
                                }
                            }}
                        </span>
                        " · "
                        {move || (t().chosen_count)(count() as usize)}
                    </p>
                    <p class="text-slate-600" data-testid="balance-after">
                        {move || (t().balance_after)(balance() - cost())}
                    </p>
                    {move || {
                        short()
                            .map(|m| {
                                view! {
                                    <p role="alert" class="mt-1 font-medium text-red-700">
                                        {m}
                                    </p>
                                }
                            })
                    }}
                </div>
                {move || match sending.get() {
                    Sending::Idle => {
                        view! {
                            <button
                                type="submit"
                                class="w-full rounded-lg bg-indigo-600 px-4 py-2.5 font-medium text-white hover:bg-indigo-500 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-not-allowed disabled:bg-slate-300 disabled:text-slate-600"
                                disabled=move || !ready()
                            >
                                {move || t().start}
                            </button>
                        }
                            .into_any()
                    }
                    Sending::Sending { sent, total } => {
                        let percent = if total > 0.0 { sent / total * 100.0 } else { 0.0 };
                        view! {
                            <div>
                                <p class="text-sm text-slate-700" id="upload-label">
                                    {move || (t().uploading)(&human_size(sent), &human_size(total))}
                                </p>
                                <div
                                    role="progressbar"
                                    aria-labelledby="upload-label"
                                    aria-valuemin="0"
                                    aria-valuemax="100"
                                    aria-valuenow=format!("{percent:.0}")
                                    class="mt-1 h-2 w-full overflow-hidden rounded-full bg-slate-200"
                                >
                                    <div
                                        class="h-full bg-indigo-600 transition-all"
                                        style=format!("width: {percent:.1}%")
                                    ></div>
                                </div>
                                <button
                                    type="button"
                                    class="mt-2 rounded-md px-2 py-1 text-sm text-slate-700 ring-1 ring-slate-300 hover:bg-slate-100"
                                    on:click=cancel
                                >
                                    {move || t().cancel_upload}
                                </button>
                            </div>
                        }
                            .into_any()
                    }
                }}
                <When when=move || { prompt.get().trim().is_empty() && count() > 0 }>
                    <p class="text-sm text-slate-600">{move || t().prompt_required}</p>
                </When>
                <ErrorLine error=error />
                <Notice message=Signal::derive(move || notice.get().map(str::to_owned)) />
            </form>
        </div>
    }
    .into_any()
}
