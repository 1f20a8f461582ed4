#!/usr/bin/env bash
# Set up (or reuse) .venv with the test requirements and run the whole test
# suite. Extra arguments go to pytest, e.g. `bash tools/run_tests.sh -x -k dicom`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MMDSA_TESTS=1 bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
exec "$ROOT/.venv/bin/python" -m pytest tests -q -p no:cacheprovider "$@"
