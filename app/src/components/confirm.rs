use leptos::prelude::*;

use super::When;
use crate::i18n::{Messages, use_t};

/// A button for an action that cannot be taken back: it asks first, showing the question with
/// a "yes" that acts and a "no" that puts the button back.
#[component]
pub fn ConfirmButton(
    label: fn(&Messages) -> &'static str,
    question: fn(&Messages) -> &'static str,
    yes: fn(&Messages) -> &'static str,
    no: fn(&Messages) -> &'static str,
    /// Classes of the button before it is pressed.
    button_class: &'static str,
    #[prop(into)] on_confirm: Callback<()>,
) -> impl IntoView {
    let t = use_t();
    let confirming = RwSignal::new(false);
    view! {
        <When
            when=move || confirming.get()
            fallback=move || {
                view! {
                    <button type="button" class=button_class on:click=move |_| confirming.set(true)>
                        {move || label(t())}
                    </button>
                }
            }
        >
            <div role="group" class="flex flex-wrap items-center gap-2 rounded-lg bg-red-50 p-2 text-sm text-red-900">
                <span>{move || question(t())}</span>
                <button
                    type="button"
                    class="rounded-md bg-red-600 px-2.5 py-1 font-medium text-white hover:bg-red-500"
                    on:click=move |_| {
                        confirming.set(false);
                        on_confirm.run(());
                    }
                >
                    {move || yes(t())}
                </button>
                <button
                    type="button"
                    class="rounded-md px-2.5 py-1 ring-1 ring-red-300 hover:bg-white"
                    on:click=move |_| confirming.set(false)
                >
                    {move || no(t())}
                </button>
            </div>
        </When>
    }
}
