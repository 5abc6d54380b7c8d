# c1 pings srv three times (crafted: fixed id, seq, IP ID); srv's kernel replies.
from pkt import icmp4, ip4, pattern


def traffic(net):
    for seq in range(1, 4):
        echo = icmp4(8, 0, (0x4D2 << 16) | seq, pattern(56, seq))
        net.send_ip("c1", ip4(net.ip4["c1"], net.ip4["srv"], 1, echo, ident=0x1000 + seq, df=True))
        net.pause(0.1)
