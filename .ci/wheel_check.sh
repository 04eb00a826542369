#!/usr/bin/env bash
# Install check: build the sdist and, from it, the wheel; install the wheel in a fresh venv;
# run the README's commands from another folder (no checkout on sys.path); check the wheel
# holds the licence and the presets. Uses the project's .venv only to build.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PY:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hwadvisor-wheel.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

step() { printf '\n== %s\n' "$*"; }

step "build sdist + wheel (the wheel is built from the sdist)"
.venv/bin/python -m build --outdir "$WORK/dist" "$ROOT" >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; exit 1; }
WHEEL=$(ls "$WORK"/dist/hwadvisor-*.whl)
ls -l "$WORK/dist"

step "the wheel holds the licence, the presets, the catalog"
.venv/bin/python - "$WHEEL" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
need = {"licence": [n for n in names if n.endswith(".dist-info/licenses/LICENSE")],
        "presets": [n for n in names if n.startswith("advisor/presets/") and n.endswith(".toml")],
        "catalog": [n for n in names if n.startswith("hardware_db/data/") and n.endswith(".csv")],
        "entry points": [n for n in names if n.endswith(".dist-info/entry_points.txt")]}
missing = [k for k, v in need.items() if not v]
print({k: len(v) for k, v in need.items()})
if missing or len(need["presets"]) < 8:
    sys.exit(f"wheel is missing: {missing or 'presets'}")
PY

step "fresh venv, install the wheel"
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q --disable-pip-version-check "$WHEEL" 2>&1 | grep -v "^WARNING: Location" || true
"$WORK/venv/bin/python" -c "import advisor" || { echo "the wheel did not install"; exit 1; }

step "run from another folder"
mkdir -p "$WORK/elsewhere"
cd "$WORK/elsewhere"
export QT_QPA_PLATFORM=offscreen HWADVISOR_CONFIG_DIR="$WORK/config" HWADVISOR_DATA_DIR="$WORK/data"
unset PYTHONPATH
BIN="$WORK/venv/bin"
set -x
"$BIN/hwadvisor" --version
test "$("$BIN/hwadvisor" --version)" = "hwadvisor $("$BIN/python" -c 'import advisor; print(advisor.__version__)')"
"$BIN/python" -m advisor --version
"$BIN/hwadvisor" presets | tee presets.txt
test "$(wc -l <presets.txt)" -ge 8
"$BIN/hwadvisor" recommend --preset chat_7b_workstation --top 3
"$BIN/hwadvisor" estimate --preset serve_70b_at_scale --device "h100 sxm" --count 4 --json >estimate.json
"$BIN/hwadvisor" plan --preset chat_7b_workstation --option "2x rtx 4090" --json >plan.json
"$BIN/python" -c "import advisor.api as a; df = a.recommend('finetune_7b', top=2); assert len(df) == 2, df"
"$BIN/hwadvisor" report --preset lifecycle_2m_training_18m_serving --out "$WORK/x.pdf"
test -s "$WORK/x.pdf" && head -c 5 "$WORK/x.pdf" | grep -q '%PDF-'
"$BIN/hwadvisor" --screenshot "$WORK/x.png"
test "$(stat -c %s "$WORK/x.png")" -gt 20000
test -x "$BIN/hwadvisor-gui"
set +x
step "install check passed"
