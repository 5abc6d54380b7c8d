# PPTP (RFC 2637) for the oracle's scenarios, without PPP: the control
# messages as bytes (builders and a parser), enhanced GRE (version 1) data
# packets, and a scripted PNS (client) and PAC (server) that run a control
# connection over real TCP sockets in the hosts' namespaces and exchange GRE
# written raw (Net.send_ip) and caught on raw IPPROTO_GRE sockets.
#
# Call ids through NAT: the PNS knows its own call id, the PAC knows the one it
# received in the Outgoing-Call-Request (Linux's nf_nat_pptp replaces it), and
# each side keys its GRE with the id the *other* side announced, exactly as it
# received it.
import socket
import struct
from dataclasses import dataclass

from pkt import ip4

PORT = 1723
MAGIC = 0x1A2B3C4D
CONTROL_MESSAGE = 1  # the PPTP message type of every control message

START_REQUEST, START_REPLY, STOP_REQUEST, STOP_REPLY = 1, 2, 3, 4
ECHO_REQUEST, ECHO_REPLY = 5, 6
OUT_CALL_REQUEST, OUT_CALL_REPLY = 7, 8
IN_CALL_REQUEST, IN_CALL_REPLY, IN_CALL_CONNECTED = 9, 10, 11
CALL_CLEAR_REQUEST, CALL_DISCONNECT_NOTIFY = 12, 13
WAN_ERROR_NOTIFY, SET_LINK_INFO = 14, 15

HEADER_LEN = 12
# Length of each message, header included (RFC 2637 section 2; the same sizes
# as the kernel's structs in include/linux/netfilter/nf_conntrack_pptp.h + 12).
LENGTH = {
    START_REQUEST: 156, START_REPLY: 156, STOP_REQUEST: 16, STOP_REPLY: 16,
    ECHO_REQUEST: 16, ECHO_REPLY: 20, OUT_CALL_REQUEST: 168, OUT_CALL_REPLY: 32,
    IN_CALL_REQUEST: 220, IN_CALL_REPLY: 24, IN_CALL_CONNECTED: 28,
    CALL_CLEAR_REQUEST: 16, CALL_DISCONNECT_NOTIFY: 148, WAN_ERROR_NOTIFY: 40,
    SET_LINK_INFO: 24,
}
NAMES = {
    START_REQUEST: "Start-Control-Connection-Request",
    START_REPLY: "Start-Control-Connection-Reply",
    STOP_REQUEST: "Stop-Control-Connection-Request",
    STOP_REPLY: "Stop-Control-Connection-Reply",
    ECHO_REQUEST: "Echo-Request", ECHO_REPLY: "Echo-Reply",
    OUT_CALL_REQUEST: "Outgoing-Call-Request", OUT_CALL_REPLY: "Outgoing-Call-Reply",
    IN_CALL_REQUEST: "Incoming-Call-Request", IN_CALL_REPLY: "Incoming-Call-Reply",
    IN_CALL_CONNECTED: "Incoming-Call-Connected",
    CALL_CLEAR_REQUEST: "Call-Clear-Request", CALL_DISCONNECT_NOTIFY: "Call-Disconnect-Notify",
    WAN_ERROR_NOTIFY: "WAN-Error-Notify", SET_LINK_INFO: "Set-Link-Info",
}
PROTOCOL_VERSION = 0x0100
RESULT_OK = 1  # start/stop "OK", outgoing call "Connected"
DISCONNECT_BY_REQUEST = 4  # Call-Disconnect-Notify result: Call-Clear-Request received
STOP_REASON_NONE = 1
ACCM_ALL = 0xFFFFFFFF


def _text(s, n):
    return s.encode().ljust(n, b"\0")


def message(mtype, body):
    """A control message: the 12-byte header (length, type 1, cookie, message type) + body."""
    total = HEADER_LEN + len(body)
    if total != LENGTH[mtype]:
        raise ValueError(f"{NAMES[mtype]}: {total} bytes, RFC 2637 says {LENGTH[mtype]}")
    return struct.pack("!HHIHH", total, CONTROL_MESSAGE, MAGIC, mtype, 0) + body


def start_request(hostname):
    # The PNS announces async+sync framing, analog+digital bearers and 0 channels.
    return message(START_REQUEST, struct.pack(
        "!HHIIHH64s64s", PROTOCOL_VERSION, 0, 3, 3, 0, 0x0100,
        _text(hostname, 64), _text("ctkit-oracle", 64)))


def start_reply(hostname, result=RESULT_OK):
    return message(START_REPLY, struct.pack(
        "!HBBIIHH64s64s", PROTOCOL_VERSION, result, 0, 1, 1, 16, 0x0100,
        _text(hostname, 64), _text("ctkit-oracle", 64)))


def stop_request(reason=STOP_REASON_NONE):
    return message(STOP_REQUEST, struct.pack("!BBH", reason, 0, 0))


def stop_reply(result=RESULT_OK):
    return message(STOP_REPLY, struct.pack("!BBH", result, 0, 0))


def out_call_request(call_id, serial):
    # callID, serial, min/max bps, bearer and framing "either", window 64,
    # processing delay 0, no phone number.
    return message(OUT_CALL_REQUEST, struct.pack(
        "!HHIIIIHHHH64s64s", call_id, serial, 300, 100_000_000, 3, 3, 64, 0, 0, 0,
        b"", b""))


def out_call_reply(call_id, peer_call_id, result=RESULT_OK):
    return message(OUT_CALL_REPLY, struct.pack(
        "!HHBBHIHHI", call_id, peer_call_id, result, 0, 0, 100_000_000, 64, 0, 0))


def set_link_info(peer_call_id):
    return message(SET_LINK_INFO, struct.pack("!HHII", peer_call_id, 0, ACCM_ALL, ACCM_ALL))


def call_clear_request(call_id):
    return message(CALL_CLEAR_REQUEST, struct.pack("!HH", call_id, 0))


def call_disconnect_notify(call_id, result=DISCONNECT_BY_REQUEST):
    return message(CALL_DISCONNECT_NOTIFY, struct.pack("!HBBHH128s", call_id, result, 0, 0, 0,
                                                       b""))


@dataclass
class Message:
    mtype: int
    body: bytes

    @property
    def name(self):
        return NAMES.get(self.mtype, f"type {self.mtype}")

    def u16(self, off):
        return struct.unpack_from("!H", self.body, off)[0]

    def u8(self, off):
        return self.body[off]


def parse(data):
    """Checks the header (length, type, cookie, message type) and splits off the body."""
    if len(data) < HEADER_LEN:
        raise ValueError(f"PPTP message of {len(data)} bytes, shorter than its header")
    length, ptype, cookie, mtype, _ = struct.unpack_from("!HHIHH", data)
    if length != len(data):
        raise ValueError(f"PPTP length field {length}, message has {len(data)} bytes")
    if ptype != CONTROL_MESSAGE or cookie != MAGIC:
        raise ValueError(f"not a PPTP control message (type {ptype}, cookie 0x{cookie:08x})")
    if LENGTH.get(mtype) != length:
        raise ValueError(f"PPTP message type {mtype} with length {length}")
    return Message(mtype, data[HEADER_LEN:])


# Body offsets of the fields the scenarios read (RFC 2637 section 2).
CALL_ID = 0  # Outgoing-Call-Request/Reply, Call-Clear-Request, Call-Disconnect-Notify
PEER_CALL_ID = {OUT_CALL_REPLY: 2, SET_LINK_INFO: 0}
RESULT = {START_REPLY: 2, STOP_REPLY: 0, OUT_CALL_REPLY: 4, CALL_DISCONNECT_NOTIFY: 2}


class Control:
    """One end of a control connection: whole messages over a TCP socket."""

    def __init__(self, sock):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock

    def send(self, data):
        self.sock.sendall(data)

    def _exactly(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise RuntimeError(f"PPTP peer closed after {len(buf)} of {n} bytes")
            buf += chunk
        return buf

    def receive(self, mtype):
        """The next message, which must be of type mtype."""
        head = self._exactly(2)
        length = struct.unpack("!H", head)[0]
        if length < HEADER_LEN:
            raise RuntimeError(f"PPTP length field {length}")
        m = parse(head + self._exactly(length - 2))
        if m.mtype != mtype:
            raise RuntimeError(f"expected {NAMES[mtype]}, received {m.name}")
        return m

    def closed_by_peer(self):
        return self.sock.recv(100) == b""

    def close(self):
        self.sock.close()


# Enhanced GRE (RFC 2637 section 4.1): flags K (key present) and S (sequence
# present) in byte 0; A (ack present) and version 1 in byte 1; protocol 0x880B;
# the key is payload length (2 bytes) + call id (2 bytes).
GRE_PPP = 0x880B
GRE_K, GRE_S, GRE_A, GRE_V1 = 0x20, 0x10, 0x80, 0x01
IPPROTO_GRE = 47


def gre(call_id, payload, seq=None, ack=None):
    flags = GRE_K | (GRE_S if seq is not None else 0)
    version = GRE_V1 | (GRE_A if ack is not None else 0)
    h = struct.pack("!BBHHH", flags, version, GRE_PPP, len(payload), call_id)
    if seq is not None:
        h += struct.pack("!I", seq)
    if ack is not None:
        h += struct.pack("!I", ack)
    return h + payload


@dataclass
class Gre:
    src: str
    dst: str
    call_id: int
    seq: int | None
    ack: int | None
    payload: bytes


def parse_gre(packet):
    """An IPv4 packet carrying enhanced GRE -> Gre; None for anything else."""
    if len(packet) < 20 or packet[0] >> 4 != 4 or packet[9] != IPPROTO_GRE:
        return None
    g = packet[(packet[0] & 15) * 4:]
    if len(g) < 8 or g[1] & 7 != 1 or not g[0] & GRE_K:
        return None
    proto, length, call_id = struct.unpack_from("!HHH", g, 2)
    if proto != GRE_PPP:
        return None
    off, seq, ack = 8, None, None
    if g[0] & GRE_S:
        seq = struct.unpack_from("!I", g, off)[0]
        off += 4
    if g[1] & GRE_A:
        ack = struct.unpack_from("!I", g, off)[0]
        off += 4
    src, dst = socket.inet_ntoa(packet[12:16]), socket.inet_ntoa(packet[16:20])
    return Gre(src, dst, call_id, seq, ack, g[off:off + length])


def lcp_echo(ident, magic):
    """A stand-in PPP frame (address/control, LCP, Echo-Request): opaque to the router."""
    return struct.pack("!BBHBBHI", 0xFF, 0x03, 0xC021, 9, ident, 8, magic)


class GreInbox:
    """A raw IPPROTO_GRE socket on a host: what GRE reached it, and no ICMP
    protocol-unreachable from its kernel (a raw socket takes the packet)."""

    def __init__(self, net, host):
        self.sock = net.socket(host, socket.AF_INET, socket.SOCK_RAW, IPPROTO_GRE)

    def take(self):
        """The next enhanced GRE packet that arrives (within the socket timeout)."""
        while True:
            g = parse_gre(self.sock.recv(65535))
            if g:
                return g

    def nothing(self, seconds=0.3):
        """Asserts that no GRE arrives within seconds."""
        self.sock.settimeout(seconds)
        try:
            data = self.sock.recv(65535)
        except TimeoutError:
            return
        finally:
            self.sock.settimeout(3)
        raise AssertionError(f"GRE arrived where none should: {parse_gre(data)}")


class Pac:
    """The PPTP server on srv:1723; hands out its own call ids in order."""

    def __init__(self, net, first_call_id=0x4A01):
        self.net = net
        self.listener = net.tcp_listen("srv", PORT)
        self.inbox = GreInbox(net, "srv")
        self.next_call_id = first_call_id
        self.ident = 0x6001  # IPv4 ids of the GRE it sends, fixed for determinism

    def allocate_call_id(self):
        cid, self.next_call_id = self.next_call_id, self.next_call_id + 1
        return cid

    def send_gre(self, dst, call_id, payload, seq, ack):
        srv = self.net.ip4["srv"]
        self.net.send_ip("srv", ip4(srv, dst, IPPROTO_GRE, gre(call_id, payload, seq, ack),
                                    ident=self.ident))
        self.ident += 1


class Tunnel:
    """One control connection from a LAN host's PNS to the Pac, with one call.

    pns_call_id: the PNS's own id; pns_call_id_at_pac: what the PAC received in
    the Outgoing-Call-Request (NAT may have replaced it). pac_call_id: the PAC's
    own id; pac_call_id_at_pns: what the PNS received in the reply.
    """

    def __init__(self, net, pac, host, sport, call_id, gre_ident):
        self.net, self.pac, self.host = net, pac, host
        self.pns_call_id = call_id
        self.inbox = GreInbox(net, host)
        self.pns = Control(net.tcp_connect(host, sport, net.ip4["srv"], PORT))
        conn, peer = net.accept(pac.listener)
        self.pac_end = Control(conn)
        self.pns_address_at_pac = peer[0]
        self.gre_ident = gre_ident
        self.pns_seq = self.pac_seq = 0
        self.pns_call_id_at_pac = self.pac_call_id = self.pac_call_id_at_pns = None

    def _exchange(self, request, request_type, reply_of, reply_type):
        """PNS sends request, PAC receives it and answers reply_of(request), PNS receives."""
        self.pns.send(request)
        got = self.pac_end.receive(request_type)
        self.net.pause()
        self.pac_end.send(reply_of(got))
        answer = self.pns.receive(reply_type)
        self.net.pause()
        return got, answer

    def start(self):
        _, reply = self._exchange(start_request(self.host), START_REQUEST,
                                  lambda _: start_reply("srv"), START_REPLY)
        assert reply.u8(RESULT[START_REPLY]) == RESULT_OK

    def call(self, serial=1):
        self.pac_call_id = self.pac.allocate_call_id()

        def answer(req):
            self.pns_call_id_at_pac = req.u16(CALL_ID)
            return out_call_reply(self.pac_call_id, self.pns_call_id_at_pac)

        _, reply = self._exchange(out_call_request(self.pns_call_id, serial), OUT_CALL_REQUEST,
                                  answer, OUT_CALL_REPLY)
        assert reply.u8(RESULT[OUT_CALL_REPLY]) == RESULT_OK
        self.pac_call_id_at_pns = reply.u16(CALL_ID)
        # Whatever NAT did on the way out, the PNS must get its own id back.
        got = reply.u16(PEER_CALL_ID[OUT_CALL_REPLY])
        assert got == self.pns_call_id, f"{self.host}: reply names call {got}"

    def link_info(self):
        """Set-Link-Info both ways, each naming the other side's call id as it knows it."""
        self.pns.send(set_link_info(self.pac_call_id_at_pns))
        self.pac_end.receive(SET_LINK_INFO)
        self.net.pause()
        self.pac_end.send(set_link_info(self.pns_call_id_at_pac))
        got = self.pns.receive(SET_LINK_INFO).u16(PEER_CALL_ID[SET_LINK_INFO])
        assert got == self.pns_call_id, f"{self.host}: Set-Link-Info names call {got}"
        self.net.pause()

    def gre_to_pac(self):
        """One GRE packet PNS -> PAC, keyed with the PAC's id; the PAC must get it."""
        host = self.host
        src = self.net.ip4[host]
        ack = self.pac_seq - 1 if self.pac_seq else None
        data = gre(self.pac_call_id_at_pns, lcp_echo(self.pns_seq + 1, 0x0C700001),
                   self.pns_seq, ack)
        self.net.send_ip(host, ip4(src, self.net.ip4["srv"], IPPROTO_GRE, data,
                                   ident=self.gre_ident))
        self.gre_ident += 1
        g = self.pac.inbox.take()
        assert (g.call_id, g.seq) == (self.pac_call_id, self.pns_seq), f"srv got {g}"
        self.pns_seq += 1
        self.net.pause()

    def gre_to_pns(self, arrives=True):
        """One GRE packet PAC -> PNS, keyed with the PNS's id as the PAC received it."""
        ack = self.pns_seq - 1 if self.pns_seq else None
        self.pac.send_gre(self.pns_address_at_pac, self.pns_call_id_at_pac,
                          lcp_echo(self.pac_seq + 1, 0x5A700001), self.pac_seq, ack)
        if arrives:
            g = self.inbox.take()
            assert (g.call_id, g.seq) == (self.pns_call_id, self.pac_seq), f"{self.host} got {g}"
        else:
            self.inbox.nothing()
        self.pac_seq += 1
        self.net.pause()

    def clear(self):
        """PNS clears the call; the PAC confirms with Call-Disconnect-Notify, naming
        its own call id. (Through NAT, Linux overwrites that id with the PNS's
        original one, so the PNS sees its own id there: recorded, not asserted.)"""

        def answer(req):
            got = req.u16(CALL_ID)
            assert got == self.pns_call_id_at_pac, f"srv: Call-Clear-Request for call {got}"
            return call_disconnect_notify(self.pac_call_id)

        self._exchange(call_clear_request(self.pns_call_id), CALL_CLEAR_REQUEST, answer,
                       CALL_DISCONNECT_NOTIFY)

    def stop(self):
        _, reply = self._exchange(stop_request(), STOP_REQUEST, lambda _: stop_reply(),
                                  STOP_REPLY)
        assert reply.u8(RESULT[STOP_REPLY]) == RESULT_OK

    def close(self):
        """PNS closes the TCP connection first, then the PAC."""
        self.pns.close()
        assert self.pac_end.closed_by_peer()
        self.net.pause()
        self.pac_end.close()
        self.net.pause(0.1)

    def dial(self):
        """Control connection started, one call placed, link info exchanged."""
        self.start()
        self.call()
        self.link_info()

    def hang_up(self):
        """The call cleared, the control connection stopped and closed."""
        self.clear()
        self.stop()
        self.close()


def dial_c1_and_c2(net, sports, call_id=0x0001):
    """c1 and c2 both dial srv with the same call id, from TCP source ports
    sports[0] and sports[1]: both control connections are opened before either
    call is placed. Returns the two Tunnels, calls up."""
    pac = Pac(net)
    tunnels = [Tunnel(net, pac, "c1", sports[0], call_id=call_id, gre_ident=0x5001),
               Tunnel(net, pac, "c2", sports[1], call_id=call_id, gre_ident=0x5101)]
    for t in tunnels:
        t.dial()
    return tunnels


def gre_both_ways(tunnels, rounds):
    """rounds times, on each tunnel in turn: one GRE packet to the PAC and one back."""
    for _ in range(rounds):
        for t in tunnels:
            t.gre_to_pac()
            t.gre_to_pns()
