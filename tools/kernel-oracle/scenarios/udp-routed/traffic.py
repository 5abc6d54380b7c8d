# c1 sends two UDP requests from port 40002 to srv:5000; srv answers each.
def traffic(net):
    srv = net.udp("srv", 5000)
    cli = net.udp("c1", 40002)
    for i in range(2):
        cli.sendto(b"request %d" % i, (net.ip4["srv"], 5000))
        data, peer = srv.recvfrom(100)
        net.pause()
        srv.sendto(b"reply to " + data, peer)
        assert cli.recv(100)
        net.pause()
