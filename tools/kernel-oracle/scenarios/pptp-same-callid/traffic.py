# c1 and c2 both dial srv with call id 1 (TCP source ports 40201, 40202):
# NAT gives each call its own id towards srv, and each client's GRE gets back
# to it. Then both calls are cleared and both control connections stopped.
from pptp import dial_c1_and_c2, gre_both_ways


def traffic(net):
    tunnels = dial_c1_and_c2(net, sports=(40201, 40202))
    gre_both_ways(tunnels, rounds=2)
    for t in tunnels:
        t.hang_up()
