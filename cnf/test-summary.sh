#!/bin/sh
# Counts the JUnit XML reports of one build: surefire unit tests and the OSGi integration tests that bnd-testing
# ran inside Felix, Equinox, and Felix with the jobs in PostgreSQL. Prints "N passed, N failed, N skipped" as its last line; exits 1 if a test failed, if no test
# ran, or if the OSGi reports are missing (a bnd tester that finds no tests writes none).
set -eu
ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
cd "$ROOT"

osgi=$(find . -path '*/target/test-reports/*' -name 'TEST-*.xml' | sort)
unit=$(find . -path '*/target/surefire-reports/*' -name 'TEST-*.xml' | sort)

count() { # $1 = attribute, rest = files; sums that attribute over every <testsuite>
	attr=$1; shift
	[ $# -gt 0 ] || { echo 0; return; }
	grep -ho "<testsuite [^>]*" "$@" | grep -o " $attr=\"[0-9]*\"" | grep -o '[0-9][0-9]*' | awk '{s+=$1} END {print s+0}'
}

# shellcheck disable=SC2086 # file lists are newline-separated paths without spaces
t_unit=$(count tests $unit); f_unit=$(( $(count failures $unit) + $(count errors $unit) )); s_unit=$(count skipped $unit)
# shellcheck disable=SC2086
t_osgi=$(count tests $osgi); f_osgi=$(( $(count failures $osgi) + $(count errors $osgi) )); s_osgi=$(count skipped $osgi)

echo "unit tests (surefire):      $t_unit run, $f_unit failed, $s_unit skipped"
# one report directory per bndrun: itest (Felix), itest-equinox (Equinox), itest-postgres (Felix, PostgreSQL store)
for fw in itest itest-equinox itest-postgres; do
	files=$(find . -path "*/target/test-reports/$fw/*" -name 'TEST-*.xml' | sort)
	case $fw in itest) name=Felix ;; itest-equinox) name=Equinox ;; *) name='Felix, PostgreSQL' ;; esac
	# shellcheck disable=SC2086
	echo "OSGi tests ($name): $(count tests $files) run, $(( $(count failures $files) + $(count errors $files) )) failed, $(count skipped $files) skipped"
done
total=$((t_unit + t_osgi)); failed=$((f_unit + f_osgi)); skipped=$((s_unit + s_osgi))
passed=$((total - failed - skipped))
status=0
if [ "$t_osgi" -eq 0 ]; then
	echo "test-summary: no OSGi integration test report under */target/test-reports: the OSGi tests did not run" >&2
	status=1
fi
for fw in itest itest-equinox itest-postgres; do
	if [ -z "$(find . -path "*/target/test-reports/$fw/*" -name 'TEST-*.xml')" ]; then
		echo "test-summary: no report of the OSGi tests on $fw: they did not run there" >&2
		status=1
	fi
done
if [ "$total" -eq 0 ]; then
	echo "test-summary: no test ran" >&2
	status=1
fi
[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
