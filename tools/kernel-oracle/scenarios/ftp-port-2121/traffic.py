# FTP from c1 to srv:2121 through MASQUERADE: the helper follows the CT rule,
# not the port. A PORT (rewritten to the router's address, 4 bytes longer)
# with a server-opened data connection, then a PASV with a client-opened one.
from ftp import Session
from pkt import pattern


def traffic(net):
    ftp = Session(net, "c1", 40091, port=2121)
    ftp.login(greeting="220 ctkit oracle FTP on 2121")

    data = ftp.active("PORT 10,0,0,2,156,156", arrives_as="PORT 198,51,100,1,156,156",
                      listen=40092)
    ftp.reply("200 PORT command successful")
    ftp.command("LIST", "150 Here comes the directory listing")
    data.open().download(b"-rw-r--r-- 1 ftp ftp 600 Jan 01 00:00 file.bin\r\n")
    ftp.reply("226 Directory send OK")

    ftp.command("PASV")
    data = ftp.passive("227 Entering Passive Mode (198,51,100,2,195,90)", listen=50010)
    conn = data.open(40093)
    ftp.command("RETR file.bin",
                "150 Opening BINARY mode data connection for file.bin (600 bytes)")
    conn.download(pattern(600, 5))
    ftp.reply("226 Transfer complete")
    ftp.quit()
