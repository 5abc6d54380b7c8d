# c1 dials srv through MASQUERADE without the pptp helper: the control messages
# pass untouched (call id 1 reaches srv as 1), c1's GRE goes out masqueraded,
# but srv's GRE back to the public address matches no connection and never
# reaches c1.
from pptp import Pac, Tunnel


def traffic(net):
    t = Tunnel(net, Pac(net), "c1", 40401, call_id=0x0001, gre_ident=0x5001)
    t.dial()
    for _ in range(2):
        t.gre_to_pac()
        t.gre_to_pns(arrives=False)
    t.hang_up()
