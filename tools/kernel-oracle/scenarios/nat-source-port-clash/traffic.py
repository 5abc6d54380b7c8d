# c1 and c2 both use source port 40061 towards srv:5000 (and the same ICMP id):
# the second flow must get another port/id on the WAN side.
from pkt import icmp4, ip4, pattern


def traffic(net):
    srv = net.ip4["srv"]
    s = net.udp("srv", 5000)
    for host in ("c1", "c2"):
        c = net.udp(host, 40061)
        c.sendto(b"from " + host.encode(), (srv, 5000))
        data, peer = s.recvfrom(100)
        net.pause()
        s.sendto(b"to " + data[5:], peer)
        assert c.recv(100)
        net.pause()
    for n, host in enumerate(("c1", "c2")):
        echo = icmp4(8, 0, (0x3333 << 16) | 1, pattern(16))
        net.send_ip(host, ip4(net.ip4[host], srv, 1, echo, ident=0x7001 + n))
        net.pause(0.1)
