# NAT66: c1 and c2 use the same UDP and TCP source ports and the same ICMPv6
# echo id towards srv through ip6tables MASQUERADE, so c2's flows need other
# ones on the WAN side; both also send UDP from one port to a closed port on
# srv, whose port unreachable comes back with the quoted packet translated.
# Every value NAT chooses for c2 shows on wan before srv answers a flow in a
# way the router itself would answer if it did not know the mapping (UDP
# replies, the TCP handshake): compare learns all choices from one replay.
from pkt import icmp6, ip6, pattern, udp


def traffic(net):
    srv = net.ip6["srv"]
    s = net.udp("srv", 5000, v6=True)
    clients, peers = {}, {}
    for host in ("c1", "c2"):
        clients[host] = net.udp(host, 40061, v6=True)
        clients[host].sendto(b"from " + host.encode(), (srv, 5000))
        _, peers[host] = s.recvfrom(100)
        net.pause()
    for n, host in enumerate(("c1", "c2")):
        src = net.ip6[host]
        echo = icmp6(src, srv, 128, 0, (0x3333 << 16) | 1, pattern(16, n))
        net.send_ip(host, ip6(src, srv, 58, echo, fl=0x6601 + n))
        net.pause(0.1)
    for n, host in enumerate(("c1", "c2")):
        src = net.ip6[host]
        probe = udp(src, srv, 40071, 9, pattern(12, n))
        net.send_ip(host, ip6(src, srv, 17, probe, fl=0x6611 + n))
        net.pause(0.1)
    lsn = net.tcp_listen("srv", 8080, v6=True)
    for host in ("c1", "c2"):
        cli = net.tcp_connect(host, 40041, srv, 8080, v6=True)
        conn, _ = lsn.accept()
        net.pause()
        cli.sendall(b"hello from " + host.encode() + b"\n")
        assert conn.recv(100)
        net.pause()
        conn.sendall(b"hello back\n")
        assert cli.recv(100)
        net.pause()
        cli.close()
        assert conn.recv(100) == b""
        net.pause()
        conn.close()
        net.pause(0.1)
    for host in ("c1", "c2"):
        s.sendto(b"to " + host.encode(), peers[host])
        assert clients[host].recv(100)
        net.pause()
