# c1 connects to srv:9 (the router answers with a reset on srv's behalf) and
# sends UDP to srv:7 (the router answers port unreachable); then one UDP
# exchange on an allowed port.
from pkt import ip4, pattern, udp


def traffic(net):
    try:
        net.tcp_connect("c1", 40021, net.ip4["srv"], 9)
        raise RuntimeError("connect to port 9 should have been reset")
    except ConnectionRefusedError:
        pass
    net.pause()
    c1, srv = net.ip4["c1"], net.ip4["srv"]
    net.send_ip("c1", ip4(c1, srv, 17, udp(c1, srv, 40022, 7, pattern(20)), ident=0x5001))
    net.pause()
    s = net.udp("srv", 5000)
    c = net.udp("c2", 40023)
    c.sendto(b"allowed", (srv, 5000))
    data, peer = s.recvfrom(100)
    s.sendto(b"ok", peer)
    assert c.recv(100)
    net.pause()
