#!/usr/bin/env bash
# Portable binaries: the release edge and supernode (as scripts/bootstrap.sh builds them) load no
# Swift runtime library and run with the toolchain folder hidden. Run as root (unshare -m).
# Alone: bash Tests/Packaging/portable.sh; normally run by Tests/Packaging/run.sh.
if [ -z "${PACKAGING_LIB:-}" ]; then
    set -uo pipefail
    source "$(dirname "$0")/lib.sh"
    portable_alone=1
fi

echo "-- portable binaries ($BIN, toolchain $TOOLCHAIN hidden)"

# The control: a toolchain program that loads libswiftCore.so must fail in the same setting,
# otherwise hiding the toolchain proves nothing (and the ldd check must see its Swift libraries).
control=$TOOLCHAIN/usr/bin/swift-plugin-server
if [ -x "$control" ] && swift_libs "$control" >/dev/null; then
    cp "$control" "$work/dynamic-swift-program"
    check "control: ldd shows the Swift runtime of a dynamically linked Swift program" \
        swift_libs "$work/dynamic-swift-program"
    hidden "$work/dynamic-swift-program" --version >"$work/dynamic.out" 2>&1
    status=$?
    if [ "$status" -eq 127 ] && grep -Eq 'error while loading shared libraries: lib([Ss]wift|Foundation|dispatch|BlocksRuntime)[^ ]*: cannot open' "$work/dynamic.out"; then
        pass "control: a dynamically linked Swift program fails with the toolchain hidden (exit 127, a Swift library not found)"
    else
        echo "exit status $status" >>"$work/dynamic.out"
        fail "control: a dynamically linked Swift program fails with the toolchain hidden (exit 127, a Swift library not found)" "$work/dynamic.out"
    fi
else
    echo "(no dynamically linked Swift program in $TOOLCHAIN/usr/bin for the control)"
fi

for program in edge supernode; do
    binary=$BIN/$program
    if [ ! -x "$binary" ]; then
        fail "$program: $binary exists (run scripts/bootstrap.sh)"
        continue
    fi
    if swift_libs "$binary" >"$work/libs.out"; then
        fail "$program: ldd shows no Swift library" "$work/libs.out"
    else
        pass "$program: ldd shows no Swift library ($(ldd "$binary" | awk '$2 == "=>" { printf "%s ", $1 }'))"
    fi
    hidden "$binary" --version >"$work/version.out" 2>&1
    status=$?
    expected="^$program ${SOURCE_VERSION:-[0-9][^ ]*} "
    if [ "$status" -eq 0 ] && grep -Eq "$expected" "$work/version.out"; then
        pass "$program: --version with the toolchain hidden exits 0 and prints '$(head -n1 "$work/version.out" | cut -c1-40)...'"
    else
        echo "exit status $status, expected a line matching '$expected'" >>"$work/version.out"
        fail "$program: --version with the toolchain hidden exits 0 and prints the version" "$work/version.out"
    fi
done

if [ -n "${portable_alone:-}" ]; then summary; fi
