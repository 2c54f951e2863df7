#!/usr/bin/env python3
"""Registration load for one n2n 2.x supernode: many fake edges from many UDP sockets, one process.

usage:
  loadgen.py fill  --server IP:PORT [--edges N] [--communities C] [--per-socket K] [--bind IP[,IP...]]
                   [--hold SECONDS] [--ready-file F]
      Registers N edges (MAC 02:5c:xx:xx:xx:xx, edge e in community scale-<e % C>), K MACs per socket,
      with a window of outstanding REGISTER_SUPERs and retransmission; prints the registration
      throughput (REGISTER_SUPER_ACKs per second). Then, for --hold seconds, keeps re-registering
      every acknowledged edge in a closed loop (the same window) and prints the sustained ACK rate.
      --ready-file is created when the first fill is done (run.sh waits for it).
  loadgen.py probe --server IP:PORT --community NAME [--mac HEX] [--bind IP]
      One REGISTER_SUPER from a fresh socket, up to 3 tries 1 s apart: prints ACK / NAK / no answer.
  loadgen.py edge-latency --tries N --timeout S -- EDGE-COMMAND...
      Starts the real edge N times (one after the other, `{i}` in the command is replaced by the try
      number), timestamps its stderr lines and prints the time from the start of the process, and
      from its "registering with supernode" line (-v), until "[OK] edge <<< ... >>> supernode".

Everything is bounded: --deadline caps the fill, tries are capped, the edge is killed after --timeout.
Wire format: ../shared/docs/n2n-v2-protocol.md 1.2 and 1.4.4/1.4.5 (REGISTER_SUPER, its ACK).
"""
import argparse
import os
import select
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time

REGISTER_SUPER, REGISTER_SUPER_ACK, REGISTER_SUPER_NAK = 5, 6, 7


def header(code, community):
    return bytes([2, 2]) + struct.pack(">H", code) + community.encode()[:15].ljust(16, b"\0")


def register_super(community, cookie, mac):
    # cookie, edgeMac, auth scheme 0, auth token length 0 (34 bytes)
    return header(REGISTER_SUPER, community) + struct.pack(">I", cookie) + mac + b"\0\0\0\0"


def parse_reply(data):
    """(code, cookie, mac) of a REGISTER_SUPER_ACK/NAK, or None."""
    if len(data) < 24 or data[0] != 2:
        return None
    code = data[3] & 0x1F
    if code == REGISTER_SUPER_ACK and len(data) >= 41:
        return code, struct.unpack_from(">I", data, 20)[0], data[24:30]
    if code == REGISTER_SUPER_NAK:
        return code, struct.unpack_from(">I", data, 20)[0], None
    return None


def parse_server(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


class Load:
    """Edges e = 0..n-1: socket e // per_socket, community e % communities, MAC 02:5c:<e as 32 bits>."""

    def __init__(self, server, edges, communities, per_socket, bind, prefix, first):
        self.server = server
        self.n = edges
        self.names = [f"{prefix}{c:03d}" for c in range(communities)]
        self.per_socket = per_socket
        self.first = first
        self.socks = []
        self.poll = select.epoll()
        self.by_fd = {}
        addresses = bind.split(",")
        for s in range((edges + per_socket - 1) // per_socket):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 18)
            sock.bind((addresses[s % len(addresses)], 0))
            sock.setblocking(False)
            self.socks.append(sock)
            self.by_fd[sock.fileno()] = sock
            self.poll.register(sock.fileno(), select.EPOLLIN)
        self.macs = [b"\x02\x5c" + struct.pack(">I", first + e) for e in range(edges)]
        self.datagrams = [register_super(self.names[e % communities], first + e, self.macs[e]) for e in range(edges)]
        self.sent = self.acks = self.naks = self.send_errors = 0

    def send(self, e):
        try:
            self.socks[e // self.per_socket].sendto(self.datagrams[e], self.server)
            self.sent += 1
            return True
        except (BlockingIOError, OSError):
            self.send_errors += 1
            return False

    def drain(self, timeout, on_ack):
        for fd, _ in self.poll.poll(timeout):
            sock = self.by_fd[fd]
            while True:
                try:
                    data = sock.recv(2048)
                except BlockingIOError:
                    break
                reply = parse_reply(data)
                if reply is None:
                    continue
                code, cookie, mac = reply
                e = cookie - self.first
                if code == REGISTER_SUPER_NAK:
                    self.naks += 1
                elif 0 <= e < self.n and mac == self.macs[e]:
                    self.acks += 1
                    on_ack(e)

    def register(self, edges, window, tries, retry_after, deadline):
        """Registers `edges` (a list) with at most `window` outstanding; returns (acked set, seconds, retries)."""
        queue = list(reversed(edges))
        outstanding = {}   # edge -> (send time, tries)
        acked = set()
        retries = 0
        given_up = 0

        def on_ack(e):
            if outstanding.pop(e, None) is not None:
                acked.add(e)

        start = time.monotonic()
        last_scan = start
        while queue or outstanding:
            now = time.monotonic()
            if now - start > deadline:
                break
            while queue and len(outstanding) < window:
                e = queue.pop()
                n = outstanding.get(e, (0, 0))[1] + 1
                outstanding[e] = (now, n)
                self.send(e)
            self.drain(0.005, on_ack)
            if now - last_scan > retry_after / 4:
                last_scan = now
                for e, (t, n) in list(outstanding.items()):
                    if now - t > retry_after:
                        if n >= tries:
                            del outstanding[e]
                            given_up += 1
                        else:
                            outstanding[e] = (now, n + 1)
                            self.send(e)
                            retries += 1
        return acked, time.monotonic() - start, retries, given_up + len(outstanding) + len(queue)

    def hold(self, edges, window, seconds):
        """Closed-loop re-registration of `edges` for `seconds`: (REGISTER_SUPERs sent, ACKs, seconds)."""
        order = list(edges)
        outstanding = {}
        i = 0
        acks = 0
        sent0 = self.sent

        def on_ack(e):
            nonlocal acks
            if outstanding.pop(e, None) is not None:
                acks += 1

        start = time.monotonic()
        last_scan = start
        while (now := time.monotonic()) - start < seconds:
            while len(outstanding) < window and order:
                e = order[i % len(order)]
                i += 1
                if e in outstanding:
                    break
                outstanding[e] = now
                self.send(e)
            self.drain(0.005, on_ack)
            if now - last_scan > 0.25:
                last_scan = now
                for e, t in list(outstanding.items()):
                    if now - t > 1.0:
                        del outstanding[e]   # lost; the loop sends it again on its next turn
        return self.sent - sent0, acks, time.monotonic() - start


def process_usage(pid):
    """(CPU seconds, VmRSS KiB) of a process, from /proc; (0, 0) without a pid."""
    if not pid:
        return 0.0, 0
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    rss = next(int(line.split()[1]) for line in open(f"/proc/{pid}/status") if line.startswith("VmRSS:"))
    return cpu, rss


def usage_note(pid, before, acks):
    if not pid:
        return ""
    cpu, rss = process_usage(pid)
    per = (cpu - before[0]) / max(acks, 1) * 1e6
    return f"; supernode {cpu - before[0]:.2f} CPU s = {per:.0f} us per ACK, VmRSS {rss / 1024:.1f} MiB"


def cmd_fill(a):
    load = Load(parse_server(a.server), a.edges, a.communities, a.per_socket, a.bind, a.prefix, a.first)
    usage = process_usage(a.pid)
    acked, seconds, retries, missing = load.register(list(range(a.edges)), a.window, a.tries, a.retry_after, a.deadline)
    print(f"fill: {len(acked)}/{a.edges} edges acknowledged in {seconds:.2f} s = {len(acked) / seconds:.0f} ACKs/s "
          f"({len(load.socks)} sockets, {a.per_socket} MACs each, {a.communities} communities, window {a.window}, "
          f"{retries} retransmissions, {missing} never acknowledged, {load.naks} NAKs, {load.send_errors} send errors)"
          + usage_note(a.pid, usage, len(acked)), flush=True)
    if a.ready_file:
        open(a.ready_file, "w").write(f"{len(acked)}\n")
    if a.hold > 0 and acked:
        usage = process_usage(a.pid)
        sent, acks, seconds = load.hold(sorted(acked), a.window, a.hold)
        print(f"hold: {sent} re-registrations sent, {acks} acknowledged in {seconds:.1f} s = {acks / seconds:.0f} ACKs/s "
              f"sustained ({acks / max(sent, 1) * 100:.1f} % answered)" + usage_note(a.pid, usage, acks), flush=True)
    return 0 if len(acked) == a.edges or a.allow_missing else 1


def cmd_probe(a):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((a.bind, 0))
    sock.settimeout(1.0)
    mac = bytes.fromhex(a.mac.replace(":", ""))
    for attempt in range(1, 4):
        start = time.monotonic()
        sock.sendto(register_super(a.community, 0x51C0FFEE, mac), parse_server(a.server))
        try:
            while True:
                reply = parse_reply(sock.recv(2048))
                if reply and reply[1] == 0x51C0FFEE:
                    break
        except socket.timeout:
            continue
        what = "ACK" if reply[0] == REGISTER_SUPER_ACK else "NAK"
        print(f"probe {a.community} {a.mac}: {what} after {(time.monotonic() - start) * 1000:.2f} ms (try {attempt})")
        return 0 if what == "ACK" else 2
    print(f"probe {a.community} {a.mac}: no answer to 3 REGISTER_SUPERs (1 s each)")
    return 2


def cmd_edge_latency(a):
    total, protocol, failures = [], [], 0
    for i in range(1, a.tries + 1):
        argv = [w.replace("{i}", str(i)) for w in a.command]
        start = time.monotonic()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        os.set_blocking(p.stderr.fileno(), False)
        buf, registering, ok, lines = b"", None, None, []
        while ok is None and time.monotonic() - start < a.timeout and p.poll() is None:
            r, _, _ = select.select([p.stderr], [], [], 0.05)
            if not r:
                continue
            chunk = p.stderr.read() or b""
            now = time.monotonic()
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                lines.append(line.decode(errors="replace"))
                if registering is None and b"registering with supernode" in line:
                    registering = now
                if b"[OK] edge" in line:
                    ok = now
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        if ok is None:
            failures += 1
            print(f"edge try {i}: not registered within {a.timeout:.0f} s (exit {p.returncode}); last lines:")
            for line in lines[-5:]:
                print("    " + line)
            continue
        total.append((ok - start) * 1000)
        if registering is not None:
            protocol.append((ok - registering) * 1000)
        print(f"edge try {i}: registered {total[-1]:.1f} ms after start"
              + (f", {protocol[-1]:.1f} ms after its first REGISTER_SUPER line" if registering is not None else ""),
              flush=True)
        time.sleep(a.pause)

    def summary(xs):
        return f"median {statistics.median(xs):.1f} ms (min {min(xs):.1f}, max {max(xs):.1f}, n={len(xs)})" if xs else "n/a"
    print(f"edge latency: start->registered {summary(total)}; REGISTER_SUPER->ACK line {summary(protocol)}; "
          f"{failures} of {a.tries} not registered")
    return 0 if failures == 0 else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fill")
    f.add_argument("--server", required=True)
    f.add_argument("--edges", type=int, default=10000)
    f.add_argument("--communities", type=int, default=100)
    f.add_argument("--prefix", default="scale-")
    f.add_argument("--per-socket", type=int, default=64)
    f.add_argument("--first", type=int, default=0x10000, help="MAC/cookie number of edge 0")
    f.add_argument("--bind", default="127.0.0.2", help="source address(es), comma-separated: sockets take them in turn")
    f.add_argument("--window", type=int, default=256)
    f.add_argument("--tries", type=int, default=8)
    f.add_argument("--retry-after", type=float, default=0.5)
    f.add_argument("--deadline", type=float, default=120)
    f.add_argument("--hold", type=float, default=0)
    f.add_argument("--ready-file")
    f.add_argument("--pid", type=int, help="the supernode's pid: print its CPU time per ACK and VmRSS")
    f.add_argument("--allow-missing", action="store_true", help="exit 0 even if some edges were refused")
    pr = sub.add_parser("probe")
    pr.add_argument("--server", required=True)
    pr.add_argument("--community", required=True)
    pr.add_argument("--mac", default="02:5d:00:00:00:01")
    pr.add_argument("--bind", default="127.0.0.1")
    e = sub.add_parser("edge-latency")
    e.add_argument("--tries", type=int, default=5)
    e.add_argument("--timeout", type=float, default=15)
    e.add_argument("--pause", type=float, default=0.5)
    e.add_argument("command", nargs=argparse.REMAINDER)
    a = p.parse_args()
    if a.cmd == "edge-latency":
        if a.command and a.command[0] == "--":
            a.command = a.command[1:]
        return cmd_edge_latency(a)
    return {"fill": cmd_fill, "probe": cmd_probe}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
