//! Hydrates the server-rendered page in the browser.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // A flag for browser tests and tooling: the page is interactive from here on.
    let _ = js_sys::Reflect::set(
        &js_sys::global(),
        &JsValue::from_str("__imgbatchHydrated"),
        &JsValue::TRUE,
    );
}
