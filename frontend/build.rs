//! Keeps the linker from merging data segments, so that `cargo leptos build --split` can move a
//! lazily loaded page's constant data into that page's chunk instead of the main bundle.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=--no-merge-data-segments");
    }
}
