# FTP from c1 to srv:2121 through MASQUERADE: the helper follows the CT rule,
# not the port. A PORT (rewritten to the router's address, 4 bytes longer)
# with a server-opened data connection, then a PASV with a client-opened one.
from net import ftp_endpoint, say, transfer
from pkt import pattern


def traffic(net):
    srv = net.ip4["srv"]
    lsn = net.tcp_listen("srv", 2121)
    cli = net.tcp_connect("c1", 40091, srv, 2121)
    ctl, _ = net.accept(lsn)
    net.pause()
    say(ctl, cli, "220 ctkit oracle FTP on 2121")
    say(cli, ctl, "USER anonymous")
    say(ctl, cli, "331 Please specify the password")
    say(cli, ctl, "PASS guest@example.org")
    say(ctl, cli, "230 Login successful")

    data_lsn = net.tcp_listen("c1", 40092)
    got = say(cli, ctl, "PORT 10,0,0,2,156,156")
    assert got == "PORT 198,51,100,1,156,156", got
    host, port = ftp_endpoint(got)
    say(ctl, cli, "200 PORT command successful")
    say(cli, ctl, "LIST")
    say(ctl, cli, "150 Here comes the directory listing")
    ds = net.tcp_connect("srv", 20, host, port)
    dc, _ = net.accept(data_lsn)
    transfer(ds, dc, b"-rw-r--r-- 1 ftp ftp 600 Jan 01 00:00 file.bin\r\n")
    say(ctl, cli, "226 Directory send OK")

    say(cli, ctl, "PASV")
    data_lsn = net.tcp_listen("srv", 50010)
    got = say(ctl, cli, "227 Entering Passive Mode (198,51,100,2,195,90)")
    assert got == "227 Entering Passive Mode (198,51,100,2,195,90)", got
    host, port = ftp_endpoint(got)
    dc = net.tcp_connect("c1", 40093, host, port)
    ds, _ = net.accept(data_lsn)
    say(cli, ctl, "RETR file.bin")
    say(ctl, cli, "150 Opening BINARY mode data connection for file.bin (600 bytes)")
    transfer(ds, dc, pattern(600, 5))
    say(ctl, cli, "226 Transfer complete")
    say(cli, ctl, "QUIT")
    say(ctl, cli, "221 Goodbye")
    cli.close()
    assert ctl.recv(100) == b""
    net.pause()
    ctl.close()
    net.pause(0.1)
