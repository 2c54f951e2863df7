#!/usr/bin/env python3
"""Writes the n2n UDP payloads of classic pcap captures (Ethernet, IPv4) as one file each.

usage: pcap-payloads.py [--sequence | --edge-sequence] OUTDIR CAPTURE.pcap...
Only datagrams between n2n's ports (supernode 1200, edges 50001-50003, discovery 1968) are kept.
With --sequence, each capture instead becomes one input for the supernode-engine target: what the
supernode received, in order, framed as that target reads it (see Engine/SupernodeEngineHarness.swift).
With --edge-sequence, one input for the edge-engine target: what edge e2 (10.250.0.2:50002) received
on its socket and from the discovery group, framed as Engine/EdgeEngineHarness.swift reads it.
"""
import os
import struct
import sys

PORTS = {1200, 1968, 50001, 50002, 50003}


def payloads(path):
    data = open(path, "rb").read()
    if data[:4] != b"\xd4\xc3\xb2\xa1":
        raise SystemExit(f"{path}: not a little-endian classic pcap")
    offset, frame = 24, 0
    while offset + 16 <= len(data):
        frame += 1
        caplen = struct.unpack_from("<I", data, offset + 8)[0]
        start, offset = offset + 16, offset + 16 + caplen
        pkt = data[start:offset]
        if len(pkt) < 42 or pkt[12:14] != b"\x08\x00" or pkt[23] != 17:
            continue
        udp = 14 + (pkt[14] & 0x0F) * 4
        sport, dport, length = struct.unpack_from(">HHH", pkt, udp)
        if sport in PORTS and dport in PORTS and length >= 8 and udp + length <= len(pkt):
            ts = struct.unpack_from("<II", data, start - 16)
            src_ip = pkt[26:30]
            yield frame, pkt[udp + 8:udp + length], ts[0] + ts[1] / 1e6, src_ip, dport


def sequence(path, name):
    """flags ‖ start seconds ‖ (control ‖ length ‖ datagram)* for datagrams to the supernode."""
    out, clock = None, 0
    for _, payload, ts, src_ip, dport in payloads(path):
        if dport != 1200 or src_ip[:3] != bytes([10, 250, 0]) or not 1 <= src_ip[3] <= 3:
            continue
        if out is None:
            clock = int(ts)
            out = bytearray([1 if name.startswith("h-") else 0]) + struct.pack(">I", clock)
        step = min(max(int(ts) - clock, 0), 63)
        clock += step
        out += bytes([step << 2 | (src_ip[3] - 1)]) + struct.pack(">H", len(payload)) + payload
    return out


# edge-engine: transform index of the harness's flags (bits 1-3) per capture; the receiver opens
# every compression, so the LZO and zstd captures use the null entry.
EDGE_TRANSFORMS = {"a2-twofish": 1, "a3-aes": 2, "a4-chacha20": 3, "a5-speck": 4, "h-a3-header-enc-aes": 2}
EDGE_STEPS = [0, 0.01, 0.5, 1, 2.5, 6, 21, 61]
EDGE_SOURCES = {254: 0, 1: 2, 3: 3}   # supernode, e1, e3 (last byte of 10.250.0.x); others: 4


def edge_sequence(path, name):
    """flags ‖ flags ‖ start seconds ‖ (control ‖ length ‖ datagram)* for datagrams to e2."""
    out, clock = None, 0.0
    encrypted = name.startswith("h-")
    for _, payload, ts, src_ip, dport in payloads(path):
        if src_ip == bytes([10, 250, 0, 2]) or dport not in (50002, 1968):
            continue
        if out is None:
            clock = float(int(ts))
            flags = (1 if encrypted else 0) | EDGE_TRANSFORMS.get(name, 0) << 1 | 0x10   # -E, as captured
            out = bytearray([flags, 0x04]) + struct.pack(">I", int(ts))
        step = max(i for i, s in enumerate(EDGE_STEPS) if s <= max(ts - clock, 0))
        clock += EDGE_STEPS[step]
        source = EDGE_SOURCES.get(src_ip[3], 4) if src_ip[:3] == bytes([10, 250, 0]) else 4
        # Bit 3 puts our cookie into plain ACKs (2.8's e2 had another); sealed ones stay as captured.
        out += bytes([step << 5 | (0 if encrypted else 8) | source]) + struct.pack(">H", len(payload)) + payload
    return out


def main():
    args = sys.argv[1:]
    mode = args[0] if args and args[0] in ("--sequence", "--edge-sequence") else None
    as_sequence = mode is not None
    if as_sequence:
        args = args[1:]
    if len(args) < 2:
        raise SystemExit(__doc__)
    out = args[0]
    os.makedirs(out, exist_ok=True)
    count = 0
    for path in args[1:]:
        name = os.path.splitext(os.path.basename(path))[0]
        if as_sequence:
            with open(os.path.join(out, f"{name}-sequence"), "wb") as f:
                f.write((sequence if mode == "--sequence" else edge_sequence)(path, name) or b"")
            count += 1
            continue
        for frame, payload, *_ in payloads(path):
            with open(os.path.join(out, f"{name}-{frame:04d}"), "wb") as f:
                f.write(payload)
            count += 1
    print(f"{count} {'sequences' if as_sequence else 'datagrams'} from {len(args) - 1} captures into {out}")


if __name__ == "__main__":
    main()
