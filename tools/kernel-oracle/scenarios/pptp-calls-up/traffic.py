# The seed scenario left running: c1 and c2 dial srv with call id 1, GRE flows
# both ways on both calls, and nothing is torn down, so the snapshot shows the
# two TCP masters and the two GRE connections with their keys.
from pptp import Pac, Tunnel


def traffic(net):
    pac = Pac(net)
    tunnels = [Tunnel(net, pac, "c1", 40501, call_id=0x0001, gre_ident=0x5001),
               Tunnel(net, pac, "c2", 40502, call_id=0x0001, gre_ident=0x5101)]
    for t in tunnels:
        t.start()
        t.call()
        t.link_info()
    for _ in range(2):
        for t in tunnels:
            t.gre_to_pac()
            t.gre_to_pns()
