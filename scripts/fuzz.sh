#!/usr/bin/env bash
# Fuzzes the image check and the multipart upload reader with cargo-fuzz (libFuzzer and
# AddressSanitizer), each for a bounded time, starting from the seed corpora in fuzz/corpus/.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 600, both targets)
#
# New inputs go to target/fuzz/corpus/, crashes to target/fuzz/artifacts/ (the script then
# fails and prints how to replay them). An input that takes over a minute (under the sanitizer,
# several times slower than a release build) counts as a crash; slower than 10 s is reported. The toolchain here is stable, so RUSTC_BOOTSTRAP lets
# cargo-fuzz use the sanitizer flags it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
seconds=${1:-600}
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=(image_check multipart_upload)
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
    cargo install "cargo-fuzz@$CARGO_FUZZ_VERSION" --locked
fi
# The fuzz workspace starts from the app's own resolution, so it builds the same crates.
[[ -f fuzz/Cargo.lock ]] || cp Cargo.lock fuzz/Cargo.lock

export RUSTC_BOOTSTRAP=1
work=$PWD/target/fuzz
status=0
for target in "${targets[@]}"; do
    mkdir -p "$work/corpus/$target" "$work/artifacts/$target"
    echo "fuzz: $target for ${seconds}s"
    (cd fuzz && cargo fuzz run --release "$target" \
        "$work/corpus/$target" "corpus/$target" -- \
        -max_total_time="$seconds" \
        -timeout=60 \
        -artifact_prefix="$work/artifacts/$target/" \
        -print_final_stats=1) || status=$?
    for slow in "$work/artifacts/$target"/slow-unit-*; do
        [[ -e $slow ]] && echo "fuzz: $target: slow input $slow" >&2
    done
    if compgen -G "$work/artifacts/$target/[!s]*" >/dev/null; then
        echo "fuzz: $target found crashes; replay one with:" >&2
        for crash in "$work/artifacts/$target"/[!s]*; do
            echo "  (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run --release $target $crash)" >&2
        done
        status=1
    fi
done
exit $status
