# IPv6 FTP from c1 to [srv]:21 through MASQUERADE. EPRT |2| names c1's address;
# the helper rewrites it to the router's, printed uncompressed (8 groups of 4
# hex digits), so the line grows and later control segments get sequence /
# acknowledgement adjustment. The server connects from port 20 to what it
# received. Then an EPSV (229) data connection opened by the client.
from net import ftp_endpoint, say, transfer
from pkt import pattern

ROUTER_WAN_UNCOMPRESSED = "2001:0db8:0002:0000:0000:0000:0000:0001"


def traffic(net):
    srv = net.ip6["srv"]
    lsn = net.tcp_listen("srv", 21, v6=True)
    cli = net.tcp_connect("c1", 40101, srv, 21, v6=True)
    ctl, _ = net.accept(lsn)
    net.pause()
    say(ctl, cli, "220 ctkit oracle FTP ready")
    say(cli, ctl, "USER anonymous")
    say(ctl, cli, "331 Please specify the password")
    say(cli, ctl, "PASS guest@example.org")
    say(ctl, cli, "230 Login successful")

    data_lsn = net.tcp_listen("c1", 40102, v6=True)
    got = say(cli, ctl, f"EPRT |2|{net.ip6['c1']}|40102|")
    assert got == f"EPRT |2|{ROUTER_WAN_UNCOMPRESSED}|40102|", got
    host, port = ftp_endpoint(got)
    say(ctl, cli, "200 EPRT command successful. Consider using EPSV.")
    say(cli, ctl, "RETR first.bin")
    say(ctl, cli, "150 Opening BINARY mode data connection for first.bin (800 bytes)")
    ds = net.tcp_connect("srv", 20, host, port, v6=True)
    dc, _ = net.accept(data_lsn)
    transfer(ds, dc, pattern(800, 6))
    say(ctl, cli, "226 Transfer complete")
    say(cli, ctl, "NOOP")
    say(ctl, cli, "200 NOOP ok")

    say(cli, ctl, "EPSV")
    data_lsn = net.tcp_listen("srv", 50020, v6=True)
    got = say(ctl, cli, "229 Entering Extended Passive Mode (|||50020|)")
    assert got == "229 Entering Extended Passive Mode (|||50020|)", got
    _, port = ftp_endpoint(got)
    dc = net.tcp_connect("c1", 40103, srv, port, v6=True)
    ds, _ = net.accept(data_lsn)
    say(cli, ctl, "STOR second.bin")
    say(ctl, cli, "150 Ok to send data")
    transfer(dc, ds, pattern(300, 7))
    say(ctl, cli, "226 Transfer complete")
    say(cli, ctl, "QUIT")
    say(ctl, cli, "221 Goodbye")
    cli.close()
    assert ctl.recv(100) == b""
    net.pause()
    ctl.close()
    net.pause(0.1)
