#!/usr/bin/env bash
# The whole test suite: unit tests, bounded fuzzing, network-namespace integration tests.
# Run as root after scripts/bootstrap.sh (the integration tests need /dev/net/tun and netns).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== unit tests"
swift test

echo "== fuzzing (bounded)"
bash Tests/Fuzz/run.sh

echo "== netns integration tests"
swift build -c release --product edge >/dev/null
swift build -c release --product supernode >/dev/null
bash Tests/Integration/netns.sh
