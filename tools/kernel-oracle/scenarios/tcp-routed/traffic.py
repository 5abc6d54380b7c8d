# c1 opens a TCP connection to srv:8080, sends a request, gets a reply, closes.
def traffic(net):
    lsn = net.tcp_listen("srv", 8080)
    cli = net.tcp_connect("c1", 40001, net.ip4["srv"], 8080)
    conn, _ = lsn.accept()
    net.pause()
    cli.sendall(b"GET / HTTP/1.0\r\n\r\n")
    assert conn.recv(100)
    net.pause()
    conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello\n")
    assert cli.recv(100)
    net.pause()
    cli.close()
    assert conn.recv(100) == b""
    net.pause()
    conn.close()
    net.pause(0.1)
