#!/usr/bin/env python3
"""Helpers of Benchmarks/netns-throughput.sh: parse one iperf3 or ping run, and print the table.

  bench.py iperf FILE        iperf3 -J output -> "tcp MBITS RETRANSMITS BYTES" or "udp KPPS_DELIVERED KPPS_SENT LOSS%"
                             (or "fail REASON")
  bench.py ping FILE         ping output -> "MEDIAN_MS AVG_MS RECEIVED P99_MS" (or "fail")
  bench.py report TSV        rows "round config impl metric value" -> markdown tables of medians and ratios
"""
import json
import re
import statistics
import sys


def cmd_iperf(path):
    try:
        with open(path) as f:
            d = json.load(f)
    except Exception as e:  # empty or cut output
        print(f"fail unreadable:{type(e).__name__}")
        return
    if "error" in d:
        print("fail " + re.sub(r"\s+", "_", str(d["error"]))[:60])
        return
    end = d.get("end", {})
    if "sum_received" in end and "lost_percent" not in end.get("sum", {}):
        recv = end["sum_received"]
        sent = end.get("sum_sent", {})
        print(f"tcp {recv['bits_per_second'] / 1e6:.3f} {int(sent.get('retransmits', 0))} {int(recv.get('bytes', 0))}")
        return
    s = end.get("sum", {})
    if "packets" in s:
        seconds = max(float(s.get("seconds", 0)), 1e-9)
        packets = int(s.get("packets", 0))
        lost = int(s.get("lost_packets", 0))
        print(f"udp {(packets - lost) / seconds / 1e3:.3f} {packets / seconds / 1e3:.3f} {s.get('lost_percent', 0):.2f}")
        return
    print("fail no_result")


def cmd_ping(path):
    times = []
    with open(path, errors="replace") as f:
        for line in f:
            m = re.search(r"time=([0-9.]+) ms", line)
            if m:
                times.append(float(m.group(1)))
    if not times:
        print("fail")
        return
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"{statistics.median(times):.4f} {statistics.fmean(times):.4f} {len(times)} {p99:.4f}")


# --- report ----------------------------------------------------------------------------------

LABELS = {
    "w1": "ours --workers 1",
    "def": "ours default",
    "nooff": "ours --no-offload",
    "stock": "n2n 2.8",
}
CONFIG_LABELS = {
    "A1": "-A1", "A3": "-k KEY -A3", "A4": "-k KEY -A4", "A5": "-k KEY -A5",
    "z1": "-A1 -z1", "H": "-A1 -H", "S": "-A1 -S (relayed)",
}


def fmt(v, digits):
    if v is None:
        return "-"
    if digits == 0:
        return f"{v:,.0f}".replace(",", " ")
    return f"{v:.{digits}f}"


def cmd_report(path):
    data = {}      # (config, impl, metric) -> [values]
    configs, impls = [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 5:
                continue
            _, config, impl, metric, value = parts
            if config != "-" and config not in configs:
                configs.append(config)
            if impl not in ("underlay", "vxlan") and impl not in impls:
                impls.append(impl)
            try:
                data.setdefault((config, impl, metric), []).append(float(value))
            except ValueError:
                pass
    ours = [i for i in ("w1", "def", "nooff") if i in impls]
    stock = "stock" in impls
    # The "ours" figure set against the anchors: the default build (offloads on, default workers).
    main = "def" if "def" in ours else (ours[0] if ours else None)

    def med(config, impl, metric):
        v = data.get((config, impl, metric))
        return statistics.median(v) if v else None

    def ratio(a, b):
        if a is None or b is None or b == 0:
            return None
        return a / b

    # metric groups: (title, [metrics shown in one cell], digits, anchors?, ratios?)
    tables = [
        ("TCP one flow, Mbit/s", ["tcp1"], 0, True, True),
        ("TCP four flows (-P 4), Mbit/s", ["tcp4"], 0, True, True),
        ("UDP 64 B payloads, kpps delivered (-u -l 64 -b 0)", ["udp"], 1, True, True),
        ("RTT idle, ms (ping -c 100 -i 0.02: p50 / p99)", ["rtt_med", "rtt_p99"], 3, True, True),
        ("RTT under the one-flow TCP run, ms (ping -i 0.02 alongside it: p50 / p99)", ["rtt_load_med", "rtt_load_p99"], 3, True, True),
        ("TCP retransmits (one flow / four flows)", ["rtx1", "rtx4"], 0, True, False),
        ("CPU s per GB moved, TCP one flow (sending edge / receiving edge)", ["cpu_tx", "cpu_rx"], 2, False, True),
        ("supernode CPU s per GB moved, TCP one flow (relay work; ~0 when peer to peer)", ["cpu_sn"], 2, False, False),
    ]
    out = []
    for title, metrics, digits, anchors, ratios in tables:
        head = ["config"] + [LABELS[i] for i in ours] + (["n2n 2.8"] if stock else [])
        if anchors:
            head += ["VXLAN", "underlay"]
        if ratios and stock:
            head += [f"{i}/n2n" for i in ("w1", "default", "no-off") if {"w1": "w1", "default": "def", "no-off": "nooff"}[i] in ours]
        if ratios and anchors and main:
            head += [f"{'default' if main == 'def' else main}/VXLAN"]
        scaling = metrics == ["tcp4"] and "w1" in ours and "def" in ours
        if scaling:
            head += ["default/w1"]
        out.append(f"\n### {title}\n")
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
        for config in configs:
            row = [CONFIG_LABELS.get(config, config)]

            def cell(impl, cfg=config):
                vals = [med(cfg, impl, m) for m in metrics]
                return " / ".join(fmt(v, digits) for v in vals)

            def rcell(impl, ref_cfg, ref_impl, cfg=config):
                vals = [ratio(med(cfg, impl, m), med(ref_cfg, ref_impl, m)) for m in metrics[:2]]
                return " / ".join(fmt(v, 2) for v in vals)

            row += [cell(i) for i in ours]
            if stock:
                row.append(cell("stock"))
            if anchors:
                row += [cell("vxlan", "-"), cell("underlay", "-")]
            if ratios and stock:
                row += [rcell(i, config, "stock") for i in ours]
            if ratios and anchors and main:
                row.append(rcell(main, "-", "vxlan"))
            if scaling:
                row.append(rcell("def", config, "w1"))
            out.append("| " + " | ".join(row) + " |")
    print("\n".join(out))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("iperf", "ping", "report"):
        sys.exit(__doc__)
    {"iperf": cmd_iperf, "ping": cmd_ping, "report": cmd_report}[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
