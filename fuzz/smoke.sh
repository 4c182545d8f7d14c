#!/usr/bin/env bash
# Runs every fuzz target for a short while (default 20 s each) from its seed corpus:
# a smoke test for CI, not a fuzzing campaign. Needs cargo-fuzz (`cargo install
# cargo-fuzz`); libFuzzer's flags need a nightly compiler, or RUSTC_BOOTSTRAP=1 on a
# stable one (set here). Skips, with a note, when cargo-fuzz is not installed.
#
#   fuzz/smoke.sh [SECONDS] [TARGET...]
#
# New inputs go to fuzz/grown/<target> and crashes to fuzz/artifacts/<target>, both
# ignored by git; the committed seed corpus (fuzz/corpus/<target>) is only read.
# Exits non-zero when a target finds a crash, a timeout or an out-of-memory input.
set -euo pipefail

seconds="${1:-20}"
shift || true
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz/smoke.sh: cargo-fuzz is not installed (cargo install cargo-fuzz); skipped"
    exit 0
fi

export RUSTC_BOOTSTRAP="${RUSTC_BOOTSTRAP:-1}"
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi

# The longest input each target is given, and its dictionary (fuzz/dict/).
max_len() {
    case "$1" in
        config) echo 16384 ;;
        ponto_page) echo 65536 ;;
        *) echo 262144 ;;
    esac
}
dict() {
    case "$1" in
        camt) echo dict/camt.dict ;;
        config) echo dict/config.dict ;;
        *) echo dict/json.dict ;;
    esac
}

cargo fuzz build
failed=()
for target in "${targets[@]}"; do
    mkdir -p "grown/$target" "artifacts/$target"
    echo "== $target: ${seconds}s"
    if ! cargo fuzz run "$target" "grown/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len="$(max_len "$target")" \
        -timeout=10 -dict="$(dict "$target")" -print_final_stats=1 \
        2>"artifacts/$target/smoke.log"; then
        failed+=("$target")
        tail -n 40 "artifacts/$target/smoke.log"
    else
        grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
            "artifacts/$target/smoke.log" || true
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz/smoke.sh: findings in: ${failed[*]} (reproducers in fuzz/artifacts/<target>/)"
    exit 1
fi
echo "fuzz/smoke.sh: ${#targets[@]} targets, no finding"
