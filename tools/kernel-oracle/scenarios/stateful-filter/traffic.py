# c1 makes a TCP exchange and c2 a UDP exchange with srv; srv then tries to
# reach c1 unsolicited (UDP and a TCP SYN), which the router must drop.
from pkt import SYN_OPTS, ip4, pattern, tcp, udp


def traffic(net):
    lsn = net.tcp_listen("srv", 8080)
    cli = net.tcp_connect("c1", 40011, net.ip4["srv"], 8080)
    conn, _ = lsn.accept()
    net.pause()
    cli.sendall(b"ping\n")
    assert conn.recv(100)
    net.pause()
    conn.sendall(b"pong\n")
    assert cli.recv(100)
    net.pause()
    us = net.udp("srv", 5000)
    uc = net.udp("c2", 40012)
    uc.sendto(b"query", (net.ip4["srv"], 5000))
    data, peer = us.recvfrom(100)
    net.pause()
    us.sendto(b"answer", peer)
    assert uc.recv(100)
    net.pause()
    s, c = net.ip4["srv"], net.ip4["c1"]
    net.send_ip("srv", ip4(s, c, 17, udp(s, c, 5000, 40099, pattern(16)), ident=0x4001))
    net.pause()
    net.send_ip("srv", ip4(s, c, 6, tcp(s, c, 45000, 22, 1000, 0, 0x02, opts=SYN_OPTS),
                           ident=0x4002, df=True))
    net.pause()
    cli.close()
    assert conn.recv(100) == b""
    net.pause()
    conn.close()
    net.pause(0.1)
