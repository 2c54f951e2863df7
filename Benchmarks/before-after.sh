#!/usr/bin/env bash
# No-regression check for a change: the netns throughput benchmark over two builds in one run.
#   BEFORE_BIN=<folder with the old edge and supernode> [AFTER_BIN=<new>] [CONFIGS="A1 A3"] Benchmarks/before-after.sh
# Builds nothing: give it release builds of the two commits (e.g. a worktree of the old one).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
: "${BEFORE_BIN:?set BEFORE_BIN to the folder of the old build}"
AFTER_BIN=${AFTER_BIN:-$(cd "$repo" && swift build -c release --show-bin-path)}
export CONFIGS=${CONFIGS:-A1 A3}
export SECONDS_PER_RUN=${SECONDS_PER_RUN:-5}
echo "== before: $BEFORE_BIN"
BIN=$BEFORE_BIN VARIANTS=def bash "$here/netns-throughput.sh"
echo "== after: $AFTER_BIN"
BIN=$AFTER_BIN VARIANTS="def w1" bash "$here/netns-throughput.sh"
