# Passive FTP from c1 to srv:21 through MASQUERADE: a PASV (227) and an EPSV
# (229) data connection, each opened by the client to exactly what it received.
# A last PASV is answered with zero-padded numbers, which the helper rewrites
# shorter (sequence adjustment on the server's side), and is never used: its
# expectation is still live when the recording ends.
from ftp import Session
from pkt import pattern


def traffic(net):
    ftp = Session(net, "c1", 40071)
    ftp.login(password_prompt="331 Anonymous login ok, send your address as password")
    ftp.command("TYPE I", "200 Switching to Binary mode")

    ftp.command("PASV")
    data = ftp.passive("227 Entering Passive Mode (198,51,100,2,195,80).", listen=50000)
    conn = data.open(40072)
    ftp.command("RETR first.bin",
                "150 Opening BINARY mode data connection for first.bin (700 bytes)")
    conn.download(pattern(700, 1))
    ftp.reply("226 Transfer complete")

    ftp.command("EPSV")
    data = ftp.passive("229 Entering Extended Passive Mode (|||50001|)", listen=50001)
    conn = data.open(40073)
    ftp.command("STOR second.bin", "150 Ok to send data")
    conn.upload(pattern(500, 2))
    ftp.reply("226 Transfer complete")

    ftp.command("PASV")
    ftp.reply("227 Entering Passive Mode (198,51,100,002,195,082).",
              arrives_as="227 Entering Passive Mode (198,51,100,2,195,82).")
    ftp.command("NOOP", "200 NOOP ok")
    ftp.quit()
