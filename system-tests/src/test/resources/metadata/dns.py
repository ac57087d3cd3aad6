"""DNS over UDP and TCP, and a TLS ClientHello split over two TCP segments, written by Scapy.

Usage: dns.py OUT.pcap
"""
import struct
import sys

from scapy.all import DNS, DNSQR, DNSRR, IP, IPv6, TCP, UDP, Ether, wrpcap

out = sys.argv[1]
E = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
C4, S4 = "10.1.0.1", "10.1.0.53"
C6, S6 = "2001:db8:1::1", "2001:db8:1::53"
frames = []
t = 1_700_000_000.0


def add(p):
    global t
    t += 0.001
    p.time = t
    frames.append(p)


# UDP: A over IPv4, AAAA over IPv6, an NXDOMAIN
add(E / IP(src=C4, dst=S4) / UDP(sport=33001, dport=53) / DNS(id=1, rd=1, qd=DNSQR(qname="www.secmon.test", qtype="A")))
add(E / IP(src=S4, dst=C4) / UDP(sport=53, dport=33001) / DNS(id=1, qr=1, rd=1, ra=1,
    qd=DNSQR(qname="www.secmon.test", qtype="A"),
    an=DNSRR(rrname="www.secmon.test", type="A", rdata="192.0.2.80") / DNSRR(rrname="www.secmon.test", type="A",
                                                                             rdata="192.0.2.81")))
add(E / IPv6(src=C6, dst=S6) / UDP(sport=33002, dport=53) / DNS(id=2, rd=1, qd=DNSQR(qname="v6.secmon.test",
                                                                                     qtype="AAAA")))
add(E / IPv6(src=S6, dst=C6) / UDP(sport=53, dport=33002) / DNS(id=2, qr=1, rd=1, ra=1,
    qd=DNSQR(qname="v6.secmon.test", qtype="AAAA"),
    an=DNSRR(rrname="v6.secmon.test", type="AAAA", rdata="2001:db8:80::1")))
add(E / IP(src=C4, dst=S4) / UDP(sport=33003, dport=53) / DNS(id=3, rd=1, qd=DNSQR(qname="nope.secmon.test")))
add(E / IP(src=S4, dst=C4) / UDP(sport=53, dport=33003) / DNS(id=3, qr=1, rd=1, ra=1, rcode=3,
                                                              qd=DNSQR(qname="nope.secmon.test")))

# TCP: a handshake, the query with its 2-byte length, the answer
q = bytes(DNS(id=4, rd=1, qd=DNSQR(qname="tcp.secmon.test", qtype="TXT")))
a = bytes(DNS(id=4, qr=1, rd=1, ra=1, qd=DNSQR(qname="tcp.secmon.test", qtype="TXT"),
              an=DNSRR(rrname="tcp.secmon.test", type="TXT", rdata="x")))
add(E / IP(src=C4, dst=S4) / TCP(sport=33004, dport=53, flags="S", seq=100))
add(E / IP(src=S4, dst=C4) / TCP(sport=53, dport=33004, flags="SA", seq=500, ack=101))
add(E / IP(src=C4, dst=S4) / TCP(sport=33004, dport=53, flags="A", seq=101, ack=501))
add(E / IP(src=C4, dst=S4) / TCP(sport=33004, dport=53, flags="PA", seq=101, ack=501) / (struct.pack("!H", len(q)) + q))
add(E / IP(src=S4, dst=C4) / TCP(sport=53, dport=33004, flags="PA", seq=501, ack=103 + len(q))
    / (struct.pack("!H", len(a)) + a))


# a ClientHello of ~2.5 KB (a padding extension, as post-quantum key shares make them) in two segments
def ext(t, data):
    return struct.pack("!HH", t, len(data)) + data


name = b"split.secmon.test"
exts = ext(0, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name) + ext(21, bytes(2400))
body = struct.pack("!H", 0x0303) + bytes(32) + b"\x00" + struct.pack("!HH", 2, 0x1301) + b"\x01\x00" \
    + struct.pack("!H", len(exts)) + exts
hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
record = b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs
add(E / IP(src=C4, dst="192.0.2.44") / TCP(sport=33005, dport=443, flags="S", seq=1000))
add(E / IP(src="192.0.2.44", dst=C4) / TCP(sport=443, dport=33005, flags="SA", seq=9000, ack=1001))
add(E / IP(src=C4, dst="192.0.2.44") / TCP(sport=33005, dport=443, flags="A", seq=1001, ack=9001))
add(E / IP(src=C4, dst="192.0.2.44") / TCP(sport=33005, dport=443, flags="A", seq=1001, ack=9001) / record[:1400])
add(E / IP(src=C4, dst="192.0.2.44") / TCP(sport=33005, dport=443, flags="PA", seq=1001 + 1400, ack=9001)
    / record[1400:])
wrpcap(out, frames)
