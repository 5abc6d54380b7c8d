# The conversation of ftp-routed-filter-helper through the same FORWARD filter,
# but with no ftp helper: PORT and 227 pass unchanged, no expectation is made,
# and both data connections are dropped as NEW: the server's SYN from port 20
# (active) and the client's SYN to the announced port (passive) never arrive.
from ftp import Session


def traffic(net):
    ftp = Session(net, "c1", 40121)
    ftp.login()

    data = ftp.active("PORT 10,0,0,2,156,186", arrives_as="PORT 10,0,0,2,156,186", listen=40122)
    ftp.reply("200 PORT command successful")
    ftp.command("RETR first.bin",
                "150 Opening BINARY mode data connection for first.bin (500 bytes)")
    data.blocked()
    ftp.reply("425 Failed to establish connection")

    ftp.command("PASV")
    data = ftp.passive("227 Entering Passive Mode (198,51,100,2,195,120).", listen=50040)
    data.blocked(40123)
    ftp.quit()
