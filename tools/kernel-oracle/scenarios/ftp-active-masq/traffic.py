# Active FTP from c1 to srv:21 through MASQUERADE. PORT and EPRT name c1's
# private address; the helper rewrites it to the router's (10.0.0.2 ->
# 198.51.100.1, 4 bytes longer each time), so every later control segment
# needs its sequence (client side) or acknowledgement (server side) adjusted,
# first by 4, then by 8. The server connects from port 20 to exactly what it
# received. A last PORT is never used: its expectation is still live at the end.
from net import ftp_endpoint, say, transfer
from pkt import pattern


def traffic(net):
    srv = net.ip4["srv"]
    lsn = net.tcp_listen("srv", 21)
    cli = net.tcp_connect("c1", 40081, srv, 21)
    ctl, _ = net.accept(lsn)
    net.pause()
    say(ctl, cli, "220 ctkit oracle FTP ready")
    say(cli, ctl, "USER anonymous")
    say(ctl, cli, "331 Anonymous login ok, send your address as password")
    say(cli, ctl, "PASS guest@example.org")
    say(ctl, cli, "230 Login successful")

    data_lsn = net.tcp_listen("c1", 40082)
    got = say(cli, ctl, "PORT 10,0,0,2,156,146")
    assert got == "PORT 198,51,100,1,156,146", got
    host, port = ftp_endpoint(got)
    say(ctl, cli, "200 PORT command successful. Consider using PASV.")
    say(cli, ctl, "TYPE I")
    say(ctl, cli, "200 Switching to Binary mode")
    say(cli, ctl, "RETR first.bin")
    say(ctl, cli, "150 Opening BINARY mode data connection for first.bin (900 bytes)")
    ds = net.tcp_connect("srv", 20, host, port)
    dc, _ = net.accept(data_lsn)
    transfer(ds, dc, pattern(900, 3))
    say(ctl, cli, "226 Transfer complete")
    say(cli, ctl, "NOOP")
    say(ctl, cli, "200 NOOP ok")

    data_lsn = net.tcp_listen("c1", 40083)
    got = say(cli, ctl, "EPRT |1|10.0.0.2|40083|")
    assert got == "EPRT |1|198.51.100.1|40083|", got
    host, port = ftp_endpoint(got)
    say(ctl, cli, "200 EPRT command successful. Consider using EPSV.")
    say(cli, ctl, "STOR second.bin")
    say(ctl, cli, "150 Ok to send data")
    ds = net.tcp_connect("srv", 20, host, port)
    dc, _ = net.accept(data_lsn)
    transfer(dc, ds, pattern(400, 4))
    say(ctl, cli, "226 Transfer complete")
    say(cli, ctl, "SYST")
    say(ctl, cli, "215 UNIX Type: L8")

    got = say(cli, ctl, "PORT 10,0,0,2,156,148")
    assert got == "PORT 198,51,100,1,156,148", got
    say(ctl, cli, "200 PORT command successful. Consider using PASV.")
    say(cli, ctl, "QUIT")
    say(ctl, cli, "221 Goodbye")
    cli.close()
    assert ctl.recv(100) == b""
    net.pause()
    ctl.close()
    net.pause(0.1)
