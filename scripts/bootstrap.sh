#!/usr/bin/env bash
# Installs the Debian packages the project needs (as root) and builds edge and supernode in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends \
        libssl-dev liblzo2-dev libzstd-dev pkg-config \
        iproute2 iputils-ping socat iperf3 python3 procps >/dev/null
fi
swift build -c release --product edge
swift build -c release --product supernode
echo "built: $(swift build -c release --show-bin-path)/edge and supernode"
