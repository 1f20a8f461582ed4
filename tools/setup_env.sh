#!/usr/bin/env bash
# Create (or reuse) the virtual environment at <repo>/.venv and install the
# tested stack plus mmdsa in editable mode. Idempotent: a re-run when all is
# installed only checks and returns (well under a minute).
#
# Environment:
#   MMDSA_WHEELS   a folder of prebuilt wheels (e.g. an mmcv built earlier);
#                  ../shared/wheels is used too when it exists.
#   MMDSA_TESTS=1  also install the test requirements.
#   PYTHON         interpreter that creates the venv (default: python3).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"
REQ="$ROOT/requirements"
STAMP="$VENV/.mmdsa-installed"

log() { printf '[setup_env] %s\n' "$*" >&2; }

if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtual environment $VENV"
  "$PY" -m venv "$VENV"
fi
VPY="$VENV/bin/python"

# A hash of everything that decides what gets installed: re-runs are cheap.
want_hash=$(cat "$REQ"/*.txt "$ROOT/setup.py" | sha256sum | cut -d' ' -f1)
want_tests="${MMDSA_TESTS:-0}"
if [ -f "$STAMP" ] && { [ "$(cat "$STAMP")" = "$want_hash-$want_tests" ] || [ "$(cat "$STAMP")" = "$want_hash-1" ]; } \
   && "$VPY" -c "import mmdsa, mmcv.ops, torchvision.ops" 2>/dev/null; then
  log "environment up to date ($VENV)"
  exit 0
fi

FIND_LINKS=()
for d in "${MMDSA_WHEELS:-}" "$ROOT/../shared/wheels"; do
  if [ -n "$d" ] && [ -d "$d" ]; then
    FIND_LINKS+=(--find-links "$(cd "$d" && pwd)")
    log "using prebuilt wheels from $d"
  fi
done

PIP=("$VPY" -m pip install --disable-pip-version-check)
export PIP_CONSTRAINT="$REQ/build-constraints.txt"

log "step 1/4: build tools (setuptools >= 77, < 81 for the mmcv build)"
"${PIP[@]}" -q --upgrade pip wheel "setuptools>=77,<81" ninja

log "step 2/4: torch + torchvision from PyPI (several GB the first time)"
"${PIP[@]}" -r "$REQ/torch.txt"

log "step 3/4: mmengine, then mmcv with its C++ ops (source build ~20 min on 2 cores unless a wheel is cached)"
"${PIP[@]}" "$(grep '^mmengine' "$REQ/mminstall.txt")"
MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
  "${PIP[@]}" --no-build-isolation "${FIND_LINKS[@]}" "$(grep '^mmcv' "$REQ/mminstall.txt")"

log "step 4/4: mmdet, mmpretrain, DICOM decoders, mmdsa (editable)"
"${PIP[@]}" -r "$REQ/mminstall.txt" -r "$REQ/runtime.txt" "${FIND_LINKS[@]}"
"${PIP[@]}" --no-build-isolation --no-deps -e "$ROOT"
[ "$want_tests" = "1" ] && "${PIP[@]}" -r "$REQ/tests.txt"

"$VPY" - <<'PY'
import torch, torchvision, mmcv, mmcv.ops, mmdet, mmengine, mmpretrain, mmdsa
print(f"[setup_env] ok: torch {torch.__version__}, torchvision {torchvision.__version__}, "
      f"mmcv {mmcv.__version__}, mmengine {mmengine.__version__}, mmdet {mmdet.__version__}, "
      f"mmpretrain {mmpretrain.__version__}, mmdsa {mmdsa.__version__}")
PY
echo "$want_hash-$want_tests" > "$STAMP"
