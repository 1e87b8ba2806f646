#!/usr/bin/env bash
# Prints the jar folder of one Java component, copied from Maven Central into newsbeam's cache once
# ($NEWSBEAM_CACHE, else $XDG_CACHE_HOME/newsbeam, else ~/.cache/newsbeam).  A thin wrapper: the work
# is done by pipeline/components (the package's own kafka-expansion) and tests/services.py (the
# test-only kafka-broker, flink-job-server, iceberg-rest, spark), as `newsbeam` and the tests do it.
# Exit status 3: mvn is not installed.
#
# usage: scripts/java-deps.sh kafka-expansion|kafka-broker|flink-job-server|iceberg-rest|spark
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-$( [ -x "$ROOT/.venv/bin/python" ] && echo "$ROOT/.venv/bin/python" || echo python3 )}
cd "$ROOT"
exec "$PYTHON" -m tests.services fetch "${1:?usage: $0 COMPONENT}"
