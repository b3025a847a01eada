//! `/account`: balance, the credit ledger and the user's own provider keys.

use leptos::{prelude::*, server_fn::ServerFn};

use crate::{
    api::{self, DeleteKey, Logout, SetKey},
    calls::Calls,
    components::{ErrorLine, LoadFailed, Loading, PostForm, RequireUser},
    i18n::use_t,
    state::use_session,
    types::{KeyStatus, UserView},
};

#[component]
pub fn AccountPage() -> impl IntoView {
    view! { <RequireUser children=|user| view! { <Account user /> } /> }
}

#[component]
fn Account(user: UserView) -> impl IntoView {
    let t = use_t();
    let session = use_session();
    let ledger = Resource::new(|| (), |_| api::ledger(100, 0));
    view! {
        <h1 class="mb-4 text-xl font-semibold">{move || t().account_title}</h1>
        <div class="grid gap-6 lg:grid-cols-[minmax(0,1fr)_24rem]">
            <section class="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm" aria-labelledby="ledger-title">
                <p class="text-sm text-slate-600">{move || t().balance}</p>
                <p class="text-3xl font-semibold tabular-nums" data-testid="balance">
                    {
                        let user = user.clone();
                        move || session.balance(&user)
                    }
                </p>
                <h2 id="ledger-title" class="mt-6 font-medium">{move || t().ledger}</h2>
                <Transition fallback=Loading>
                    {move || Suspend::new(async move {
                        match ledger.await {
                            Ok(entries) if entries.is_empty() => view! { <p class="mt-2 text-slate-600">{move || t().ledger_empty}</p> }.into_any(),
                            Ok(entries) => view! {
                                <div class="mt-2 overflow-x-auto">
                                    <table class="w-full text-left text-sm">
                                        <thead class="text-slate-600">
                                            <tr>
                                                <th class="py-1 pr-3 font-medium">{move || t().date}</th>
                                                <th class="py-1 pr-3 font-medium">{move || t().change}</th>
                                                <th class="py-1 pr-3 font-medium">{move || t().reason}</th>
                                                <th class="py-1 font-medium">{move || t().batch}</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {entries.into_iter().map(|e| {
                                                let date = e.created_at.get(..16).unwrap_or(&e.created_at).replace('T', " ");
                                                let positive = e.delta > 0;
                                                view! {
                                                    <tr class="border-t border-slate-100">
                                                        <td class="py-1.5 pr-3 whitespace-nowrap">{date}</td>
                                                        <td class=if positive { "py-1.5 pr-3 tabular-nums text-emerald-700" } else { "py-1.5 pr-3 tabular-nums text-slate-800" }>
                                                            {if positive { format!("+{}", e.delta) } else { e.delta.to_string() }}
                                                        </td>
                                                        <td class="py-1.5 pr-3">{move || (t().ledger_reason)(e.reason)}</td>
                                                        <td class="py-1.5">
                                                            {e.queue_id.map(|id| view! { <a class="text-indigo-700 hover:underline" href=format!("/batch/{id}")>{format!("#{id}")}</a> })}
                                                        </td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any(),
                            Err(error) => view! { <LoadFailed error /> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            <div class="flex flex-col gap-6">
                <Keys />
                <Sessions />
            </div>
        </div>
    }
    .into_any()
}

/// Ends every session and API token of the user, on every device, this one included.
#[component]
fn Sessions() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm" aria-labelledby="sessions-title">
            <h2 id="sessions-title" class="font-medium">{move || t().sessions}</h2>
            <p class="mt-1 text-sm text-slate-600">{move || t().sessions_hint}</p>
            <PostForm action=Logout::url() submit=move |_| session.sign_out(true) attr:class="mt-3">
                <input type="hidden" name="everywhere" value="true" />
                <button
                    type="submit"
                    class="rounded-md px-3 py-1.5 text-sm text-red-700 ring-1 ring-red-300 hover:bg-red-50"
                >
                    {move || t().sign_out_everywhere}
                </button>
            </PostForm>
        </section>
    }
    .into_any()
}

#[component]
fn Keys() -> impl IntoView {
    let t = use_t();
    let calls = Calls::new().showing_refusals_of(&[SetKey::url(), DeleteKey::url()]);
    let keys = Resource::new(move || calls.finished(), |_| api::keys());
    view! {
        <section class="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm" aria-labelledby="keys-title">
            <h2 id="keys-title" class="font-medium">{move || t().api_keys}</h2>
            <p class="mt-1 text-sm text-slate-600">{move || t().api_keys_hint}</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match keys.await {
                        Ok(list) if list.is_empty() => view! { <p class="mt-3 text-sm text-slate-600">{move || t().no_key_providers}</p> }.into_any(),
                        Ok(list) => list.into_iter().map(|k| view! { <KeyRow key=k calls /> }).collect_view().into_any(),
                        Err(error) => view! { <LoadFailed error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
fn KeyRow(key: KeyStatus, calls: Calls) -> impl IntoView {
    let t = use_t();
    let provider = key.provider.clone();
    let input_id = format!("key-{provider}");
    let delete_provider = provider.clone();
    let error = calls.error();
    view! {
        <div class="mt-4 rounded-lg bg-slate-50 p-3">
            <p class="text-sm">
                <span class="font-medium">{provider.clone()}</span>
                " · "
                <span class="text-slate-600" data-testid="key-state">
                    {key.masked.clone().unwrap_or_else(|| t().no_key.to_owned())}
                </span>
            </p>
            <PostForm action=SetKey::url() submit=move |f| calls.run(api::set_key(f.text("provider"), f.text("api_key")), |_| ()) attr:class="mt-2 flex gap-2">
                <input type="hidden" name="provider" value=provider.clone() />
                <label class="sr-only" for=input_id.clone()>{move || t().api_key}</label>
                <input
                    id=input_id
                    type="password"
                    name="api_key"
                    autocomplete="off"
                    required
                    placeholder=move || t().api_key
                    class="min-w-0 flex-1 rounded-lg border border-slate-300 px-2 py-1.5 text-sm"
                />
                <button type="submit" class="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500">
                    {
                        let has = key.has_key;
                        move || if has { t().replace_key } else { t().save_key }
                    }
                </button>
            </PostForm>
            {key.has_key.then(|| {
                let provider = delete_provider;
                view! {
                    <PostForm action=DeleteKey::url() submit=move |f| calls.run(api::delete_key(f.text("provider")), |_| ()) attr:class="mt-2">
                        <input type="hidden" name="provider" value=provider />
                        <button type="submit" class="text-sm text-red-700 hover:underline">{move || t().remove_key}</button>
                    </PostForm>
                }
            })}
            <ErrorLine error />
        </div>
    }
    .into_any()
}
