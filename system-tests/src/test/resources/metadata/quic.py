"""QUIC client Initials (v1, RFC 9001; v2, RFC 9369) carrying a ClientHello, encrypted with Python's cryptography
package as RFC 9001 section 5 describes; also a v1 Initial whose ClientHello continues in a second Initial, and a
server Initial (server keys). Usage: quic.py OUT.pcap
"""
import os
import struct
import sys

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from scapy.all import IP, UDP, Ether, wrpcap

V1, V2 = 0x00000001, 0x6B3343CF
SALT = {V1: bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
        V2: bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9")}
LABEL = {V1: b"quic ", V2: b"quicv2 "}


def extract(salt, ikm):
    h = hmac.HMAC(salt, hashes.SHA256())
    h.update(ikm)
    return h.finalize()


def expand_label(secret, label, length):
    full = b"tls13 " + label
    return HKDFExpand(hashes.SHA256(), length, struct.pack("!HB", length, len(full)) + full + b"\x00").derive(secret)


def varint(v):
    if v < 64:
        return bytes([v])
    if v < 16384:
        return struct.pack("!H", 0x4000 | v)
    return struct.pack("!I", 0x80000000 | v)


def ext(t, data):
    return struct.pack("!HH", t, len(data)) + data


def client_hello(sni, alpn, pad=0):
    name = sni.encode()
    exts = ext(0, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name)
    a = b"".join(bytes([len(x)]) + x.encode() for x in alpn)
    exts += ext(16, struct.pack("!H", len(a)) + a)
    exts += ext(43, b"\x02\x03\x04")  # supported_versions: TLS 1.3
    exts += ext(13, struct.pack("!H", 6) + struct.pack("!HHH", 0x0403, 0x0804, 0x0401))
    exts += ext(10, struct.pack("!HH", 2, 0x001d))
    exts += ext(51, struct.pack("!H", 36) + struct.pack("!HH", 0x001d, 32) + os.urandom(32))
    exts += ext(57, bytes.fromhex("0104800075300504800f4240"))  # quic_transport_parameters
    if pad:
        exts += ext(21, bytes(pad))
    body = struct.pack("!H", 0x0303) + os.urandom(32) + b"\x00" + struct.pack("!HHHH", 6, 0x1301, 0x1302, 0x1303) \
        + b"\x01\x00" + struct.pack("!H", len(exts)) + exts
    return b"\x01" + struct.pack("!I", len(body))[1:] + body


def initial(version, dcid, frames, server=False, pn=0):
    secret = extract(SALT[version], dcid)
    side = expand_label(secret, b"server in" if server else b"client in", 32)
    key = expand_label(side, LABEL[version] + b"key", 16)
    iv = expand_label(side, LABEL[version] + b"iv", 12)
    hp = expand_label(side, LABEL[version] + b"hp", 16)
    pn_len = 2
    payload = frames
    if not server:
        payload += bytes(max(0, 1162 - len(frames)))  # PADDING: client Initials fill 1,200 bytes
    first = 0xC0 | ((0 if version == V1 else 1) << 4) | (pn_len - 1)
    scid = bytes.fromhex("c0ffee")
    header = bytes([first]) + struct.pack("!I", version) + bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid
    header += varint(0)  # token length (a server's Initial has the field too, always empty)
    header += struct.pack("!H", 0x4000 | (pn_len + len(payload) + 16)) + struct.pack("!H", pn)
    nonce = bytes(a ^ b for a, b in zip(iv, bytes(4) + struct.pack("!Q", pn)))
    sealed = AESGCM(key).encrypt(nonce, payload, header)
    pn_offset = len(header) - pn_len
    sample = sealed[4 - pn_len:4 - pn_len + 16]
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(sample) + enc.finalize()
    h = bytearray(header)
    h[0] ^= mask[0] & 0x0F
    for i in range(pn_len):
        h[pn_offset + i] ^= mask[1 + i]
    return bytes(h) + sealed


def crypto(offset, data):
    return b"\x06" + varint(offset) + varint(len(data)) + data


out = sys.argv[1]
E = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
frames = []
t = 1_700_000_100.0


def add(src, dst, sport, dport, payload):
    global t
    t += 0.001
    p = E / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / payload
    p.time = t
    frames.append(p)


# v1: the hello in two CRYPTO frames, the second half first (as Chrome shuffles them), a PING between
ch = client_hello("quic.secmon.test", ["h3"])
half = len(ch) // 2
add("10.2.0.1", "10.2.0.99", 50001, 443, initial(V1, bytes.fromhex("8394c8f03e515708"),
                                                 crypto(half, ch[half:]) + b"\x01" + crypto(0, ch[:half])))
# v2
add("10.2.0.2", "10.2.0.99", 50002, 443, initial(V2, bytes.fromhex("0a0b0c0d0e0f1011"),
                                                 crypto(0, client_hello("v2.secmon.test", ["h3", "h3-29"]))))
# a hello of ~1.6 KB: its first 1,000 bytes in the first Initial, the rest in a second one
big = client_hello("big.secmon.test", ["h3"], pad=1400)
dcid = bytes.fromhex("1122334455667788")
add("10.2.0.3", "10.2.0.99", 50003, 443, initial(V1, dcid, crypto(0, big[:1000])))
add("10.2.0.3", "10.2.0.99", 50003, 443, initial(V1, dcid, crypto(1000, big[1000:]), pn=1))
# the server's Initial: opened with the server's keys only
add("10.2.0.99", "10.2.0.1", 443, 50001, initial(V1, bytes.fromhex("8394c8f03e515708"),
                                                 crypto(0, b"\x02\x00\x00\x04" + bytes(4)), server=True))
wrpcap(out, frames)
