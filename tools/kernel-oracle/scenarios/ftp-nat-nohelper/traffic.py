# FTP from c1 to srv:21 through MASQUERADE without the ftp helper. PORT leaves
# the router untouched, leaking c1's private address; the server's connect from
# port 20 to 10.0.0.2 is a NEW connection from the WAN and dropped. Passive mode
# still works: 227 passes unchanged and the client's data connection is just
# another masqueraded connection from the LAN.
from net import ftp_endpoint, say, transfer
from pkt import pattern


def traffic(net):
    srv = net.ip4["srv"]
    lsn = net.tcp_listen("srv", 21)
    cli = net.tcp_connect("c1", 40131, srv, 21)
    ctl, _ = net.accept(lsn)
    net.pause()
    say(ctl, cli, "220 ctkit oracle FTP ready")
    say(cli, ctl, "USER anonymous")
    say(ctl, cli, "331 Please specify the password")
    say(cli, ctl, "PASS guest@example.org")
    say(ctl, cli, "230 Login successful")

    net.tcp_listen("c1", 40132)
    got = say(cli, ctl, "PORT 10,0,0,2,156,196")
    assert got == "PORT 10,0,0,2,156,196", got
    host, port = ftp_endpoint(got)
    say(ctl, cli, "200 PORT command successful")
    say(cli, ctl, "RETR first.bin")
    say(ctl, cli, "150 Opening BINARY mode data connection for first.bin (500 bytes)")
    assert net.tcp_connect_times_out("srv", 20, host, port)
    say(ctl, cli, "425 Failed to establish connection")

    say(cli, ctl, "PASV")
    data_lsn = net.tcp_listen("srv", 50050)
    got = say(ctl, cli, "227 Entering Passive Mode (198,51,100,2,195,130).")
    assert got == "227 Entering Passive Mode (198,51,100,2,195,130).", got
    host, port = ftp_endpoint(got)
    dc = net.tcp_connect("c1", 40133, host, port)
    ds, _ = net.accept(data_lsn)
    say(cli, ctl, "RETR first.bin")
    say(ctl, cli, "150 Opening BINARY mode data connection for first.bin (500 bytes)")
    transfer(ds, dc, pattern(500, 10))
    say(ctl, cli, "226 Transfer complete")
    say(cli, ctl, "QUIT")
    say(ctl, cli, "221 Goodbye")
    cli.close()
    assert ctl.recv(100) == b""
    net.pause()
    ctl.close()
    net.pause(0.1)
