#!/bin/bash
# The test command (README, "The two commands"; CI's .ci/run runs exactly this): installs what is missing from Debian's
# packages (a JDK 17+, Maven, nginx and openssl for the OSGi tests; Chromium and Node.js for the browser test, PageTest;
# an SSH client for KarafTest, which drives Karaf's console; PostgreSQL's server for the PostgreSQL store's tests, which
# start their own server with initdb and pg_ctl on a loopback port),
# playwright-core from npm (cnf/src/test/page) and the tus peers TusPeersTest runs (cnf/src/test/tus), each by its
# package-lock.json, then builds and runs every test. The last
# line is "N passed, N failed, N skipped" over unit, OSGi and distribution tests together; the exit status is Maven's
# if the build failed, else the summary's.
# mvn install runs the OSGi suite on Felix and on Equinox, the distribution's tests (the crash suite's 10 random
# SIGKILLs among them), the page in headless Chromium, Karaf 4.4.10 (from Maven Central) with the bits features, the
# Equinox recipe and projects outside the reactor. install, not verify: Karaf and those projects take bits by its
# Maven coordinates from the local repository, where each module is installed before the distribution's tests run.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
command -v tar >/dev/null 2>&1 || missing+=(tar)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
	echo "test: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q "${missing[@]}"
fi
java -version 2>&1 | sed -n 1p  # sed reads all: head would end the pipe early (SIGPIPE under pipefail)
mvn -version 2>&1 | sed -n 1p
echo "node $(node --version), $(/usr/bin/chromium --version 2>/dev/null || echo 'no chromium')"

# the browser test's driver, exactly as locked (no browser download: it drives Debian's Chromium)
(cd cnf/src/test/page && npm ci --no-audit --no-fund)
# the independent tus 1.0 peers (@tus/server, @tus/file-store, tus-js-client), exactly as locked (TusPeersTest)
(cd cnf/src/test/tus && npm ci --no-audit --no-fund)

status=0
mvn -B clean install || status=$?
summary=0
cnf/test-summary.sh || summary=$?
if [ "$status" -ne 0 ]; then
	echo "test: mvn -B clean install failed with exit code $status" >&2
	exit "$status"
fi
exit "$summary"
