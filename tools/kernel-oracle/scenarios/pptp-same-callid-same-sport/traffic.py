# As pptp-same-callid, but c1 and c2 also use the same TCP source port 40301:
# MASQUERADE must give c2's control connection another port, and nf_nat_pptp
# takes the call id it shows srv from that NATed port.
from pptp import dial_c1_and_c2, gre_both_ways


def traffic(net):
    tunnels = dial_c1_and_c2(net, sports=(40301, 40301))
    gre_both_ways(tunnels, rounds=2)
    for t in tunnels:
        t.hang_up()
