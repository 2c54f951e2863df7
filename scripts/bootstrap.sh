#!/usr/bin/env bash
# Installs the Debian packages the project needs (as root) and builds edge and supernode in release
# mode with the Swift runtime linked in statically, so that the binaries run on hosts without the
# Swift toolchain (they need only libc, libstdc++, libgcc_s, libcrypto, liblzo2 and libzstd).
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # systemd (systemd-analyze), man-db and groff-base, binutils (strip, readelf), dpkg-dev
    # (dpkg-shlibdeps) and util-linux (unshare) are for scripts/build-deb.sh and its tests;
    # nftables builds the NAT routers of Tests/Integration/reliability.sh; chromium (headless)
    # renders the status page in Tests/Integration/statuspage.sh.
    apt-get install -y -qq --no-install-recommends \
        libssl-dev liblzo2-dev libzstd-dev pkg-config \
        iproute2 iputils-ping socat iperf3 python3 procps nftables \
        systemd man-db groff-base binutils dpkg-dev util-linux xz-utils chromium fonts-dejavu-core >/dev/null
fi
# The management netns test parses /metrics with a real Prometheus text parser.
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore prometheus-client
# The same flags as scripts/test.sh and scripts/build-deb.sh: another set would rebuild everything
# into the same folder (swift build -c release --show-bin-path) and replace the static binaries.
swift build -c release --static-swift-stdlib --product edge
swift build -c release --static-swift-stdlib --product supernode
swift build -c release --static-swift-stdlib --product n2n-keygen
echo "built: $(swift build -c release --static-swift-stdlib --show-bin-path)/edge and supernode"
