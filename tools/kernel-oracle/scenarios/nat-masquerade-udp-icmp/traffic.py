# Through MASQUERADE: UDP request/reply, an echo request/reply, a UDP to a
# closed port (port unreachable comes back de-NATed) and a TTL-1 probe.
from pkt import icmp4, ip4, pattern, udp


def traffic(net):
    c1, srv = net.ip4["c1"], net.ip4["srv"]
    s = net.udp("srv", 5000)
    c = net.udp("c1", 40051)
    c.sendto(b"request", (srv, 5000))
    data, peer = s.recvfrom(100)
    net.pause()
    s.sendto(b"reply", peer)
    assert c.recv(100)
    net.pause()
    echo = icmp4(8, 0, (0x2222 << 16) | 1, pattern(24))
    net.send_ip("c1", ip4(c1, srv, 1, echo, ident=0x6001))
    net.pause(0.1)
    net.send_ip("c1", ip4(c1, srv, 17, udp(c1, srv, 40052, 9, pattern(12)), ident=0x6002))
    net.pause(0.1)
    net.send_ip("c1", ip4(c1, srv, 17, udp(c1, srv, 40053, 33434, pattern(12)), ttl=1,
                          ident=0x6003))
    net.pause(0.1)
