//! Small inline SVG charts: drawn as markup, no chart library.

use leptos::prelude::*;

const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 120.0;
const BASE: f64 = 100.0;

/// One bar: a label (a day), its value and an optional second value stacked on top.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub stacked: f64,
}

/// Bars over days, labelled for screen readers; `format` writes a value for people.
#[component]
pub fn BarChart(
    label: String,
    bars: Vec<Bar>,
    format: fn(f64) -> String,
    #[prop(default = "fill-indigo-500")] color: &'static str,
    #[prop(default = "fill-red-400")] stacked_color: &'static str,
) -> impl IntoView {
    let max = bars
        .iter()
        .map(|b| b.value + b.stacked)
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let slot = WIDTH / bars.len().max(1) as f64;
    let width = (slot * 0.7).clamp(1.0, 28.0);
    let first = bars.first().map(|b| b.label.clone()).unwrap_or_default();
    let last = bars.last().map(|b| b.label.clone()).unwrap_or_default();
    let rects = bars
        .into_iter()
        .enumerate()
        .map(|(i, bar)| {
            let x = i as f64 * slot + (slot - width) / 2.0;
            let h = bar.value / max * (BASE - 10.0);
            let hs = bar.stacked / max * (BASE - 10.0);
            let tip = format!("{}: {}", bar.label, format(bar.value + bar.stacked));
            view! {
                <g>
                    <title>{tip}</title>
                    <rect class=color x=x y=BASE - h width=width height=h rx="1.5"></rect>
                    <rect class=stacked_color x=x y=BASE - h - hs width=width height=hs rx="1.5"></rect>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            role="img"
            aria-label=label
            class="h-32 w-full"
            preserveAspectRatio="none"
        >
            <line x1="0" y1=BASE x2=WIDTH y2=BASE class="stroke-slate-300" stroke-width="1"></line>
            <text x="0" y="8" class="fill-slate-500 text-[8px]">{format(max)}</text>
            {rects}
            <text x="0" y=HEIGHT - 4.0 class="fill-slate-500 text-[8px]">{first}</text>
            <text x=WIDTH y=HEIGHT - 4.0 text-anchor="end" class="fill-slate-500 text-[8px]">{last}</text>
        </svg>
    }
    .into_any()
}

/// A share as a ring with the percentage in the middle.
#[component]
pub fn Ring(label: String, share: Option<f64>) -> impl IntoView {
    let radius = 40.0_f64;
    let circumference = 2.0 * std::f64::consts::PI * radius;
    let filled = share.unwrap_or(0.0).clamp(0.0, 1.0) * circumference;
    let text = share.map_or_else(|| "–".to_owned(), |s| format!("{:.0}%", s * 100.0));
    let described = format!("{label}: {text}");
    view! {
        <svg viewBox="0 0 100 100" role="img" aria-label=described class="h-32 w-32">
            <circle cx="50" cy="50" r=radius fill="none" class="stroke-red-200" stroke-width="12"></circle>
            <circle
                cx="50"
                cy="50"
                r=radius
                fill="none"
                class="stroke-emerald-500"
                stroke-width="12"
                stroke-dasharray=format!("{filled:.2} {circumference:.2}")
                transform="rotate(-90 50 50)"
            ></circle>
            <text x="50" y="56" text-anchor="middle" class="fill-slate-900 text-[18px] font-semibold">{text}</text>
        </svg>
    }
    .into_any()
}
