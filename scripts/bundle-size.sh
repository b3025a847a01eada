#!/usr/bin/env bash
# Prints, for every page, the WebAssembly and JavaScript the browser fetches to make that page
# interactive on a first visit (the main bundle plus the page's lazily loaded chunks, as listed in
# the split manifest), raw and gzip -9, as a Markdown table. Run after
# `cargo leptos build --release --split`.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=${1:-target/site/pkg}
manifest="$pkg/__wasm_split_manifest.json"
[[ -f $manifest ]] || { echo "no $manifest: build with --split first" >&2; exit 1; }

size() { stat -c %s "$@" | awk "{ s += \$1 } END { print s }"; }
gz() { local total=0; for f in "$@"; do total=$((total + $(gzip -9c "$f" | wc -c))); done; echo $total; }
kb() { echo "$(( ($1 + 512) / 1024 )) KB"; }

base=("$pkg/imgbatch.wasm" "$pkg/imgbatch.js" "$pkg"/__wasm_split.*.js)
wasm_gz() { local wasm=(); for f in "$@"; do [[ $f == *.wasm ]] && wasm+=("$f"); done; gz "${wasm[@]}"; }
row() { echo "| $1 | $(($# - 1)) | $(kb "$(size "${@:2}")") | $(kb "$(gz "${@:2}")") | $(kb "$(wasm_gz "${@:2}")") |"; }
echo "| page | files | raw | gzip -9 | of it WebAssembly, gzip -9 |"
echo "|---|---|---|---|---|"
row "(main bundle only)" "${base[@]}"
for view in $(python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1])))))' "$manifest"); do
    mapfile -t chunks < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))[sys.argv[2]]))' "$manifest" "$view")
    files=("${base[@]}")
    for chunk in "${chunks[@]}"; do files+=("$pkg/$chunk.wasm"); done
    page=$(sed -E 's/^__(.*)_view_[0-9]+$/\1/' <<<"$view")
    row "$page" "${files[@]}"
done
all=("$pkg"/*.wasm "$pkg"/*.js)
row "(everything)" "${all[@]}"
