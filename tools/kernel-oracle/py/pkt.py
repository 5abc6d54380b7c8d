# Packet builders for record.py: raw IPv4/IPv6 packets with correct checksums
# (unless asked otherwise), so every probe is exactly the bytes we mean.
import socket
import struct


def csum(b: bytes) -> int:
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def a4(x):
    return socket.inet_pton(socket.AF_INET, x)


def a6(x):
    return socket.inet_pton(socket.AF_INET6, x)


def ip4(src, dst, proto, payload, ttl=64, tos=0, ident=0x1234, df=False, mf=False, frag=0,
        bad_csum=False, total=None, opts=b""):
    tot = total if total is not None else 20 + len(opts) + len(payload)
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | frag
    h = struct.pack("!BBHHHBBH4s4s", 0x45 + len(opts) // 4, tos, tot, ident, flags, ttl, proto, 0,
                    a4(src), a4(dst)) + opts
    c = csum(h)
    if bad_csum:
        c ^= 0x1111
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def ip6(src, dst, nh, payload, hlim=64, tc=0, fl=0):
    first = (6 << 28) | (tc << 20) | fl
    return struct.pack("!IHBB16s16s", first, len(payload), nh, hlim, a6(src), a6(dst)) + payload


def pseudo(src, dst, proto, length):
    if ":" in src:
        return a6(src) + a6(dst) + struct.pack("!IxxxB", length, proto)
    return a4(src) + a4(dst) + struct.pack("!BBH", 0, proto, length)


def udp(src, dst, sport, dport, data, zero_csum=False, bad_csum=False):
    length = 8 + len(data)
    h = struct.pack("!HHHH", sport, dport, length, 0)
    c = 0 if zero_csum else (csum(pseudo(src, dst, 17, length) + h + data) or 0xFFFF)
    if bad_csum:
        c ^= 0x0101
    return h[:6] + struct.pack("!H", c) + data


def tcp(src, dst, sport, dport, seq, ack, flags, data=b"", opts=b"", window=64240):
    doff = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, window, 0, 0) + opts
    c = csum(pseudo(src, dst, 6, len(h) + len(data)) + h + data)
    return h[:16] + struct.pack("!H", c) + h[18:] + data


SYN_OPTS = bytes.fromhex("020405b40402080a0001e2400000000001030307")


def icmp4(typ, code, rest, data, bad_csum=False):
    h = struct.pack("!BBHI", typ, code, 0, rest)
    c = csum(h + data)
    if bad_csum:
        c ^= 0x0101
    return h[:2] + struct.pack("!H", c) + h[4:] + data


def icmp6(src, dst, typ, code, rest, data):
    h = struct.pack("!BBHI", typ, code, 0, rest)
    c = csum(pseudo(src, dst, 58, len(h) + len(data)) + h + data)
    return h[:2] + struct.pack("!H", c) + h[4:] + data


def frag6(nh, offset8, more, ident, data):
    return struct.pack("!BBHI", nh, 0, (offset8 << 3) | (1 if more else 0), ident) + data


def pattern(n, seed=0):
    return bytes((i * 7 + seed) & 0xFF for i in range(n))
