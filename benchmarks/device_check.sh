#!/usr/bin/env bash
# One-shot check on a lent NVIDIA machine (H100/H200): real NVML detection, the GPU probes,
# and the GPU tests. Everything goes under $OUT (default ./device_out). Run from the repo root:
#   OUT=/some/dir bash benchmarks/device_check.sh
# Each step has its own timeout and a failing step does not stop the next ones.
set -u
OUT="${OUT:-device_out}"
mkdir -p "$OUT"
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
CLI=("$PY" -c "import sys; from advisor.cli import run; sys.exit(run(sys.argv[1:]))")
[ -f main.py ] && "$PY" -c "import main" 2>/dev/null && CLI=("$PY" main.py)
export HWADVISOR_DATA_DIR="$OUT/data"

{
  echo "date: $(date -u +%FT%TZ)"; echo "python: $("$PY" -V 2>&1)"
  nvidia-smi --query-gpu=name,driver_version,memory.total,power.limit --format=csv 2>&1
  "$PY" -c "import torch; print('torch', torch.__version__, torch.cuda.is_available())" 2>&1
  "$PY" -c "import cupy; print('cupy', cupy.__version__)" 2>&1
} > "$OUT/env.txt"

step() {  # name timeout_s command...
  local name=$1 limit=$2; shift 2
  local t0=$SECONDS
  timeout "$limit" "$@" > "$OUT/$name.out" 2> "$OUT/$name.err"
  echo "$name rc=$? $((SECONDS - t0))s" >> "$OUT/summary.txt"
}

step detect 60 "${CLI[@]}" detect --json
step probe_quick 90 "${CLI[@]}" probe --quick --json --timeout 60
step probe_full 180 "${CLI[@]}" probe --json --timeout 150
step pytest_gpu 240 "$PY" -m pytest -m gpu -q -p no:cacheprovider tests/advisor/test_probes_gpu.py
cp "$OUT/probe_full.out" "$OUT/probe.json" 2>/dev/null
cat "$OUT/summary.txt"
