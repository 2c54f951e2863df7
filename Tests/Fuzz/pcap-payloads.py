#!/usr/bin/env python3
"""Writes the n2n UDP payloads of classic pcap captures (Ethernet, IPv4) as one file each.

usage: pcap-payloads.py [--sequence] OUTDIR CAPTURE.pcap...
Only datagrams between n2n's ports (supernode 1200, edges 50001-50003, discovery 1968) are kept.
With --sequence, each capture instead becomes one input for the supernode-engine target: what the
supernode received, in order, framed as that target reads it (see Engine/SupernodeEngineHarness.swift).
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


def main():
    args = sys.argv[1:]
    as_sequence = bool(args) and args[0] == "--sequence"
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
                f.write(sequence(path, name) or b"")
            count += 1
            continue
        for frame, payload, *_ in payloads(path):
            with open(os.path.join(out, f"{name}-{frame:04d}"), "wb") as f:
                f.write(payload)
            count += 1
    print(f"{count} {'sequences' if as_sequence else 'datagrams'} from {len(args) - 1} captures into {out}")


if __name__ == "__main__":
    main()
