#!/usr/bin/python3
"""Writes captures of the link types SecMon reads besides Ethernet and Linux cooked, with Scapy: NULL (0, both byte
orders), LOOP (108), raw IPv4 (228), PPPoE sessions and MPLS label stacks on Ethernet. Usage: linktypes.py DIR"""
import os
import struct
import sys

from scapy.all import Ether, IP, IPv6, TCP, UDP, Raw, PPPoE, PPP, wrpcap
from scapy.contrib.mpls import MPLS

out = sys.argv[1]


def flows(k):
    pkts = []
    for n in range(4):
        pkts.append(IP(src="10.%d.0.1" % k, dst="10.%d.0.2" % k, id=n) / UDP(sport=3000 + n % 2, dport=4000) / Raw(b"y" * (5 + n)))
        pkts.append(IPv6(src="fd00:%x::1" % k, dst="fd00:%x::2" % k) / TCP(sport=5000, dport=443, flags="S" if n == 0 else "A") / Raw(b"z" * n))
    return pkts


def write(name, linktype, frames):
    for i, f in enumerate(frames):
        f.time = 1700000000 + i * 0.01
    wrpcap(os.path.join(out, name), frames, linktype=linktype)


def family_header(p, big_endian):
    fam = 2 if p.version == 4 else 30  # AF_INET; AF_INET6 as macOS numbers it
    return struct.pack(">I" if big_endian else "<I", fam)


null_le = [Raw(family_header(p, False) + bytes(p)) for p in flows(1)]
null_be = [Raw(family_header(p, True) + bytes(p)) for p in flows(2)]
write("null-le.pcap", 0, null_le)
write("null-be.pcap", 0, null_be)
write("loop.pcap", 108, [Raw(family_header(p, True) + bytes(p)) for p in flows(3)])
write("ipv4.pcap", 228, [p for p in flows(4) if p.version == 4])
eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
write("pppoe.pcap", 1, [eth / PPPoE(sessionid=7) / PPP(proto=0x0021 if p.version == 4 else 0x0057) / p for p in flows(5)])
write("mpls.pcap", 1, [eth / MPLS(label=100, s=0) / MPLS(label=200, s=1) / p for p in flows(6)])
