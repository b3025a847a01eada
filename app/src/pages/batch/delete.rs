//! Deleting a batch with its images, after a confirmation; then on to the history.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::{
    AppError,
    api::delete_batch,
    components::{ConfirmButton, ErrorLine},
    state::use_session,
};

#[component]
pub fn DeleteBatch(#[prop(into)] id: Signal<i64>) -> impl IntoView {
    let session = use_session();
    let error = RwSignal::new(None::<AppError>);
    let delete = move |()| {
        let id = id.get_untracked();
        leptos::task::spawn_local(async move {
            match delete_batch(id).await {
                Ok(_) => {
                    session.refresh_credits();
                    use_navigate()("/history", Default::default());
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    view! {
        <ConfirmButton
            label=|t| t.delete_batch
            question=|t| t.delete_batch_confirm
            yes=|t| t.delete_batch_yes
            no=|t| t.delete_batch_no
            button_class="rounded-lg px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
            on_confirm=delete
        />
        <ErrorLine error=error />
    }
}
