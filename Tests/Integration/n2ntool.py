#!/usr/bin/env python3
"""Small traffic and management tool for the netns integration tests.

Every subcommand is bounded in time and count; it only talks to addresses inside the test's
own namespaces (or 127.0.0.1 inside them).
"""
import os
import random
import socket
import struct
import sys
import time


def mgmt(port, command="\n", timeout=1.0):
    """Sends one management request and prints every reply datagram until a quiet gap."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(command.encode() if command else b"", ("127.0.0.1", int(port)))
    out = []
    try:
        while True:
            data, _ = s.recvfrom(65535)
            out.append(data.decode(errors="replace"))
            s.settimeout(0.3)
    except socket.timeout:
        pass
    sys.stdout.write("".join(out))


def mcast_recv(group, port, ifaddr, timeout, expect="0"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port)))
    mreq = socket.inet_aton(group) + socket.inet_aton(ifaddr)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
    receive_until(s, timeout, lambda d: d.startswith(b"NNMC"), int(expect))


def bcast_recv(port, timeout, expect="0"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port)))
    receive_until(s, timeout, lambda d: d.startswith(b"NNBC"), int(expect))


def receive_until(s, timeout, accept, expect=0):
    """Prints the number of distinct sequence numbers received before the deadline, or as soon as
    `expect` (> 0) of them came: a long deadline then costs nothing when all arrive, and a sender
    that a loaded machine starts late is still counted."""
    deadline = time.time() + float(timeout)
    seqs = set()
    print("ready", flush=True)
    while time.time() < deadline:
        s.settimeout(max(0.05, deadline - time.time()))
        try:
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            break
        if accept(data) and len(data) >= 12:
            seqs.add(struct.unpack(">Q", data[4:12])[0])
            if 0 < expect <= len(seqs):
                break
    print(len(seqs), flush=True)


def pause(interval, paced, start, i):
    """Sleeps one interval; paced ("1") keeps to start + (i + 1) * interval, so that a long run
    ends on time however late each sleep wakes up (on a busy machine the plain sleeps add up)."""
    if paced == "1":
        time.sleep(max(0.0, start + (i + 1) * float(interval) - time.time()))
    else:
        time.sleep(float(interval))


def mcast_send(group, port, ifaddr, count, interval=0.2, paced="0"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ifaddr))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    start = time.time()
    for i in range(int(count)):
        s.sendto(b"NNMC" + struct.pack(">Q", i) + bytes(52), (group, int(port)))
        pause(interval, paced, start, i)


def bcast_send(addr, port, count, interval=0.2, paced="0"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    start = time.time()
    for i in range(int(count)):
        s.sendto(b"NNBC" + struct.pack(">Q", i) + bytes(52), (addr, int(port)))
        pause(interval, paced, start, i)


def tap_count(ifname, seconds, group):
    """Prints how many IPv4 UDP frames to `group` arrived on the TAP `ifname` (joined or not)."""
    want = socket.inet_aton(group)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((ifname, 0))
    print("ready", flush=True)
    deadline, count = time.time() + float(seconds), 0
    while time.time() < deadline:
        s.settimeout(max(0.05, deadline - time.time()))
        try:
            data, addr = s.recvfrom(4096)
        except socket.timeout:
            break
        if addr[2] != socket.PACKET_OUTGOING and len(data) >= 34 and data[12:14] == b"\x08\x00" \
                and data[23] == 17 and data[30:34] == want:
            count += 1
    print(count, flush=True)


def n2n_header(code, community=b"demo", flags=0, ttl=2):
    return bytes([2, ttl]) + struct.pack(">H", flags | code) + community.ljust(16, b"\0")[:16]


def sample_packets(community):
    mac_a = bytes.fromhex("020000000a01")
    mac_b = bytes.fromhex("020000000a02")
    sock = struct.pack(">HHI", 0, 50001, 0x0A000001)
    frame = bytes.fromhex("ffffffffffff") + mac_a + b"\x08\x06" + bytes(46)
    return [
        n2n_header(5, community) + b"\x01\x02\x03\x04" + mac_a + b"\x00\x00\x00\x00",
        n2n_header(1, community) + struct.pack(">I", 123456789) + mac_a + mac_b,
        n2n_header(4, community) + struct.pack(">I", 123456789) + mac_b + mac_a,
        n2n_header(3, community) + mac_a + bytes.fromhex("ffffffffffff") + b"\x00\x01" + frame,
        n2n_header(3, community, flags=0x60, ttl=1) + mac_a + mac_b + sock + b"\x00\x03" + bytes(40),
        n2n_header(6, community, flags=0x60) + b"\x01\x02\x03\x04" + mac_a + b"\x00\x0f" + sock + b"\x00",
        n2n_header(9, community, flags=0x20) + b"\x00\x00" + mac_b + sock,
        n2n_header(10, community) + mac_a + mac_b,
        n2n_header(5, community) + b"\x01\x02\x03\x04" + mac_a + b"\x00\x00\xff\xff" + bytes(64),
    ]


def garbage_datagram(rng, samples, kind):
    """Kind 0: random bytes; 1: a valid packet truncated; 2: bit flips; 3: a valid packet, random tail."""
    if kind == 0:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 1500)))
    if kind == 1:
        p = rng.choice(samples)
        return p[: rng.randint(0, len(p))]
    if kind == 2:
        p = bytearray(rng.choice(samples))
        for _ in range(rng.randint(1, 4)):
            bit = rng.randrange(len(p) * 8)
            p[bit // 8] ^= 1 << (bit % 8)
        return bytes(p)
    p = bytearray(rng.choice(samples))
    p[0] = 2
    return bytes(p) + bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 64)))


def udp_socket(host, port):
    """A UDP socket of the family HOST resolves to (an IPv4 or IPv6 literal, or a name)."""
    family = socket.getaddrinfo(host, int(port), type=socket.SOCK_DGRAM)[0][0]
    return socket.socket(family, socket.SOCK_DGRAM)


def register_many(host, port, count, community="demo"):
    """COUNT REGISTER_SUPERs, each for another MAC, from one socket; prints how many were sent."""
    s = udp_socket(host, port)
    sent = 0
    for i in range(int(count)):
        mac = bytes([0x02, 0xee, 0, 0, i >> 8 & 0xFF, i & 0xFF])
        try:
            s.sendto(n2n_header(5, community.encode()) + struct.pack(">I", i) + mac + bytes(4), (host, int(port)))
            sent += 1
        except OSError:
            pass
        if i % 50 == 49:
            time.sleep(0.01)
    print(sent)


def flood(host, port, seconds, rate, community="demo", seed=None):
    """The garbage mix at RATE datagrams/s for SECONDS, paced; prints 'sent N in T s: R/s'.

    Bounded: at most 60 s and 500 000/s. The datagrams come from a pool built before the clock
    starts, so the sender's cost is the send itself and one process can keep a high rate.
    """
    seconds, rate = min(float(seconds), 60.0), min(int(rate), 500_000)
    rng = random.Random(seed if seed is not None else os.getpid())
    samples = sample_packets(community.encode())
    pool = [garbage_datagram(rng, samples, i % 4) for i in range(4096)]
    s = udp_socket(host, port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    s.connect((host, int(port)))                  # send() skips the address parsing of sendto()
    send = s.send
    burst = 200                                   # datagrams between two clock checks
    start = time.time()
    end = start + seconds
    sent = 0
    i = 0
    while True:
        now = time.time()
        if now >= end:
            break
        ahead = sent / rate - (now - start)       # seconds ahead of the schedule
        if ahead > 0:
            time.sleep(min(ahead, end - now))
            continue
        for _ in range(burst):
            try:
                send(pool[i & 4095])
                sent += 1
            except OSError:                       # ENOBUFS, or an ICMP error reported late
                pass
            i += 1
    elapsed = time.time() - start
    print("sent %d in %.2f s: %d/s" % (sent, elapsed, sent / elapsed if elapsed > 0 else 0), flush=True)


def packetstats(port, tag="77"):
    """JSON API packetstats (both programs): prints 'reason count' per drop row, 'dropped N' first."""
    import json
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.5)
    s.sendto(("r %s packetstats" % tag).encode(), ("127.0.0.1", int(port)))
    rows = []
    try:
        while True:
            o = json.loads(s.recvfrom(65535)[0])
            if o.get("_type") in ("end", "error"):
                break
            if o.get("_type") == "row":
                rows.append(o)
    except socket.timeout:
        pass
    for o in rows:
        if o.get("type") == "dropped":
            print("dropped", o.get("count"))
    for o in rows:
        if o.get("type") == "drop":
            print(o.get("reason"), o.get("count"))


def garbage(host, port, count, community="demo", seed=None):
    """Random datagrams, every truncation and bit flips of valid packets; prints how many were sent."""
    rng = random.Random(seed if seed is not None else os.getpid())
    s = udp_socket(host, port)
    samples = sample_packets(community.encode())
    sent = 0
    for i in range(int(count)):
        data = garbage_datagram(rng, samples, i % 4)
        try:
            s.sendto(data, (host, int(port)))
            sent += 1
        except OSError:
            pass
        if i % 50 == 49:
            time.sleep(0.01)
    print(sent)


def main(argv):
    commands = {
        "mgmt": mgmt, "mcast-recv": mcast_recv, "mcast-send": mcast_send,
        "bcast-recv": bcast_recv, "bcast-send": bcast_send, "garbage": garbage,
        "flood": flood, "packetstats": packetstats, "tap-count": tap_count, "register-many": register_many,
    }
    if len(argv) < 2 or argv[1] not in commands:
        sys.exit("usage: n2ntool.py {%s} args..." % "|".join(commands))
    commands[argv[1]](*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
