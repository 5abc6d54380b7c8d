# c1 dials srv and its call comes up, but no GRE is sent yet: the snapshot
# shows the TCP master and the two GRE expectations the helper created (one
# per direction, keyed with the call ids before and after NAT).
from pptp import Pac, Tunnel


def traffic(net):
    t = Tunnel(net, Pac(net), "c1", 40601, call_id=0x0001, gre_ident=0x5001)
    t.dial()
