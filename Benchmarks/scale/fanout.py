#!/usr/bin/env python3
"""Broadcast fan-out load for one n2n 2.x supernode (issue 18 item 4).

usage:
  fanout.py --server IP:PORT --listeners N --seconds S --pid SUPERNODE_PID [--bind IP] [--payload BYTES]

Registers N + 1 fake edges in one community (loadgen.py's Load: one socket each, REGISTER_SUPER until
acknowledged), then edge 0 sends broadcast PACKETs (destination ff:ff:ff:ff:ff:ff, null transform)
as fast as its socket takes them for S seconds. The listeners do not read: the supernode's copies
are counted where they leave it, from this network namespace's UDP OutDatagrams (/proc/net/snmp,
minus the sender's own datagrams), and its CPU time from /proc/PID/stat. Prints one line of
key=value pairs: frames sent, copies out, copies/s, frames relayed/s (copies / N), CPU seconds, CPU
seconds per million copies. Run it in a namespace of its own (Benchmarks/fanout.sh does).
"""
import argparse
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loadgen import Load, header, parse_server, process_usage  # noqa: E402

PACKET = 3


def udp_out_datagrams():
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Udp:")]
    return int(rows[1][rows[0].index("OutDatagrams")])


def broadcast_packet(community, src_mac, payload):
    frame = b"\xff" * 6 + src_mac + b"\x88\xb5" + bytes(max(payload - 14, 0))
    return header(PACKET, community) + src_mac + b"\xff" * 6 + struct.pack(">H", 1) + frame


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--listeners", type=int, required=True)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--bind", default="127.0.0.2")
    p.add_argument("--payload", type=int, default=64)
    a = p.parse_args()

    load = Load(parse_server(a.server), a.listeners + 1, 1, 1, a.bind, "fanout", 1)
    acked, _, _, missing = load.register(list(range(a.listeners + 1)), 256, 5, 1.0, 60)
    if 0 not in acked or missing:
        print(f"registration incomplete: {len(acked)} of {a.listeners + 1} acknowledged", file=sys.stderr)
        return 1
    time.sleep(0.2)   # let the ACKs settle out of the counters
    sender = load.socks[0]
    datagram = broadcast_packet(load.names[0], load.macs[0], a.payload)
    server = load.server

    out0, cpu0, sent, refused = udp_out_datagrams(), process_usage(a.pid)[0], 0, 0
    start = time.monotonic()
    end = start + a.seconds
    while time.monotonic() < end:
        for _ in range(64):
            try:
                sender.sendto(datagram, server)
                sent += 1
            except (BlockingIOError, OSError):
                refused += 1
    elapsed = time.monotonic() - start
    time.sleep(0.3)   # what the supernode still had queued
    copies = udp_out_datagrams() - out0 - sent
    cpu = process_usage(a.pid)[0] - cpu0
    per_million = cpu / (copies / 1e6) if copies > 0 else float("nan")
    print(f"listeners={a.listeners} seconds={elapsed:.2f} frames_sent={sent} send_refused={refused} copies={copies} "
          f"copies_per_s={copies / elapsed:.0f} frames_relayed_per_s={copies / a.listeners / elapsed:.0f} "
          f"cpu_s={cpu:.2f} cpu_s_per_million_copies={per_million:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
