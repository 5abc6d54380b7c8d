# c1 and c2 both dial srv with call id 1 (TCP source ports 40201, 40202):
# NAT gives each call its own id towards srv, and each client's GRE gets back
# to it. Then both calls are cleared and both control connections stopped.
from pptp import Pac, Tunnel


def traffic(net):
    pac = Pac(net)
    tunnels = [Tunnel(net, pac, "c1", 40201, call_id=0x0001, gre_ident=0x5001),
               Tunnel(net, pac, "c2", 40202, call_id=0x0001, gre_ident=0x5101)]
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
