//! Hydrates the server-rendered page in the browser.

use leptos::mount::hydrate_from_async;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are lazily loaded routes: hydration waits for the current page's chunk.
    // (`hydrate_from_async` sets up Leptos' executor on its first poll.)
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document()
            .body()
            .expect("a server-rendered page has a body");
        hydrate_from_async(body, app::App).await.forget();
        // A flag for browser tests and tooling: the page is interactive from here on.
        let _ = js_sys::Reflect::set(
            &js_sys::global(),
            &JsValue::from_str("__imgbatchHydrated"),
            &JsValue::TRUE,
        );
    });
}
