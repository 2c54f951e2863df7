# Shared by the packaging tests (Tests/Packaging/run.sh sources it, then the test files).
# BIN: folder of the release edge and supernode (default: SwiftPM's static release bin path).
# DEB: the package to test (default: dist/swift-n2n_<version of $BIN/edge>_<arch>.deb).
# TOOLCHAIN: the Swift toolchain folder to hide (default: the one `swift` runs from, else /opt/swift).

PACKAGING_LIB=1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
passed=0
failed=0
work=$(mktemp -d /tmp/n2n-packaging.XXXXXX)
# KEEP_WORK=1 keeps the work folder (logs of the sample-configuration runs) for a look.
[ -n "${KEEP_WORK:-}" ] || trap 'rm -rf "$work"' EXIT

BIN=${BIN:-$(cd "$repo" && swift build -c release --static-swift-stdlib --show-bin-path)}
if [ -z "${TOOLCHAIN:-}" ]; then
    TOOLCHAIN=/opt/swift
    if swift_path=$(command -v swift); then
        TOOLCHAIN=$(dirname "$(dirname "$(dirname "$(readlink -f "$swift_path")")")")
    fi
fi
ARCH=$(dpkg --print-architecture)
# What the sources say the version is (N2NVersion.string, Sources/N2NWire/Version.swift today).
SOURCE_VERSION=$(grep -rl --include=*.swift 'enum N2NVersion' "$repo/Sources" 2>/dev/null | head -n1 |
    xargs -r sed -n 's/.*static let string = "\([^"]*\)".*/\1/p' | head -n1)

pass() { passed=$((passed + 1)); echo "PASS $1"; }
# fail NAME [DETAIL-FILE]: the detail file's first lines are shown under the FAIL line.
fail() {
    failed=$((failed + 1)); echo "FAIL $1"
    if [ -n "${2:-}" ] && [ -s "$2" ]; then sed -n '1,25s/^/    /p' "$2"; fi
}
# check NAME COMMAND...: PASS when the command succeeds; its output is shown on failure.
check() {
    local name=$1; shift
    if "$@" >"$work/check.out" 2>&1; then pass "$name"; else fail "$name" "$work/check.out"; fi
}

# fails COMMAND...: succeeds when COMMAND fails (for the controls that show a check can fail).
fails() { ! "$@"; }

summary() {
    echo "packaging: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# hidden COMMAND...: runs COMMAND in a private mount namespace with an empty tmpfs over the
# toolchain folder, as on a host without Swift.
hidden() {
    unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs "$1" && shift && exec "$@"' hidden "$TOOLCHAIN" "$@"
}

# swift_libs FILE: prints the Swift runtime libraries ldd shows for FILE; fails when there are none.
swift_libs() {
    ldd "$1" 2>&1 | grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime'
}
