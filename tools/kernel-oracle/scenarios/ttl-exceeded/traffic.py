# Traceroute-like: UDP with TTL 1 (router answers time exceeded), then TTL 2
# (forwarded; srv answers port unreachable). From c1 and c2 (separate ICMP
# rate-limit buckets), plus a TTL-1 echo request.
from pkt import icmp4, ip4, pattern, udp


def traffic(net):
    srv = net.ip4["srv"]
    for n, host in enumerate(("c1", "c2")):
        src = net.ip4[host]
        for ttl in (1, 2):
            dport = 33434 + ttl
            pkt = ip4(src, srv, 17, udp(src, srv, 40100 + n, dport, pattern(24)), ttl=ttl,
                      ident=0x3000 + 16 * n + ttl)
            net.send_ip(host, pkt)
            net.pause(0.1)
    echo = icmp4(8, 0, (0x77 << 16) | 1, pattern(16))
    net.send_ip("c1", ip4(net.ip4["c1"], srv, 1, echo, ttl=1, ident=0x3100))
    net.pause(0.1)
