#!/usr/bin/env python3
"""Broadcast fan-out load for one n2n 2.x supernode (issue 18 item 4).

usage:
  fanout.py --server IP:PORT --listeners N --seconds S --pid SUPERNODE_PID [--bind IP] [--payload BYTES]

Registers N + 1 fake edges in one community (loadgen.py's Load: one socket each, REGISTER_SUPER until
acknowledged), then edge 0 sends broadcast PACKETs (destination ff:ff:ff:ff:ff:ff, null transform)
as fast as its socket takes them for S seconds. The listeners do not read while it runs (their
receive buffers are the smallest the kernel allows, see below): the
supernode's copies are counted where they arrive, each listener's queued datagrams (read at the
end) plus its socket's drops (/proc/net/udp; the kernel's OutDatagrams undercounts sendmmsg), the
frames the supernode took in as those sent minus its socket's drops, and its CPU time from
/proc/PID/task/*/schedstat. Prints one line of key=value pairs: frames sent and taken in, copies, copies/s,
frames relayed/s (copies / N), CPU seconds, CPU seconds per million copies. Run it in a namespace
of its own (Benchmarks/fanout.sh does).
"""
import argparse
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loadgen import Load, header, parse_server  # noqa: E402

PACKET = 3


def cpu_seconds(pid):
    """CPU time of all the process's threads, from schedstat (nanoseconds, unlike /proc/PID/stat's ticks)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/schedstat") as f:
            total += int(f.read().split()[0])
    return total / 1e9


def udp_drops():
    """Drops per local port of every UDP socket of this namespace (/proc/net/udp, last column)."""
    drops = {}
    with open("/proc/net/udp") as f:
        next(f)
        for line in f:
            fields = line.split()
            port = int(fields[1].split(":")[1], 16)
            drops[port] = drops.get(port, 0) + int(fields[-1])
    return drops


def drain(sock):
    n = 0
    while True:
        try:
            sock.recv(4096)
            n += 1
        except (BlockingIOError, InterruptedError):
            return n


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

    listeners = load.socks[1:]
    for sock in listeners:
        drain(sock)   # the registration's ACKs
    # On loopback the receivers' side of every copy (enqueue, wake-up) runs in the sender's
    # context and would be charged to the supernode as if it were its work: out of the epoll set and
    # with the smallest receive buffer, nearly every copy ends in a cheap drop, the same for every
    # supernode, and what differs is the supernode's own sending.
    load.poll.close()
    for sock in listeners:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    drops0, cpu0, sent, refused = udp_drops(), cpu_seconds(a.pid), 0, 0
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
    cpu = cpu_seconds(a.pid) - cpu0
    drops = udp_drops()
    def dropped(port):
        return drops.get(port, 0) - drops0.get(port, 0)
    copies = sum(drain(sock) + dropped(sock.getsockname()[1]) for sock in listeners)
    taken = sent - dropped(server[1])
    per_million = cpu / (copies / 1e6) if copies > 0 else float("nan")
    print(f"listeners={a.listeners} seconds={elapsed:.2f} frames_sent={sent} frames_in={taken} send_refused={refused} "
          f"copies={copies} copies_per_s={copies / elapsed:.0f} frames_relayed_per_s={copies / a.listeners / elapsed:.0f} "
          f"cpu_s={cpu:.2f} cpu_s_per_million_copies={per_million:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
