#!/usr/bin/env bash
# Copies the jars of one Java component (scripts/java/COMPONENT/pom.xml) from Maven Central into
# $NEWSBEAM_CACHE/java/COMPONENT/lib, once: again only when the pom changes (stamped with its sha256).
# Prints the lib directory.  Maven keeps its downloads in ~/.m2 as usual.
#
# usage: scripts/java-deps.sh kafka-expansion|kafka-broker|flink-job-server
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
COMPONENT=${1:?usage: $0 COMPONENT (one of: $(ls "$HERE/java" | grep -v '\.xml$' | tr '\n' ' '))}
POM=$HERE/java/$COMPONENT/pom.xml
[ -f "$POM" ] || { echo "$0: no such component: $POM" >&2; exit 2; }
CACHE=${NEWSBEAM_CACHE:-$HOME/.cache/newsbeam}
DEST=$CACHE/java/$COMPONENT
LIB=$DEST/lib
mkdir -p "$DEST"

# One download at a time per component (parallel test sessions, CI jobs sharing a cache).
exec 9>"$DEST/.lock"
flock 9

WANT=$(sha256sum "$POM" "$HERE/java/settings.xml" | sha256sum | cut -d' ' -f1)
if [ -d "$LIB" ] && [ "$(cat "$DEST/pom.sha256" 2>/dev/null)" = "$WANT" ]; then
  echo "$LIB"
  exit 0
fi

command -v mvn >/dev/null || { echo "$0: mvn not found (install Maven 3)" >&2; exit 3; }
rm -rf "$LIB.partial"
mvn -B -q -Dstyle.color=never -s "$HERE/java/settings.xml" -f "$POM" dependency:copy-dependencies \
    -DoutputDirectory="$LIB.partial" >&2
# Whole or nothing: a killed download never leaves a lib directory that looks complete.
rm -rf "$LIB"
mv "$LIB.partial" "$LIB"
echo "$WANT" > "$DEST/pom.sha256"
echo "$LIB"
