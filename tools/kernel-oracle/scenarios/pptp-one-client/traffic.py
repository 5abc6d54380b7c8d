# c1 (PNS, call id 1) dials srv (PAC) through MASQUERADE with the pptp helper:
# control connection, one call, Set-Link-Info both ways, GRE both ways, the
# call cleared, the control connection stopped and closed.
from pptp import Pac, Tunnel, gre_both_ways


def traffic(net):
    t = Tunnel(net, Pac(net), "c1", 40101, call_id=0x0001, gre_ident=0x5001)
    t.dial()
    gre_both_ways([t], rounds=3)
    t.hang_up()
