#!/usr/bin/env bash
# Prints the path of the Prism runner binary pinned in pipeline/components/prism/go.mod, built once
# into newsbeam's cache.  A thin wrapper of `python -m pipeline.components prism`, which is what
# `newsbeam run --streaming` does itself.  Exit status 3: go is not installed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-$( [ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python3 )}
cd "$ROOT"
exec "$PYTHON" -m pipeline.components prism
