# FTP from c1 to srv:21, routed without NAT through a FORWARD filter that drops
# everything but FTP control connections from the LAN and RELATED/ESTABLISHED.
# PORT and 227 pass unchanged; the helper's expectations let the server's
# active data connection (from port 20) and the client's passive one through.
# A last PORT is never used: its expectation is still live at the end.
from net import ftp_endpoint, say, transfer
from pkt import pattern


def traffic(net):
    srv = net.ip4["srv"]
    lsn = net.tcp_listen("srv", 21)
    cli = net.tcp_connect("c1", 40111, srv, 21)
    ctl, _ = net.accept(lsn)
    net.pause()
    say(ctl, cli, "220 ctkit oracle FTP ready")
    say(cli, ctl, "USER anonymous")
    say(ctl, cli, "331 Please specify the password")
    say(cli, ctl, "PASS guest@example.org")
    say(ctl, cli, "230 Login successful")

    data_lsn = net.tcp_listen("c1", 40112)
    got = say(cli, ctl, "PORT 10,0,0,2,156,176")
    assert got == "PORT 10,0,0,2,156,176", got
    host, port = ftp_endpoint(got)
    say(ctl, cli, "200 PORT command successful")
    say(cli, ctl, "RETR first.bin")
    say(ctl, cli, "150 Opening BINARY mode data connection for first.bin (500 bytes)")
    ds = net.tcp_connect("srv", 20, host, port)
    dc, _ = net.accept(data_lsn)
    transfer(ds, dc, pattern(500, 8))
    say(ctl, cli, "226 Transfer complete")

    say(cli, ctl, "PASV")
    data_lsn = net.tcp_listen("srv", 50030)
    got = say(ctl, cli, "227 Entering Passive Mode (198,51,100,2,195,110).")
    assert got == "227 Entering Passive Mode (198,51,100,2,195,110).", got
    host, port = ftp_endpoint(got)
    dc = net.tcp_connect("c1", 40113, host, port)
    ds, _ = net.accept(data_lsn)
    say(cli, ctl, "STOR second.bin")
    say(ctl, cli, "150 Ok to send data")
    transfer(dc, ds, pattern(200, 9))
    say(ctl, cli, "226 Transfer complete")

    got = say(cli, ctl, "PORT 10,0,0,2,156,180")
    assert got == "PORT 10,0,0,2,156,180", got
    say(ctl, cli, "200 PORT command successful")
    say(cli, ctl, "QUIT")
    say(ctl, cli, "221 Goodbye")
    cli.close()
    assert ctl.recv(100) == b""
    net.pause()
    ctl.close()
    net.pause(0.1)
