#!/usr/bin/env bash
# The packaging tests: portable binaries, then the Debian package (build it first with
# scripts/build-deb.sh). Run as root. Prints PASS/FAIL lines and "packaging: N passed, M failed";
# exits non-zero when a check failed.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
source "$here/portable.sh"
source "$here/deb.sh"
summary
