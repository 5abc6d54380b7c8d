# Active FTP from c1 to srv:21 through MASQUERADE. PORT and EPRT name c1's
# private address; the helper rewrites it to the router's (10.0.0.2 ->
# 198.51.100.1, 4 bytes longer each time), so every later control segment
# needs its sequence (client side) or acknowledgement (server side) adjusted,
# first by 4, then by 8. The server connects from port 20 to exactly what it
# received. A last PORT is never used: its expectation is still live at the end.
from ftp import Session
from pkt import pattern


def traffic(net):
    ftp = Session(net, "c1", 40081)
    ftp.login(password_prompt="331 Anonymous login ok, send your address as password")

    data = ftp.active("PORT 10,0,0,2,156,146", arrives_as="PORT 198,51,100,1,156,146",
                      listen=40082)
    ftp.reply("200 PORT command successful. Consider using PASV.")
    ftp.command("TYPE I", "200 Switching to Binary mode")
    ftp.command("RETR first.bin",
                "150 Opening BINARY mode data connection for first.bin (900 bytes)")
    data.open().download(pattern(900, 3))
    ftp.reply("226 Transfer complete")
    ftp.command("NOOP", "200 NOOP ok")

    data = ftp.active("EPRT |1|10.0.0.2|40083|", arrives_as="EPRT |1|198.51.100.1|40083|",
                      listen=40083)
    ftp.reply("200 EPRT command successful. Consider using EPSV.")
    ftp.command("STOR second.bin", "150 Ok to send data")
    data.open().upload(pattern(400, 4))
    ftp.reply("226 Transfer complete")
    ftp.command("SYST", "215 UNIX Type: L8")

    ftp.command("PORT 10,0,0,2,156,148", "200 PORT command successful. Consider using PASV.",
                arrives_as="PORT 198,51,100,1,156,148")
    ftp.quit()
