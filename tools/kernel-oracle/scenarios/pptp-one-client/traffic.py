# c1 (PNS, call id 1) dials srv (PAC) through MASQUERADE with the pptp helper:
# control connection, one call, Set-Link-Info both ways, GRE both ways, the
# call cleared, the control connection stopped and closed.
from pptp import Pac, Tunnel


def traffic(net):
    pac = Pac(net)
    t = Tunnel(net, pac, "c1", 40101, call_id=0x0001, gre_ident=0x5001)
    t.start()
    t.call()
    t.link_info()
    for _ in range(3):
        t.gre_to_pac()
        t.gre_to_pns()
    t.clear()
    t.stop()
    t.close()
