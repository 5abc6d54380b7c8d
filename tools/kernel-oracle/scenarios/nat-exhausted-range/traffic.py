# Exhausted SNAT ranges on Linux 6.x: get_unique_tuple gives up and keeps a
# clashing tuple, and __nf_conntrack_confirm then drops the packet.
#  - UDP: c1 and c2 take ports 1000 and 1001 (answered); the next two flows are dropped.
#  - TCP: two unanswered SYNs take 2000 and 2001; a third SYN is dropped.
#  - TCP, single port 3000 held by a flow in TIME_WAIT: a new SYN whose sequence
#    is past the old flow's evicts it and takes the port (nf_nat_used_tuple_harder).
#  - TCP, single port 3001 held likewise: a new SYN behind the old flow is dropped.
# The TCP clients are raw packets from c1/c2; their own kernels' RSTs (no socket)
# are kept off the wire so the router sees only what is sent here.
import socket

from netns import sh
from pkt import SYN_OPTS, ip4, tcp
from topology import NS

SYN, FIN, ACK = 0x02, 0x01, 0x10
WAN = "198.51.100.1"
ident = [0x7100]


def send_tcp(net, host, src, dst, sport, dport, seq, ack, flags, opts=b""):
    net.send_ip(host, ip4(src, dst, 6, tcp(src, dst, sport, dport, seq, ack, flags, opts=opts),
                          ident=ident[0]))
    ident[0] += 1
    net.pause(0.01)


def closed_flow(net, client, server, sport, dport, natport, a, b):
    """Handshake and close through the router: the flow ends in TIME_WAIT."""
    send_tcp(net, "c1", client, server, sport, dport, a, 0, SYN, SYN_OPTS)
    send_tcp(net, "srv", server, WAN, dport, natport, b, a + 1, SYN | ACK, SYN_OPTS)
    send_tcp(net, "c1", client, server, sport, dport, a + 1, b + 1, ACK)
    send_tcp(net, "c1", client, server, sport, dport, a + 1, b + 1, FIN | ACK)
    send_tcp(net, "srv", server, WAN, dport, natport, b + 1, a + 2, FIN | ACK)
    send_tcp(net, "c1", client, server, sport, dport, a + 2, b + 2, ACK)


def traffic(net):
    for host in ("c1", "c2"):
        sh(f"ip netns exec {NS[host]} iptables -A OUTPUT -p tcp --tcp-flags RST RST -j DROP")
    c1, c2, srv = net.ip4["c1"], net.ip4["c2"], net.ip4["srv"]

    s = net.udp("srv", 5000)
    for host in ("c1", "c2"):
        c = net.udp(host, 40001)
        c.sendto(b"from " + host.encode(), (srv, 5000))
        data, peer = s.recvfrom(100)
        net.pause()
        s.sendto(b"to " + data[5:], peer)
        assert c.recv(100)
        net.pause()
    for host in ("c1", "c2"):
        net.udp(host, 40002).sendto(b"no port left", (srv, 5000))
        net.pause()
    s.settimeout(0.3)
    try:
        s.recvfrom(100)
        raise AssertionError("a flow beyond the range got through")
    except socket.timeout:
        pass

    for host, ip, sport in (("c1", c1, 43000), ("c2", c2, 43000), ("c1", c1, 43001)):
        send_tcp(net, host, ip, "203.0.113.7", sport, 6000, 7000, 0, SYN, SYN_OPTS)

    closed_flow(net, c1, "203.0.113.8", 44000, 6001, 3000, 1000000, 9000000)
    send_tcp(net, "c2", c2, "203.0.113.8", 44000, 6001, 2000000, 0, SYN, SYN_OPTS)

    closed_flow(net, c1, "203.0.113.9", 44001, 6002, 3001, 5000000, 9000000)
    send_tcp(net, "c2", c2, "203.0.113.9", 44001, 6002, 1000, 0, SYN, SYN_OPTS)
    net.pause(0.1)
