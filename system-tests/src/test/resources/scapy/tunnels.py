#!/usr/bin/python3
"""Writes a capture of mirrored traffic as clouds deliver it, with Scapy (an encoder independent of SecMon):
ERSPAN I, II and III, GRE with a key (IP and Ethernet payloads, outer IPv4 and IPv6), VXLAN, GENEVE with an option
and GTP-U with a PDU session container, each from its own tunnel source with its own id, each carrying its own
inner flows; plus GTP-U echo requests (signalling: not a flow). Usage: tunnels.py OUT.pcap"""
import sys

from scapy.all import Ether, IP, IPv6, TCP, UDP, Raw, GRE, wrpcap
from scapy.contrib.erspan import ERSPAN_II, ERSPAN_III, ERSPAN_PlatformSpecific
from scapy.contrib.geneve import GENEVE
from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer, GTPEchoRequest
from scapy.layers.vxlan import VXLAN

MIRROR = "10.99.0.1"


def inner(k, n, v6=False, udp=False):
    """Packet n of inner flow k (both directions would be two flows; one direction here)."""
    ip = IPv6(src="fd00:%x::1" % k, dst="fd00:%x::2" % k) if v6 else IP(src="192.168.%d.1" % k, dst="192.168.%d.2" % k, id=n + 1)
    l4 = UDP(sport=2000 + k, dport=9999) if udp else TCP(sport=1000 + k, dport=80, flags="S" if n == 0 else "A", seq=1000 + n * 100)
    return ip / l4 / Raw(b"x" * (10 + 7 * n + k))


def eth(p):
    return Ether(src="02:00:00:00:%02x:01" % 7, dst="02:00:00:00:%02x:02" % 7) / p


OUTER = Ether(src="02:aa:00:00:00:01", dst="02:aa:00:00:00:02")
frames = []
for n in range(5):
    frames.append(OUTER / IP(src="10.200.0.1", dst=MIRROR) / GRE(seqnum_present=1, sequence_number=n, proto=0x88BE) / ERSPAN_II(ver=1, session_id=11) / eth(inner(1, n)))
    frames.append(OUTER / IP(src="10.200.0.2", dst=MIRROR) / GRE(seqnum_present=1, sequence_number=n, proto=0x22EB) / ERSPAN_III(ver=2, session_id=12, d=1, o=1, hw=5) / ERSPAN_PlatformSpecific(platf_id=3) / eth(inner(2, n)))
    frames.append(OUTER / IP(src="10.200.0.3", dst=MIRROR) / GRE(proto=0x88BE) / eth(inner(3, n)))
    frames.append(OUTER / IP(src="10.200.0.4", dst=MIRROR) / GRE(key_present=1, key=13, proto=0x0800) / inner(4, n))
    frames.append(OUTER / IPv6(src="2001:db8:200::5", dst="2001:db8:99::1") / GRE(key_present=1, key=14, proto=0x6558) / eth(inner(5, n, v6=True)))
    frames.append(OUTER / IP(src="10.200.0.6", dst=MIRROR) / UDP(sport=40000 + n, dport=4789) / VXLAN(vni=15) / eth(inner(6, n, udp=True)))
    frames.append(OUTER / IP(src="10.200.0.7", dst=MIRROR) / UDP(sport=40000 + n, dport=6081) / GENEVE(vni=16, proto=0x6558, optionlen=2, options=b"\x01\x02\x03\x01\x00\x00\x00\x00") / eth(inner(7, n)))
    frames.append(OUTER / IP(src="10.200.0.8", dst=MIRROR) / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=17, gtp_type=255, E=1, next_ex=0x85) / GTPPDUSessionContainer(type=1, QFI=9) / inner(8, n))
frames.append(OUTER / IP(src="10.200.0.8", dst=MIRROR) / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0, gtp_type=1, S=1) / GTPEchoRequest())
for i, f in enumerate(frames):
    f.time = 1700000000 + i * 0.001
wrpcap(sys.argv[1], frames)
