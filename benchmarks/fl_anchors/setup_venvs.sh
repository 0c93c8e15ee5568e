#!/usr/bin/env bash
# Create the two anchor virtual environments the FL round benchmark launches:
#   .bench/nvflare (or $FL_BENCH_VENVS/nvflare) : torch 2.13.0 (CPU) + nvflare 2.9.0 (no extras)
#   .bench/flower  : torch 2.13.0 (CPU) + flwr[simulation] 1.42.0 (brings Ray)
# Why separate venvs: the two frameworks pin conflicting dependencies, and neither may be
# imported by mmarc's own venv. Why torch first and a constraints file on every later pip
# call: an unpinned torch resolves to a multi-GB CUDA build; pinning keeps the CPU wheel,
# the same torch mmarc runs with, so client compute is comparable.
# Idempotent: a venv whose framework already imports at the right version is left alone.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH="${FL_BENCH_VENVS:-$ROOT/.bench}"  # FL_BENCH_VENVS: venvs outside the repo
PY="${PYTHON:-python3}"
mkdir -p "$BENCH"
CONSTRAINTS="$BENCH/constraints.txt"
printf 'torch==2.13.0\n' >"$CONSTRAINTS"

make_venv() {
    local name="$1" check="$2"
    shift 2
    local venv="$BENCH/$name"
    if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c "$check" 2>/dev/null; then
        echo "[$name] ready: $venv"
        return
    fi
    echo "[$name] creating $venv"
    "$PY" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q torch==2.13.0
    "$venv/bin/python" -m pip install -q -c "$CONSTRAINTS" "$@"
    "$venv/bin/python" -c "$check"
    echo "[$name] ready: $venv"
}

which="${1:-all}"
if [[ "$which" == all || "$which" == nvflare ]]; then
    make_venv nvflare \
        'import nvflare, torch; assert nvflare.__version__.startswith("2.9.0"), nvflare.__version__; assert torch.__version__.startswith("2.13.0")' \
        nvflare==2.9.0
fi
if [[ "$which" == all || "$which" == flower ]]; then
    make_venv flower \
        'import flwr, ray, torch; from importlib.metadata import version; assert version("flwr") == "1.42.0", version("flwr"); assert torch.__version__.startswith("2.13.0")' \
        "flwr[simulation]==1.42.0"
fi
