# c1 pings srv over IPv6 (crafted, fixed id/seq/flow label) and makes a UDP
# request/reply; then a hop-limit-1 probe draws time exceeded from the router.
from pkt import icmp6, ip6, pattern, udp


def traffic(net):
    c1, srv = net.ip6["c1"], net.ip6["srv"]
    for seq in (1, 2):
        echo = icmp6(c1, srv, 128, 0, (0x162E << 16) | seq, pattern(32, seq))
        net.send_ip("c1", ip6(c1, srv, 58, echo, fl=0x12345))
        net.pause(0.1)
    s = net.udp("srv", 5000, v6=True)
    c = net.udp("c1", 40031, v6=True)
    c.sendto(b"v6 request", (srv, 5000))
    data, peer = s.recvfrom(100)
    net.pause()
    s.sendto(b"v6 reply", peer)
    assert c.recv(100)
    net.pause()
    net.send_ip("c2", ip6(net.ip6["c2"], srv, 17, udp(net.ip6["c2"], srv, 40032, 33434,
                                                       pattern(16)), hlim=1))
    net.pause(0.1)
