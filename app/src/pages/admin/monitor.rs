use leptos::prelude::*;

use crate::{
    api,
    components::{LoadFailed, Loading, StatusBadge},
    i18n::use_t,
    types::{QueueFilter, Status},
};

/// Every user's batches, refreshed every few seconds, filterable by status and user.
#[component]
pub fn Monitor(tick: RwSignal<u32>) -> impl IntoView {
    let t = use_t();
    let status = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let batches = Resource::new(
        move || (tick.get(), status.get(), user.get()),
        |(_, status, user)| {
            api::monitor(QueueFilter {
                status: status.parse::<Status>().ok(),
                user: Some(user.trim().to_owned()).filter(|u| !u.is_empty()),
                limit: Some(50),
                offset: None,
            })
        },
    );
    let input = "mt-1 block rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm";
    view! {
        <div class="mt-3 flex flex-wrap gap-3">
            <label class="text-sm font-medium text-slate-700">
                {move || t().status_filter}
                <select class=input on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="">{move || t().all_statuses}</option>
                    {Status::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.as_str()>{move || (t().status)(s)}</option> })
                        .collect_view()}
                </select>
            </label>
            <label class="text-sm font-medium text-slate-700">
                {move || t().filter_user}
                <input type="search" class=input on:change=move |ev| user.set(event_target_value(&ev)) />
            </label>
        </div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match batches.await {
                    Ok(list) if list.is_empty() => view! { <p class="mt-3 text-sm text-slate-600">{move || t().monitoring_empty}</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="mt-3 overflow-x-auto">
                            <table class="w-full text-left text-sm" data-testid="monitor">
                                <thead class="text-slate-600">
                                    <tr>
                                        <th class="py-1 pr-3 font-medium">{move || t().batch}</th>
                                        <th class="py-1 pr-3 font-medium">{move || t().user}</th>
                                        <th class="py-1 pr-3 font-medium">{move || t().status_filter}</th>
                                        <th class="py-1 pr-3 font-medium">{move || t().progress_label}</th>
                                        <th class="py-1 font-medium">{move || t().created}</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list.into_iter().map(|row| {
                                        let b = row.batch;
                                        let status = b.status;
                                        let date = b.created_at.get(..16).unwrap_or(&b.created_at).replace('T', " ");
                                        view! {
                                            <tr class="border-t border-slate-100">
                                                <td class="py-1.5 pr-3">
                                                    <a class="text-indigo-700 hover:underline" href=format!("/batch/{}", b.id)>
                                                        {format!("#{} {}", b.id, t().batch_name(&b))}
                                                    </a>
                                                </td>
                                                <td class="py-1.5 pr-3">{row.username}</td>
                                                <td class="py-1.5 pr-3"><StatusBadge status=Signal::derive(move || status) /></td>
                                                <td class="py-1.5 pr-3 tabular-nums">
                                                    {(t().done_of)(b.completed_images, b.total_images)}
                                                    {(b.failed_images > 0).then(|| format!(" · {}", (t().failed_count)(b.failed_images)))}
                                                </td>
                                                <td class="py-1.5 whitespace-nowrap">{date}</td>
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
    }
    .into_any()
}
