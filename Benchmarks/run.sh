#!/usr/bin/env bash
# Runs the N2NWire microbenchmarks (release) and prints a compact table: for each metric our median
# throughput, the baseline's median measured in the same run (or n2n 2.8's published figure), their
# ratio, and the allocations per packet (the worst iteration's count / 1000 packets).
#
#   Benchmarks/run.sh [extra `swift package benchmark` options, e.g. --filter 'AES']
#
# Exits non-zero if the run fails or if any of our benchmarks allocated.
set -euo pipefail
cd "$(dirname "$0")"
out=$(mktemp -d "${TMPDIR:-/tmp}/n2n-bench.XXXXXX")
trap 'rm -rf "$out"' EXIT

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "command: swift package --disable-sandbox benchmark --format jmh --path $out --no-progress $*"
swift package --disable-sandbox benchmark --format jmh --path "$out" --no-progress "$@" >"$out/log" 2>&1 || {
    cat "$out/log"
    exit 1
}

python3 - "$out"/*.jmh.json <<'EOF'
import json
import sys

PACKETS = 1000  # per iteration (scalingFactor .kilo)
results = {}
for element in json.load(open(sys.argv[1])):
    # JMH names are "package.benchmark.<target>.<name with spaces as underscores>".
    name = element["benchmark"].split(".", 3)[3]
    metrics = element["secondaryMetrics"]
    wall = next(v for k, v in metrics.items() if "wall clock" in k)
    malloc = next(v for k, v in metrics.items() if "Malloc (total)" in k)
    results[name] = {
        "us": wall["scorePercentiles"]["50.0"],         # µs per 1000 packets, median
        "mallocs": malloc["scorePercentiles"]["100.0"],  # worst iteration
    }

# (metric, our benchmark(s), baseline benchmark(s) or a published MB/s figure, bytes per packet)
rows = [
    ("seal null", ["seal null"], ["memcpy"], 1290),
    ("open null", ["open null"], ["memcpy"], 1290),
    ("seal Twofish", ["seal Twofish"], None, 1290),
    ("open Twofish", ["open Twofish"], None, 1290),
    ("seal AES-CBC", ["seal AES-CBC"], ["EVP AES-128-CBC encrypt"], 1290),
    ("open AES-CBC", ["open AES-CBC"], ["EVP AES-128-CBC decrypt"], 1290),
    ("seal ChaCha20", ["seal ChaCha20"], ["EVP ChaCha20"], 1290),
    ("open ChaCha20", ["open ChaCha20"], ["EVP ChaCha20"], 1290),
    ("seal Speck", ["seal Speck"], None, 1290),
    ("open Speck", ["open Speck"], None, 1290),
    ("encode Twofish 512 B", ["encode Twofish 512 B"], 140.0, 512),
    ("encode Speck 512 B", ["encode Speck 512 B"], 616.0, 512),
    ("header encrypt+decrypt", ["header encrypt+decrypt"], ["Pearson-16 x2"], 1290),
    ("compress LZO", ["compress LZO"], ["lzo1x_1_compress"], 1290),
    ("decompress LZO", ["decompress LZO"], ["lzo1x_decompress_safe"], 1290),
    ("LZO compress+decompress", ["compress LZO", "decompress LZO"], ["lzo1x_1_compress", "lzo1x_decompress_safe"], 1290),
    ("compress ZSTD", ["compress ZSTD"], ["ZSTD_compress2"], 1290),
    ("decompress ZSTD", ["decompress ZSTD"], ["ZSTD_decompressDCtx"], 1290),
    ("ZSTD compress+decompress", ["compress ZSTD", "decompress ZSTD"], ["ZSTD_compress2", "ZSTD_decompressDCtx"], 1290),
]


def known(names):
    return all(n.replace(" ", "_") in results for n in names)


def us(name):
    return results[name.replace(" ", "_")]["us"]


def mbps(names, size):
    if not known(names):
        return None
    micros = sum(us(n) for n in names)  # per 1000 packets
    return PACKETS * size / micros if micros > 0 else None  # bytes per µs = MB/s


def fmt(v):
    return "-" if v is None else f"{v:,.0f}"


print()
print(f"| {'metric (1290-byte frame unless noted)':<38} | {'ours MB/s':>10} | {'ns/pkt':>7} | {'baseline MB/s':>13} | {'ratio':>5} | {'allocs/pkt':>10} | baseline")
print(f"|{'-' * 40}|{'-' * 12}:|{'-' * 8}:|{'-' * 14}:|{'-' * 6}:|{'-' * 11}:|---")
allocating = []
for label, ours, base, size in rows:
    if not known(ours):
        continue
    our = mbps(ours, size)
    ns = sum(us(n) for n in ours) * 1000 / PACKETS
    allocs = max(results[n.replace(" ", "_")]["mallocs"] for n in ours) / PACKETS
    if allocs > 0:
        allocating.append(label)
    if isinstance(base, float):
        theirs, what = base, "n2n 2.8 benchmark tool (published figure, not this run)"
    elif base:
        theirs, what = mbps(base, size), " + ".join(base)
    else:
        theirs, what = None, "-"
    ratio = "-" if not (our and theirs) else f"{our / theirs:.2f}"
    print(f"| {label:<38} | {fmt(our):>10} | {ns:>7.0f} | {fmt(theirs):>13} | {ratio:>5} | {allocs:>10g} | {what}")
print()
print("MB/s = 10^6 frame bytes per second from the median wall clock of 1000-packet iterations;")
print("ratio = ours / baseline; allocs/pkt = mallocCountTotal of the worst iteration / 1000.")
if allocating:
    print("ALLOCATING: " + ", ".join(allocating))
    sys.exit(1)
print("allocations: 0 per packet in every benchmark of ours")
EOF
