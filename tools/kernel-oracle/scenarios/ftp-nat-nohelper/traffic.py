# FTP from c1 to srv:21 through MASQUERADE without the ftp helper. PORT leaves
# the router untouched, leaking c1's private address; the server's connect from
# port 20 to 10.0.0.2 is a NEW connection from the WAN and dropped. Passive mode
# still works: 227 passes unchanged and the client's data connection is just
# another masqueraded connection from the LAN.
from ftp import Session
from pkt import pattern


def traffic(net):
    ftp = Session(net, "c1", 40131)
    ftp.login()

    data = ftp.active("PORT 10,0,0,2,156,196", arrives_as="PORT 10,0,0,2,156,196", listen=40132)
    ftp.reply("200 PORT command successful")
    ftp.command("RETR first.bin",
                "150 Opening BINARY mode data connection for first.bin (500 bytes)")
    data.blocked()
    ftp.reply("425 Failed to establish connection")

    ftp.command("PASV")
    data = ftp.passive("227 Entering Passive Mode (198,51,100,2,195,130).", listen=50050)
    conn = data.open(40133)
    ftp.command("RETR first.bin",
                "150 Opening BINARY mode data connection for first.bin (500 bytes)")
    conn.download(pattern(500, 10))
    ftp.reply("226 Transfer complete")
    ftp.quit()
