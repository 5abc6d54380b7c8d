# IPv6 FTP from c1 to [srv]:21 through MASQUERADE. EPRT |2| names c1's address;
# the helper rewrites it to the router's, printed uncompressed (8 groups of 4
# hex digits), so the line grows and later control segments get sequence /
# acknowledgement adjustment. The server connects from port 20 to what it
# received. Then an EPSV (229) data connection opened by the client.
from ftp import Session
from pkt import pattern

ROUTER_WAN_UNCOMPRESSED = "2001:0db8:0002:0000:0000:0000:0000:0001"


def traffic(net):
    ftp = Session(net, "c1", 40101, v6=True)
    ftp.login()

    data = ftp.active(f"EPRT |2|{net.ip6['c1']}|40102|",
                      arrives_as=f"EPRT |2|{ROUTER_WAN_UNCOMPRESSED}|40102|", listen=40102)
    ftp.reply("200 EPRT command successful. Consider using EPSV.")
    ftp.command("RETR first.bin",
                "150 Opening BINARY mode data connection for first.bin (800 bytes)")
    data.open().download(pattern(800, 6))
    ftp.reply("226 Transfer complete")
    ftp.command("NOOP", "200 NOOP ok")

    ftp.command("EPSV")
    data = ftp.passive("229 Entering Extended Passive Mode (|||50020|)", listen=50020)
    conn = data.open(40103)
    ftp.command("STOR second.bin", "150 Ok to send data")
    conn.upload(pattern(300, 7))
    ftp.reply("226 Transfer complete")
    ftp.quit()
