use leptos::prelude::*;

use crate::{
    api,
    calls::Calls,
    components::{ErrorLine, Loading, When},
    i18n::use_t,
    types::{PresetChanges, PresetView},
};

/// Every preset: edit, enable or disable, reorder, delete; and a form for a new one.
#[component]
pub fn Presets() -> impl IntoView {
    let t = use_t();
    // Changes to the list, and the new-preset form's own (its error shows beside it).
    let calls = Calls::new();
    let create = Calls::new();
    let presets = Resource::new(
        move || calls.finished() + create.finished(),
        |_| api::all_presets(),
    );
    let error = calls.error();
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                let list = presets.await.unwrap_or_default();
                if list.is_empty() {
                    return view! { <p class="mt-2 text-sm text-slate-600">{move || t().presets_empty}</p> }.into_any();
                }
                let order: Vec<i64> = list.iter().map(|p| p.id).collect();
                view! {
                    <ul class="mt-2 flex flex-col gap-2" data-testid="admin-presets">
                        {list
                            .into_iter()
                            .enumerate()
                            .map(|(index, preset)| {
                                let order = order.clone();
                                view! { <PresetRow preset index order calls /> }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            })}
        </Transition>
        <ErrorLine error />
        <NewPreset create />
    }
    .into_any()
}

#[component]
fn PresetRow(
    preset: PresetView,
    /// Its place in the list, and every preset's id in list order.
    index: usize,
    order: Vec<i64>,
    calls: Calls,
) -> impl IntoView {
    let t = use_t();
    let id = preset.id;
    let editing = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let title = RwSignal::new(preset.title.clone());
    let content = RwSignal::new(preset.content.clone());
    let category = RwSignal::new(preset.category.clone());
    let saved = StoredValue::new(preset.clone());
    let discard = move |_| {
        saved.with_value(|p| {
            title.set(p.title.clone());
            content.set(p.content.clone());
            category.set(p.category.clone());
        });
        editing.set(false);
    };
    let active = preset.is_active;
    let sort_order = preset.sort_order;
    let count = order.len();
    // Moving renumbers the whole list in steps of 10, so equal orders never get stuck.
    let move_to = move |to: usize| {
        let mut ids = order.clone();
        let id = ids.remove(index);
        ids.insert(to.min(ids.len()), id);
        for (position, id) in ids.into_iter().enumerate() {
            let changes = PresetChanges {
                sort_order: Some((position as i64 + 1) * 10),
                ..Default::default()
            };
            calls.run(api::update_preset(id, changes), |_| ());
        }
    };
    let button =
        "rounded-md px-2 py-1 text-xs ring-1 ring-slate-300 hover:bg-slate-100 disabled:opacity-40";
    view! {
        <li class=if active { "rounded-lg bg-slate-50 p-3" } else { "rounded-lg bg-slate-50 p-3 opacity-70" } data-testid="admin-preset">
            <When
                when=move || editing.get()
                fallback=move || view! {
                    <p class="text-sm">
                        <span class="font-medium">{move || title.get()}</span>
                        <span class="text-slate-500">" · " {move || category.get()} " · " {sort_order}</span>
                        {(!active).then(|| view! { <span class="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-900">{move || t().disabled}</span> })}
                    </p>
                    <p class="mt-1 line-clamp-2 text-sm text-slate-700">{move || content.get()}</p>
                }
            >
                <div class="grid gap-2 sm:grid-cols-[1fr_10rem]">
                    <label class="text-xs font-medium text-slate-700">
                        {move || t().title}
                        <input class="mt-0.5 block w-full rounded border border-slate-300 px-2 py-1 text-sm" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
                    </label>
                    <label class="text-xs font-medium text-slate-700">
                        {move || t().category}
                        <input class="mt-0.5 block w-full rounded border border-slate-300 px-2 py-1 text-sm" prop:value=move || category.get() on:input=move |ev| category.set(event_target_value(&ev)) />
                    </label>
                    <label class="text-xs font-medium text-slate-700 sm:col-span-2">
                        {move || t().content}
                        <textarea rows="2" class="mt-0.5 block w-full rounded border border-slate-300 px-2 py-1 text-sm" prop:value=move || content.get() on:input=move |ev| content.set(event_target_value(&ev))></textarea>
                    </label>
                </div>
            </When>
            <div class="mt-2 flex flex-wrap gap-1.5">
                <When
                    when=move || editing.get()
                    fallback=move || view! { <button type="button" class=button on:click=move |_| editing.set(true)>{move || t().edit}</button> }
                >
                    <button
                        type="button"
                        class=button
                        on:click=move |_| {
                            let changes = PresetChanges {
                                title: Some(title.get_untracked()),
                                content: Some(content.get_untracked()),
                                category: Some(category.get_untracked()),
                                ..Default::default()
                            };
                            calls.run(api::update_preset(id, changes), |_| ());
                            editing.set(false);
                        }
                    >
                        {move || t().save}
                    </button>
                    <button type="button" class=button on:click=discard>
                        {move || t().cancel}
                    </button>
                </When>
                <button
                    type="button"
                    class=button
                    on:click=move |_| {
                        calls.run(api::update_preset(id, PresetChanges { is_active: Some(!active), ..Default::default() }), |_| ());
                    }
                >
                    {move || if active { t().disable } else { t().enable }}
                </button>
                <button type="button" class=button disabled={index == 0} on:click={ let move_to = move_to.clone(); move |_| move_to(index.saturating_sub(1)) }>
                    {move || t().move_up}
                </button>
                <button type="button" class=button disabled={index + 1 >= count} on:click=move |_| move_to(index + 1)>
                    {move || t().move_down}
                </button>
                <When
                    when=move || confirming.get()
                    fallback=move || view! { <button type="button" class="rounded-md px-2 py-1 text-xs text-red-700 ring-1 ring-red-300 hover:bg-red-50" on:click=move |_| confirming.set(true)>{move || t().delete}</button> }
                >
                    <span role="group" class="flex items-center gap-1.5 text-xs text-red-900">
                        {move || t().delete_confirm}
                        <button type="button" class="rounded-md bg-red-600 px-2 py-1 text-white" on:click=move |_| calls.run(api::delete_preset(id), |_| ())>
                            {move || t().delete}
                        </button>
                        <button type="button" class=button on:click=move |_| confirming.set(false)>{move || t().keep}</button>
                    </span>
                </When>
            </div>
        </li>
    }
    .into_any()
}

#[component]
fn NewPreset(create: Calls) -> impl IntoView {
    let t = use_t();
    let title = RwSignal::new(String::new());
    let content = RwSignal::new(String::new());
    let category = RwSignal::new(String::new());
    let failed = create.error();
    let input = "mt-0.5 block w-full rounded border border-slate-300 px-2 py-1 text-sm";
    view! {
        <form
            class="mt-4 grid gap-2 rounded-lg border border-dashed border-slate-300 p-3 sm:grid-cols-[1fr_10rem]"
            aria-label=move || t().add_preset
            on:submit=move |ev| {
                ev.prevent_default();
                let preset = PresetChanges {
                    title: Some(title.get_untracked()),
                    content: Some(content.get_untracked()),
                    category: Some(category.get_untracked()),
                    is_active: Some(true),
                    sort_order: None,
                };
                // A preset that was created empties the form.
                create.run(api::create_preset(preset), move |_| {
                    title.set(String::new());
                    content.set(String::new());
                    category.set(String::new());
                });
            }
        >
            <label class="text-xs font-medium text-slate-700">
                {move || t().title}
                <input class=input required prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
            </label>
            <label class="text-xs font-medium text-slate-700">
                {move || t().category}
                <input class=input prop:value=move || category.get() on:input=move |ev| category.set(event_target_value(&ev)) />
            </label>
            <label class="text-xs font-medium text-slate-700 sm:col-span-2">
                {move || t().content}
                <textarea rows="2" class=input required prop:value=move || content.get() on:input=move |ev| content.set(event_target_value(&ev))></textarea>
            </label>
            <div class="sm:col-span-2">
                <button type="submit" class="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">
                    {move || t().add_preset}
                </button>
                <ErrorLine error=failed />
            </div>
        </form>
    }
    .into_any()
}
