#!/bin/sh
# One command for the bits benchmarks (P1, P2, P6, P7): installs nginx if missing, builds the distribution if
# needed, runs bench/bench.py against nginx and curl on 127.0.0.1, writes bench/results/latest.md.
# Usage: bench/run.sh [--quick] [--only P1,P2] [--java-opts "..."]
set -eu
ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
if ! command -v nginx >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1 || ! command -v sqlite3 >/dev/null 2>&1; then
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light curl sqlite3 unzip
fi
if [ ! -f "$ROOT/cnf/target/bits.jar" ] || [ ! -f "$ROOT/bits.samples/index/target/repo/index.xml" ]; then
	(cd "$ROOT" && mvn -B -q -DskipTests package)
fi
exec python3 "$ROOT/bench/bench.py" "$@"
