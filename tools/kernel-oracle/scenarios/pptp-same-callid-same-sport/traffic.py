# As pptp-same-callid, but c1 and c2 also use the same TCP source port 40301:
# MASQUERADE must give c2's control connection another port, and nf_nat_pptp
# takes the call id it shows srv from that NATed port.
from pptp import Pac, Tunnel


def traffic(net):
    pac = Pac(net)
    tunnels = [Tunnel(net, pac, "c1", 40301, call_id=0x0001, gre_ident=0x5001),
               Tunnel(net, pac, "c2", 40301, call_id=0x0001, gre_ident=0x5101)]
    for t in tunnels:
        t.start()
        t.call()
        t.link_info()
    for _ in range(2):
        for t in tunnels:
            t.gre_to_pac()
            t.gre_to_pns()
    for t in tunnels:
        t.clear()
        t.stop()
        t.close()
