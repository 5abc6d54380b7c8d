# What a scenario's traffic.py gets: sockets inside the hosts' namespaces and raw
# IP sending from a host (AF_PACKET on its eth0, so the bytes are exactly ours).
import socket
import time

from netns import inside
from topology import HOST4, HOST6, MAC, NS, ROUTER_SIDE


def _mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


class Net:
    """Hosts are 'c1', 'c2' (LAN) and 'srv' (WAN); addresses in HOST4/HOST6."""

    ip4 = HOST4
    ip6 = HOST6
    router4 = {"lan": "10.0.0.1", "wan": "198.51.100.1"}
    router6 = {"lan": "2001:db8:1::1", "wan": "2001:db8:2::1"}

    def __init__(self):
        self._raw = {}
        self._open = []

    def socket(self, host, family=socket.AF_INET, kind=socket.SOCK_STREAM, proto=0):
        with inside(NS[host]):
            s = socket.socket(family, kind, proto)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.settimeout(3)
        self._open.append(s)
        return s

    def udp(self, host, port, v6=False):
        fam = socket.AF_INET6 if v6 else socket.AF_INET
        s = self.socket(host, fam, socket.SOCK_DGRAM)
        s.bind(((self.ip6 if v6 else self.ip4)[host], port))
        return s

    def tcp_listen(self, host, port, v6=False):
        fam = socket.AF_INET6 if v6 else socket.AF_INET
        s = self.socket(host, fam)
        s.bind(((self.ip6 if v6 else self.ip4)[host], port))
        s.listen(4)
        return s

    def tcp_connect(self, host, sport, dst, dport, v6=False):
        fam = socket.AF_INET6 if v6 else socket.AF_INET
        s = self.socket(host, fam)
        s.bind(((self.ip6 if v6 else self.ip4)[host], sport))
        s.connect((dst, dport))
        return s

    def tcp_connect_times_out(self, host, sport, dst, dport, v6=False, timeout=0.5):
        """A connect the router is expected to swallow: True if no answer came within
        timeout. Shorter than the first SYN retransmission (1 s), so exactly one SYN."""
        fam = socket.AF_INET6 if v6 else socket.AF_INET
        s = self.socket(host, fam)
        s.settimeout(timeout)
        s.bind(((self.ip6 if v6 else self.ip4)[host], sport))
        try:
            s.connect((dst, dport))
        except TimeoutError:
            return True
        finally:
            s.close()
        return False

    def accept(self, listener):
        """listener.accept(), with the accepted socket closed by close() like the others."""
        conn, peer = listener.accept()
        conn.settimeout(3)
        self._open.append(conn)
        return conn, peer

    def send_ip(self, host, packet):
        """Write a complete IP packet to the wire from host, addressed to the router."""
        if host not in self._raw:
            with inside(NS[host]):
                s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
            s.bind(("eth0", 0))
            self._raw[host] = s
        et = b"\x86\xdd" if packet[0] >> 4 == 6 else b"\x08\x00"
        self._raw[host].send(_mac(MAC[ROUTER_SIDE[host]]) + _mac(MAC[host]) + et + packet)

    @staticmethod
    def pause(seconds=0.05):
        time.sleep(seconds)

    def close(self):
        for s in self._open + list(self._raw.values()):
            try:
                s.close()
            except OSError:
                pass
