# c1 opens a TCP connection to srv:8080 through MASQUERADE, exchanges data, closes.
def traffic(net):
    lsn = net.tcp_listen("srv", 8080)
    cli = net.tcp_connect("c1", 40041, net.ip4["srv"], 8080)
    conn, _ = lsn.accept()
    net.pause()
    cli.sendall(b"hello through nat\n")
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
