# The conversation of ftp-routed-filter-helper through the same FORWARD filter,
# but with no ftp helper: PORT and 227 pass unchanged, no expectation is made,
# and both data connections are dropped as NEW: the server's SYN from port 20
# (active) and the client's SYN to the announced port (passive) never arrive.
from net import ftp_endpoint, say


def traffic(net):
    srv = net.ip4["srv"]
    lsn = net.tcp_listen("srv", 21)
    cli = net.tcp_connect("c1", 40121, srv, 21)
    ctl, _ = net.accept(lsn)
    net.pause()
    say(ctl, cli, "220 ctkit oracle FTP ready")
    say(cli, ctl, "USER anonymous")
    say(ctl, cli, "331 Please specify the password")
    say(cli, ctl, "PASS guest@example.org")
    say(ctl, cli, "230 Login successful")

    net.tcp_listen("c1", 40122)
    got = say(cli, ctl, "PORT 10,0,0,2,156,186")
    assert got == "PORT 10,0,0,2,156,186", got
    host, port = ftp_endpoint(got)
    say(ctl, cli, "200 PORT command successful")
    say(cli, ctl, "RETR first.bin")
    say(ctl, cli, "150 Opening BINARY mode data connection for first.bin (500 bytes)")
    assert net.tcp_connect_times_out("srv", 20, host, port)
    say(ctl, cli, "425 Failed to establish connection")

    say(cli, ctl, "PASV")
    net.tcp_listen("srv", 50040)
    got = say(ctl, cli, "227 Entering Passive Mode (198,51,100,2,195,120).")
    assert got == "227 Entering Passive Mode (198,51,100,2,195,120).", got
    host, port = ftp_endpoint(got)
    assert net.tcp_connect_times_out("c1", 40123, host, port)
    say(cli, ctl, "QUIT")
    say(ctl, cli, "221 Goodbye")
    cli.close()
    assert ctl.recv(100) == b""
    net.pause()
    ctl.close()
    net.pause(0.1)
