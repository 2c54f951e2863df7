#!/usr/bin/env bash
# The whole test suite: unit tests, bounded fuzzing, network-namespace integration tests,
# packaging (portable binaries, the Debian package).
# Run as root after scripts/demo.sh, which runs scripts/bootstrap.sh (the integration tests need
# /dev/net/tun and netns).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== unit tests"
swift test

echo "== fuzzing (bounded)"
bash Tests/Fuzz/run.sh

echo "== netns integration tests"
# The flags of scripts/bootstrap.sh (static Swift runtime): the same flags find nothing to rebuild.
swift build -c release --static-swift-stdlib --product edge >/dev/null
swift build -c release --static-swift-stdlib --product supernode >/dev/null
swift build -c release --static-swift-stdlib --product n2n-keygen >/dev/null
bash Tests/Integration/netns.sh
bash Tests/Integration/multicast.sh
bash Tests/Integration/management.sh
bash Tests/Integration/reliability.sh
bash Tests/Integration/statuspage.sh
bash Tests/Integration/bridge.sh
bash Tests/Integration/ipv6.sh
bash Tests/Integration/v3.sh

echo "== packaging (portable binaries, Debian package)"
bash scripts/build-deb.sh
bash Tests/Packaging/run.sh
