#!/usr/bin/env bash
# The whole test suite: unit tests, bounded fuzzing, network-namespace integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
swift test
