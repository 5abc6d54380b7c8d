# The seed scenario left running: c1 and c2 dial srv with call id 1, GRE flows
# both ways on both calls, and nothing is torn down, so the snapshot shows the
# two TCP masters and the two GRE connections with their keys.
from pptp import dial_c1_and_c2, gre_both_ways


def traffic(net):
    tunnels = dial_c1_and_c2(net, sports=(40501, 40502))
    gre_both_ways(tunnels, rounds=2)
