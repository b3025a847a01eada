use leptos::prelude::*;

use crate::{
    api,
    calls::Calls,
    components::{ErrorLine, LoadFailed, Loading, Notice},
    i18n::use_t,
    types::AdminUser,
};

/// Users with balance and role; grant credits, make or revoke admin.
#[component]
pub fn Users() -> impl IntoView {
    let t = use_t();
    let calls = Calls::new();
    // Who was last granted credits, and their balance now.
    let granted = RwSignal::new(None::<(String, i64)>);
    let users = Resource::new(move || calls.finished(), |_| api::users());
    let error = calls.error();
    let notice = move || {
        granted
            .get()
            .map(|(username, credits)| (t().granted)(&username, credits))
    };
    view! {
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match users.await {
                    Ok(list) => view! {
                        <div class="mt-3 overflow-x-auto">
                            <table class="w-full text-left text-sm" data-testid="users">
                                <thead class="text-slate-600">
                                    <tr>
                                        <th class="py-1 pr-3 font-medium">{move || t().username}</th>
                                        <th class="py-1 pr-3 font-medium">{move || t().role}</th>
                                        <th class="py-1 pr-3 font-medium">{move || t().balance}</th>
                                        <th class="py-1 font-medium">{move || t().grant}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.into_iter().map(|user| view! { <UserRow user calls granted /> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(error) => view! { <LoadFailed error /> }.into_any(),
                }
            })}
        </Transition>
        <ErrorLine error />
        <Notice message=Signal::derive(notice) />
    }
    .into_any()
}

#[component]
fn UserRow(
    user: AdminUser,
    calls: Calls,
    granted: RwSignal<Option<(String, i64)>>,
) -> impl IntoView {
    let t = use_t();
    let id = user.id;
    let is_admin = user.is_admin;
    let amount = RwSignal::new(String::new());
    let name = user.username.clone();
    view! {
        <tr class="border-t border-slate-100" data-testid="user-row" data-username=user.username.clone()>
            <td class="py-1.5 pr-3 font-medium">{user.username.clone()}</td>
            <td class="py-1.5 pr-3">
                {move || if is_admin { t().admin_role } else { t().member_role }}
                <button
                    type="button"
                    class="ml-2 rounded-md px-2 py-0.5 text-xs ring-1 ring-slate-300 hover:bg-slate-100"
                    on:click=move |_| calls.run(api::set_admin(id, !is_admin), |_| ())
                >
                    {move || if is_admin { t().revoke_admin } else { t().make_admin }}
                </button>
            </td>
            <td class="py-1.5 pr-3 tabular-nums">{user.credits}</td>
            <td class="py-1.5">
                <form
                    class="flex items-center gap-2"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        if let Ok(amount) = amount.get_untracked().trim().parse::<i64>() {
                            granted.set(None);
                            calls.run(api::grant_credits(id, amount), move |user| {
                                granted.set(Some((user.username, user.credits)));
                            });
                        }
                    }
                >
                    <label class="sr-only" for=format!("grant-{id}")>{move || format!("{} · {}", t().amount, name)}</label>
                    <input
                        id=format!("grant-{id}")
                        type="number"
                        step="1"
                        required
                        placeholder=move || t().amount
                        class="w-24 rounded border border-slate-300 px-2 py-1"
                        prop:value=move || amount.get()
                        on:input=move |ev| amount.set(event_target_value(&ev))
                    />
                    <button type="submit" class="rounded-md bg-slate-900 px-2 py-1 text-xs font-medium text-white hover:bg-slate-700">
                        {move || t().grant}
                    </button>
                </form>
            </td>
        </tr>
    }
    .into_any()
}
