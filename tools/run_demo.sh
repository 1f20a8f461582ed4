#!/usr/bin/env bash
# Set up (or reuse) .venv, then run the synthetic demo end to end: generate a
# seeded synthetic DSA benchmark, train and test a spatio-temporal perforation
# detector and a thrombus recognizer, write demo_output/report/.
# Extra arguments go to tools/demo.py (e.g. --quick, --out DIR).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/python" tools/demo.py "$@"
