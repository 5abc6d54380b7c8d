# FTP from c1 to srv:21, routed without NAT through a FORWARD filter that drops
# everything but FTP control connections from the LAN and RELATED/ESTABLISHED.
# PORT and 227 pass unchanged; the helper's expectations let the server's
# active data connection (from port 20) and the client's passive one through.
# A last PORT is never used: its expectation is still live at the end.
from ftp import Session
from pkt import pattern


def traffic(net):
    ftp = Session(net, "c1", 40111)
    ftp.login()

    data = ftp.active("PORT 10,0,0,2,156,176", arrives_as="PORT 10,0,0,2,156,176", listen=40112)
    ftp.reply("200 PORT command successful")
    ftp.command("RETR first.bin",
                "150 Opening BINARY mode data connection for first.bin (500 bytes)")
    data.open().download(pattern(500, 8))
    ftp.reply("226 Transfer complete")

    ftp.command("PASV")
    data = ftp.passive("227 Entering Passive Mode (198,51,100,2,195,110).", listen=50030)
    conn = data.open(40113)
    ftp.command("STOR second.bin", "150 Ok to send data")
    conn.upload(pattern(200, 9))
    ftp.reply("226 Transfer complete")

    ftp.command("PORT 10,0,0,2,156,180", "200 PORT command successful",
                arrives_as="PORT 10,0,0,2,156,180")
    ftp.quit()
