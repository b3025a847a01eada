//! `When`: its children while a condition holds (else an optional fallback), like Leptos' `Show`,
//! with the condition and the views type-erased. `Show` is compiled anew for the concrete type of
//! every use's children, about 3 KB of WebAssembly each; every `When` shares one copy.

use leptos::prelude::*;

#[component]
pub fn When(
    /// The children are built again only when this changes, not whenever what it reads does.
    #[prop(into)]
    when: Signal<bool>,
    /// Shown while `when` does not hold; nothing by default.
    #[prop(optional, into)]
    fallback: ViewFn,
    children: ChildrenFn,
) -> impl IntoView {
    let shown = Memo::new(move |_| when.get());
    move || {
        if shown.get() {
            children()
        } else {
            fallback.run()
        }
    }
}
