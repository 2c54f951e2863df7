#!/usr/bin/env python3
"""Writes the n2n UDP payloads of classic pcap captures (Ethernet, IPv4) as one file each.

usage: pcap-payloads.py OUTDIR CAPTURE.pcap...
Only datagrams between n2n's ports (supernode 1200, edges 50001-50003, discovery 1968) are kept.
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
            yield frame, pkt[udp + 8:udp + length]


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    count = 0
    for path in sys.argv[2:]:
        name = os.path.splitext(os.path.basename(path))[0]
        for frame, payload in payloads(path):
            with open(os.path.join(out, f"{name}-{frame:04d}"), "wb") as f:
                f.write(payload)
            count += 1
    print(f"{count} datagrams from {len(sys.argv) - 2} captures into {out}")


if __name__ == "__main__":
    main()
