#!/usr/bin/env bash
# Bounded libFuzzer runs of N2NWire's decoder entry points.
#
#   Tests/Fuzz/run.sh [seconds-per-target] [target ...]
#
# Builds N2NWire once with -sanitize=fuzzer,address into Tests/Fuzz/bin/lib (and, for the engine targets,
# PacketCore with its dependencies through SwiftPM into Tests/Fuzz/bin/spm; for multicast, the pure
# Sources/PacketCore/Multicast files as a module of their own into Tests/Fuzz/bin/lib), then every target into
# Tests/Fuzz/bin/<target>; seeds each corpus in a temporary directory (valid datagrams the target
# generates with FramePipeline, plus the UDP payloads of the matching n2n 2.8 captures); runs each
# target for the given time (default 6 s). Prints one line per target and `fuzz: N passed, N failed`;
# exits non-zero on any crash, leak, timeout or property violation (inputs kept in Tests/Fuzz/bin/artifacts).
#
# Environment: N2N_FUZZ_RUNS=<n> runs each target for n executions instead of a time; N2N_FUZZ_JOBS=<k>
# runs k targets at once (default 1); N2N_FUZZ_ARGS adds libFuzzer flags; N2N_SHARED points at the
# shared folder (default ../shared beside the repository).
set -uo pipefail

seconds=${1:-6}
shift $(( $# > 0 ? 1 : 0 ))
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vectors=${N2N_SHARED:-$root/../shared}/testvectors/n2n-2.8
bin=$here/bin
jobs=${N2N_FUZZ_JOBS:-1}

# target: captures whose datagrams seed it
declare -A captures=(
    [edge-null]="a1-null"
    [edge-twofish]="a2-twofish"
    [edge-aes]="a3-aes"
    [edge-chacha20]="a4-chacha20"
    [edge-speck]="a5-speck"
    [edge-null-z]="a1-lzo a1-zstd"
    [edge-aes-H]="h-a3-header-enc-aes h-a1-header-enc"
    [supernode]="a1-null a1-lzo a1-zstd a2-twofish a3-aes a4-chacha20 a5-speck h-a1-header-enc h-a3-header-enc-aes"
    [compression]=""
    [supernode-engine]="a1-null a1-lzo a1-zstd a2-twofish a3-aes a4-chacha20 a5-speck h-a1-header-enc h-a3-header-enc-aes"
    [edge-engine]="a1-null a1-lzo a1-zstd a2-twofish a3-aes a4-chacha20 a5-speck h-a1-header-enc h-a3-header-enc-aes"
    [offload-segmenter]=""
    [offload-coalescer]=""
    [multicast]=""
    [v3-codec]=""
    [v3-header]=""
    [v3-edge]=""
)
# Targets fed whole sessions (one input per capture) and linked against PacketCore; the value is
# pcap-payloads.py's option that frames a capture as one session for that target.
declare -A engine=([supernode-engine]=--sequence [edge-engine]=--edge-sequence)
# Targets linked against TapDevice's Offload folder (pure Swift, built as module TapOffload) and Offload/.
declare -A offload=([offload-segmenter]=1 [offload-coalescer]=1)
# Targets linked against PacketCore's pure Multicast sources, built here as a small module of their own.
declare -A multicast=([multicast]=1)
all_targets=(edge-null edge-twofish edge-aes edge-chacha20 edge-speck edge-null-z edge-aes-H supernode compression
    supernode-engine edge-engine offload-segmenter offload-coalescer multicast v3-codec v3-header v3-edge)
targets=("${@:-${all_targets[@]}}")

swift_flags=(-use-ld=lld -parse-as-library -swift-version 6 -sanitize=fuzzer,address -O -g
    -I "$root/Sources/COpenSSL" -I "$root/Sources/CLZO" -I "$root/Sources/CZstd")
for flag in $(pkg-config --cflags-only-I lzo2 libzstd libcrypto); do swift_flags+=(-Xcc "$flag"); done
link_flags=($(pkg-config --libs lzo2 libzstd libcrypto))

# Rebuilds $1 when it is missing or older than any of the remaining paths.
stale() {
    local out=$1; shift
    [[ ! -e $out ]] || [[ -n $(find "$@" -newer "$out" -print -quit) ]]
}

build() {
    # The one InternetChecksum (LinuxSystem) is compiled into the standalone Offload and Multicast modules.
    local checksum=$root/Sources/LinuxSystem/IO/InternetChecksum.swift
    mkdir -p "$bin/lib" "$bin/artifacts"
    local lib=$bin/lib/libN2NWire.a
    if stale "$lib" "$root/Sources/N2NWire" "$here/run.sh"; then
        echo "building N2NWire (fuzzer, address)"
        (cd "$bin/lib" && swiftc "${swift_flags[@]}" -module-name N2NWire -emit-module \
            -emit-module-path "$bin/lib/N2NWire.swiftmodule" -emit-library -static -o "$lib" \
            $(find "$root/Sources/N2NWire" -name '*.swift' | sort)) || return 1
    fi
    local offload_lib=$bin/lib/libTapOffload.a
    if [[ " ${targets[*]} " == *" offload-"* ]] && stale "$offload_lib" "$root/Sources/TapDevice/Offload" "$checksum" "$here/run.sh"; then
        echo "building TapOffload (fuzzer, address)"
        # FrameBatch+FrameSlots.swift needs FrameBatch from the rest of TapDevice: left out here.
        (cd "$bin/lib" && swiftc "${swift_flags[@]}" -module-name TapOffload -emit-module \
            -emit-module-path "$bin/lib/TapOffload.swiftmodule" -emit-library -static -o "$offload_lib" \
            $(find "$root/Sources/TapDevice/Offload" -name '*.swift' ! -name 'FrameBatch+*' | sort) "$checksum") || return 1
    fi
    local mlib=$bin/lib/libMulticast.a want_multicast=""
    for t in "${targets[@]}"; do [[ -n ${multicast[$t]:-} ]] && want_multicast=1; done
    if [[ -n $want_multicast ]] && stale "$mlib" "$lib" "$root/Sources/PacketCore/Multicast" "$checksum" "$here/run.sh"; then
        echo "building Multicast (fuzzer, address)"
        (cd "$bin/lib" && swiftc "${swift_flags[@]}" -module-name Multicast -I "$bin/lib" -emit-module \
            -emit-module-path "$bin/lib/Multicast.swiftmodule" -emit-library -static -o "$mlib" \
            $(find "$root/Sources/PacketCore/Multicast" -name '*.swift' | sort) "$checksum") || return 1
    fi
    local t spm=$bin/spm/release engine_objects=()
    for t in "${targets[@]}"; do
        [[ -n ${engine[$t]:-} ]] || continue
        # SwiftPM knows PacketCore's dependencies (swift-log, TapDevice, the C shim); only objects are
        # built (no product is linked), so libFuzzer's main can be linked in below.
        echo "building PacketCore (fuzzer, address) with SwiftPM"
        (cd "$root" && swift build -c release --target PacketCore --scratch-path "$bin/spm" \
            -Xswiftc -sanitize=fuzzer,address -Xswiftc -g 2>&1 | tail -1) || return 1
        mapfile -t engine_objects < <(find "$spm"/{N2NWire,PacketCore,TapDevice,LinuxSystem,CN2NLinux,Logging}.build -name '*.o' | sort)
        break
    done
    for t in "${targets[@]}"; do
        [[ -f $here/Targets/$t.swift ]] || { echo "unknown target $t"; return 1; }
        if [[ -n ${engine[$t]:-} ]]; then
            if stale "$bin/$t" "$spm/PacketCore.build" "$spm/N2NWire.build" "$here/Harness" "$here/Engine" "$here/Targets/$t.swift"; then
                echo "building $t"
                swiftc "${swift_flags[@]}" -module-name "Fuzz_${t//-/_}" -I "$spm/Modules" \
                    -Xcc -fmodule-map-file="$spm/CN2NLinux.build/module.modulemap" -Xcc -I"$root/Sources/CN2NLinux/include" \
                    "$here"/Harness/*.swift "$here"/Engine/*.swift "$here/Targets/$t.swift" "${engine_objects[@]}" \
                    "${link_flags[@]}" -o "$bin/$t" || return 1
            fi
        elif [[ -n ${offload[$t]:-} ]]; then
            if stale "$bin/$t" "$lib" "$offload_lib" "$here/Harness" "$here/Offload" "$here/Targets/$t.swift"; then
                echo "building $t"
                swiftc "${swift_flags[@]}" -module-name "Fuzz_${t//-/_}" -I "$bin/lib" \
                    "$here"/Harness/*.swift "$here"/Offload/*.swift "$here/Targets/$t.swift" "$lib" "$offload_lib" \
                    "${link_flags[@]}" -o "$bin/$t" || return 1
            fi
        elif [[ -n ${multicast[$t]:-} ]]; then
            if stale "$bin/$t" "$mlib" "$lib" "$here/Harness" "$here/Multicast" "$here/Targets/$t.swift"; then
                echo "building $t"
                swiftc "${swift_flags[@]}" -module-name "Fuzz_${t//-/_}" -I "$bin/lib" \
                    "$here"/Harness/*.swift "$here"/Multicast/*.swift "$here/Targets/$t.swift" "$mlib" "$lib" \
                    "${link_flags[@]}" -o "$bin/$t" || return 1
            fi
        elif stale "$bin/$t" "$lib" "$here/Harness" "$here/Targets/$t.swift"; then
            echo "building $t"
            swiftc "${swift_flags[@]}" -module-name "Fuzz_${t//-/_}" -I "$bin/lib" \
                "$here"/Harness/*.swift "$here/Targets/$t.swift" "$lib" "${link_flags[@]}" \
                -o "$bin/$t" || return 1
        fi
    done
}

# Seeds and fuzzes one target; leaves "<target> PASS|FAIL ..." in $work/$t.summary.
fuzz_one() {
    local t=$1 dir=$work/$1
    mkdir -p "$dir/corpus" "$dir/seeds"
    N2N_FUZZ_SEEDS=$dir/seeds "$bin/$t" >"$dir/seeds.log" 2>&1 \
        || { echo "$t FAIL seed generation ($(tail -1 "$dir/seeds.log"))" >"$dir/summary"; return; }
    local c files=()
    for c in ${captures[$t]}; do files+=("$vectors/$c.pcap"); done
    if ((${#files[@]})); then
        python3 "$here/pcap-payloads.py" ${engine[$t]:-} "$dir/seeds" "${files[@]}" >>"$dir/seeds.log" 2>&1 \
            || { echo "$t FAIL capture extraction (see $dir/seeds.log)" >"$dir/summary"; return; }
    fi
    local limit=(-max_total_time="$seconds")
    [[ -n ${N2N_FUZZ_RUNS:-} ]] && limit=(-runs="$N2N_FUZZ_RUNS")
    local start end status
    start=$(date +%s.%N)
    local max_len=4096
    [[ -n ${engine[$t]:-} ]] && max_len=16384
    "$bin/$t" "${limit[@]}" -max_len=$max_len -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$bin/artifacts/$t-" ${N2N_FUZZ_ARGS:-} "$dir/corpus" "$dir/seeds" >"$dir/log" 2>&1
    status=$?
    end=$(date +%s.%N)
    local execs cov seeds_n
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$dir/log" | tail -1)
    seeds_n=$(find "$dir/seeds" -type f | wc -l)
    local result=PASS detail=""
    if ((status != 0)); then
        local why=crash
        grep -q 'ERROR: LeakSanitizer' "$dir/log" && why=leak
        grep -q 'ERROR: libFuzzer: timeout' "$dir/log" && why=timeout
        grep -q 'fuzz property violated' "$dir/log" && why=property
        result=FAIL
        detail=" ($why, exit $status; input $(sed -n 's/.*Test unit written to //p' "$dir/log" | tail -1))"
        cp "$dir/log" "$bin/artifacts/$t.log"
    fi
    printf '%-16s %s execs=%s time=%ss seeds=%s %s%s\n' "$t" "$result" "${execs:-?}" \
        "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')" "$seeds_n" "${cov:-}" "$detail" >"$dir/summary"
}

build || { echo "fuzz: build failed"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/n2n-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

running=0
for t in "${targets[@]}"; do
    fuzz_one "$t" &
    running=$((running + 1))
    if ((running >= jobs)); then wait -n; running=$((running - 1)); fi
done
wait

passed=0 failed=0
for t in "${targets[@]}"; do
    line=$(cat "$work/$t/summary" 2>/dev/null || echo "$t FAIL (no result)")
    echo "$line"
    if [[ $line == *" PASS "* ]]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        [[ -f $work/$t/log ]] && { echo "---- $t: last lines of its log (full log in $bin/artifacts/$t.log)"; tail -25 "$work/$t/log"; }
    fi
done
echo "fuzz: $passed passed, $failed failed"
((failed == 0))
