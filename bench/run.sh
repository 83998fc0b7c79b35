#!/bin/sh
# One command for the bits benchmarks (P1, P2, P6, P7): installs nginx if missing, builds the distribution if
# needed, runs bench/bench.py against nginx and curl on 127.0.0.1, writes bench/results/latest.md.
# Usage: bench/run.sh [--quick] [--only P1,P2] [--java-opts "..."]
set -eu
ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
if ! command -v nginx >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1 || ! command -v sqlite3 >/dev/null 2>&1; then
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light curl sqlite3 unzip
fi
# the wrapper rebuilds when the jar, the attach client or the samples' index is missing or older than the sources: a
# stale distribution would measure yesterday's code (bench.py runs ./bits with BITS_NO_BUILD)
if [ ! -f "$ROOT/bits.samples/index/target/repo/index.xml" ]; then
	(cd "$ROOT" && mvn -B -q -DskipTests package)
else
	"$ROOT/bits" --help >/dev/null
fi
exec python3 "$ROOT/bench/bench.py" "$@"
