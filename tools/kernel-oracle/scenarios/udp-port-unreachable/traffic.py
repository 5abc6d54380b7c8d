# c1 sends UDP to a closed port on srv; srv's kernel answers port unreachable,
# which the router forwards back to c1.
from pkt import ip4, pattern, udp


def traffic(net):
    c1, srv = net.ip4["c1"], net.ip4["srv"]
    net.send_ip("c1", ip4(c1, srv, 17, udp(c1, srv, 40003, 9, pattern(32)), ident=0x2001))
    net.pause(0.2)
