#!/usr/bin/env bash
# Bench-only: creates /work/main/.venv-rasa (Python 3.10) with Rasa 3.6 for bench/rasa/diet.py.
# Rasa is NOT a project dependency; nothing here touches the project's own .venv.
# Idempotent: a stamp file inside the venv records what was installed; rerunning is a no-op.
# Usage: bash bench/rasa/setup.sh [--force]
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="${RASA_VENV:-$ROOT/.venv-rasa}"
STAMP="$VENV/.rasa-installed"
# Pins: Rasa 3.6 wants Python 3.8-3.10. pip < 24.1 still accepts the legacy version
# metadata found in some of Rasa 3.6's old dependencies; setuptools < 70 keeps
# pkg_resources as those packages expect it.
PIP_PIN="pip==23.3.2"
SETUPTOOLS_PIN="setuptools==69.5.1"
WHEEL_PIN="wheel==0.43.0"
RASA_SPEC="rasa==3.6.*"
WANT="$RASA_SPEC $PIP_PIN $SETUPTOOLS_PIN $WHEEL_PIN"

say() { printf '[rasa-setup] %s\n' "$*"; }

# A "*" .gitignore inside the venv (as virtualenv writes) keeps it out of `git status`
# and out of `ruff check .` even in a checkout whose .gitignore lacks ".venv-rasa/".
ignore_venv() {
    [[ -f "$VENV/.gitignore" ]] || printf '# created by bench/rasa/setup.sh\n*\n' > "$VENV/.gitignore"
}

# pip with -q, minus the warnings this machine's pip config prints for absent local indexes.
pip_install() {
    local rc=0
    "$VENV/bin/python" -m pip install -q "$@" 2>&1 \
        | { grep -v 'is ignored: it is neither a file nor a directory' || true; } || rc=$?
    return "$rc"
}

if [[ "${1:-}" != "--force" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]] \
    && "$VENV/bin/python" -c 'import rasa' 2>/dev/null; then
    ignore_venv
    say "already set up: $VENV ($("$VENV/bin/python" -c 'import rasa; print("rasa", rasa.__version__)'))"
    say "nothing to do (pass --force to reinstall)"
    exit 0
fi

# Find a working Python 3.10: python3.10 on PATH first (a pyenv shim may be on PATH
# but refuse to run, so each candidate is actually executed), then pyenv's installs.
is_py310() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }
PY=""
candidates=()
if command -v python3.10 >/dev/null 2>&1; then candidates+=("$(command -v python3.10)"); fi
for c in /root/.pyenv/versions/3.10*/bin/python3.10 "${PYENV_ROOT:-/nonexistent}"/versions/3.10*/bin/python3.10; do
    if [[ -x "$c" ]]; then candidates+=("$c"); fi
done
for c in "${candidates[@]}"; do
    if is_py310 "$c"; then PY="$c"; break; fi
    say "skipping $c (does not run as Python 3.10)"
done
if [[ -z "$PY" ]]; then
    echo "[rasa-setup] ERROR: no working Python 3.10 found (Rasa 3.6 needs Python 3.8-3.10)." >&2
    echo "[rasa-setup] Tried: python3.10 on PATH, /root/.pyenv/versions/3.10*/bin/python3.10." >&2
    echo "[rasa-setup] Install one, e.g. 'pyenv install 3.10.13', then rerun." >&2
    exit 1
fi
say "using $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"

if [[ -x "$VENV/bin/python" ]] && is_py310 "$VENV/bin/python"; then
    say "reusing existing venv $VENV"
else
    if [[ -e "$VENV" ]]; then say "removing unusable $VENV"; rm -rf "$VENV"; fi
    say "creating venv $VENV"
    "$PY" -m venv "$VENV"
fi
ignore_venv

rm -f "$STAMP"
say "installing $PIP_PIN $SETUPTOOLS_PIN $WHEEL_PIN"
pip_install "$PIP_PIN" "$SETUPTOOLS_PIN" "$WHEEL_PIN"
say "installing $RASA_SPEC (TensorFlow included; several hundred MB, a few minutes)"
pip_install "$RASA_SPEC" "$SETUPTOOLS_PIN"

say "checking the install"
"$VENV/bin/python" - <<'PY'
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import rasa, tensorflow as tf
print(f"[rasa-setup] rasa {rasa.__version__}, tensorflow {tf.__version__}")
PY
printf '%s' "$WANT" > "$STAMP"
say "done: $VENV (stamp $STAMP)"
say "run: $VENV/bin/python $ROOT/bench/rasa/diet.py --help"
