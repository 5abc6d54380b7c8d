# Passive FTP from c1 to srv:21 through MASQUERADE: a PASV (227) and an EPSV
# (229) data connection, each opened by the client to exactly what it received.
# A last PASV is answered with zero-padded numbers, which the helper rewrites
# shorter (sequence adjustment on the server's side), and is never used: its
# expectation is still live when the recording ends.
from net import ftp_endpoint, say, transfer
from pkt import pattern


def traffic(net):
    srv = net.ip4["srv"]
    lsn = net.tcp_listen("srv", 21)
    cli = net.tcp_connect("c1", 40071, srv, 21)
    ctl, _ = net.accept(lsn)
    net.pause()
    say(ctl, cli, "220 ctkit oracle FTP ready")
    say(cli, ctl, "USER anonymous")
    say(ctl, cli, "331 Anonymous login ok, send your address as password")
    say(cli, ctl, "PASS guest@example.org")
    say(ctl, cli, "230 Login successful")
    say(cli, ctl, "TYPE I")
    say(ctl, cli, "200 Switching to Binary mode")

    say(cli, ctl, "PASV")
    data_lsn = net.tcp_listen("srv", 50000)
    got = say(ctl, cli, "227 Entering Passive Mode (198,51,100,2,195,80).")
    assert got == "227 Entering Passive Mode (198,51,100,2,195,80).", got
    host, port = ftp_endpoint(got)
    dc = net.tcp_connect("c1", 40072, host, port)
    ds, _ = net.accept(data_lsn)
    say(cli, ctl, "RETR first.bin")
    say(ctl, cli, "150 Opening BINARY mode data connection for first.bin (700 bytes)")
    transfer(ds, dc, pattern(700, 1))
    say(ctl, cli, "226 Transfer complete")

    say(cli, ctl, "EPSV")
    data_lsn = net.tcp_listen("srv", 50001)
    got = say(ctl, cli, "229 Entering Extended Passive Mode (|||50001|)")
    assert got == "229 Entering Extended Passive Mode (|||50001|)", got
    _, port = ftp_endpoint(got)
    dc = net.tcp_connect("c1", 40073, srv, port)
    ds, _ = net.accept(data_lsn)
    say(cli, ctl, "STOR second.bin")
    say(ctl, cli, "150 Ok to send data")
    transfer(dc, ds, pattern(500, 2))
    say(ctl, cli, "226 Transfer complete")

    say(cli, ctl, "PASV")
    got = say(ctl, cli, "227 Entering Passive Mode (198,51,100,002,195,082).")
    assert got == "227 Entering Passive Mode (198,51,100,2,195,82).", got
    say(cli, ctl, "NOOP")
    say(ctl, cli, "200 NOOP ok")
    say(cli, ctl, "QUIT")
    say(ctl, cli, "221 Goodbye")
    cli.close()
    assert ctl.recv(100) == b""
    net.pause()
    ctl.close()
    net.pause(0.1)
