# FTP conversations for the oracle's scenarios: a scripted client on a LAN host
# and server on srv, talking over real sockets through the router, so that each
# scenario's traffic.py is only its conversation. Every line is one TCP segment
# with a pause after it, which keeps the recorded packets the same run to run.
import re

from net import Net

SERVER = "srv"
ACTIVE_DATA_PORT = 20  # where an active-mode server connects from


def say(sender, receiver, text):
    """Sender writes one control line (text + CRLF, one segment); returns the line
    as the receiver got it, after the router's helper had its say."""
    sender.sendall(text.encode() + b"\r\n")
    got = b""
    while not got.endswith(b"\r\n"):
        chunk = receiver.recv(4096)
        if not chunk:
            raise RuntimeError(f"connection closed while waiting for {text!r}")
        got += chunk
    Net.pause()
    return got[:-2].decode()


def ftp_endpoint(line):
    """(address, port) a PORT/EPRT command or a 227/229 reply announces; the
    address is None for 229, which names only a port."""
    head = line[:4].upper()
    if head in ("PORT", "227 "):
        n = [int(x) for x in re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", line).groups()]
        return ".".join(str(x) for x in n[:4]), (n[4] << 8) | n[5]
    if head == "EPRT":
        arg = line.split(" ", 1)[1]
        _, _, addr, port, _ = arg.split(arg[0])
        return addr, int(port)
    if head == "229 ":
        arg = line[line.index("(") + 1:]
        return None, int(arg.split(arg[0])[3])
    raise ValueError(f"no FTP endpoint in {line!r}")


def transfer(sender, receiver, data):
    """A data connection's whole life after the handshake: sender writes data and
    closes, receiver reads to the end and closes."""
    sender.sendall(data)
    got = b""
    while len(got) < len(data):
        chunk = receiver.recv(65536)
        if not chunk:
            break
        got += chunk
    if got != data:
        raise RuntimeError(f"data connection delivered {len(got)} of {len(data)} bytes")
    Net.pause()
    sender.close()
    if receiver.recv(100) != b"":
        raise RuntimeError("data connection: no end of stream")
    Net.pause()
    receiver.close()
    Net.pause()


class DataConnection:
    """An established data connection between the server and the client."""

    def __init__(self, server, client):
        self.server, self.client = server, client

    def download(self, data):
        """RETR/LIST: the server sends data and closes first."""
        transfer(self.server, self.client, data)

    def upload(self, data):
        """STOR: the client sends data and closes first."""
        transfer(self.client, self.server, data)


class Active:
    """A PORT/EPRT the server received: where it is to connect, and the client's
    listener waiting there (its address before NAT)."""

    def __init__(self, session, listener, endpoint):
        self.session, self.listener, self.endpoint = session, listener, endpoint

    def open(self):
        """The server connects from port 20 to the announced endpoint."""
        s = self.session
        host, port = self.endpoint
        server = s.net.tcp_connect(SERVER, ACTIVE_DATA_PORT, host, port, v6=s.v6)
        client, _ = s.net.accept(self.listener)
        return DataConnection(server, client)

    def blocked(self):
        """The server's SYN from port 20 is dropped on the way: it never gets an answer."""
        s = self.session
        host, port = self.endpoint
        assert s.net.tcp_connect_times_out(SERVER, ACTIVE_DATA_PORT, host, port, v6=s.v6)


class Passive:
    """A 227/229 the client received: where it is to connect, and the server's
    listener waiting there."""

    def __init__(self, session, listener, endpoint):
        self.session, self.listener, self.endpoint = session, listener, endpoint

    def _target(self):
        host, port = self.endpoint
        # A 229 names only a port: the address is the control connection's.
        return host or self.session.server_address, port

    def open(self, sport):
        """The client connects from sport to the announced endpoint."""
        s = self.session
        host, port = self._target()
        client = s.net.tcp_connect(s.client_host, sport, host, port, v6=s.v6)
        server, _ = s.net.accept(self.listener)
        return DataConnection(server, client)

    def blocked(self, sport):
        """The client's SYN to the announced endpoint is dropped: it never gets an answer."""
        s = self.session
        host, port = self._target()
        assert s.net.tcp_connect_times_out(s.client_host, sport, host, port, v6=s.v6)


class Session:
    """An FTP control connection from client_host:sport to srv:port, opened at once.

    command() is a line the client sends, reply() one the server sends; each
    returns the line as the other side got it, and arrives_as, when given, is
    what the router's helper must have made of it.
    """

    def __init__(self, net, client_host, sport, port=21, v6=False):
        self.net, self.client_host, self.v6 = net, client_host, v6
        self.server_address = (net.ip6 if v6 else net.ip4)[SERVER]
        listener = net.tcp_listen(SERVER, port, v6=v6)
        self.client = net.tcp_connect(client_host, sport, self.server_address, port, v6=v6)
        self.server, _ = net.accept(listener)
        net.pause()

    def command(self, line, reply=None, arrives_as=None):
        """The client sends line; the server answers reply, if given."""
        got = say(self.client, self.server, line)
        if arrives_as is not None:
            assert got == arrives_as, got
        if reply is not None:
            self.reply(reply)
        return got

    def reply(self, line, arrives_as=None):
        got = say(self.server, self.client, line)
        if arrives_as is not None:
            assert got == arrives_as, got
        return got

    def login(self, greeting="220 ctkit oracle FTP ready",
              password_prompt="331 Please specify the password"):
        """Greeting, then an anonymous login."""
        self.reply(greeting)
        self.command("USER anonymous", password_prompt)
        self.command("PASS guest@example.org", "230 Login successful")

    def active(self, line, arrives_as, listen):
        """The client listens on port listen and announces it with line (PORT or
        EPRT); the server must receive arrives_as, whose endpoint it will use."""
        listener = self.net.tcp_listen(self.client_host, listen, v6=self.v6)
        got = self.command(line, arrives_as=arrives_as)
        return Active(self, listener, ftp_endpoint(got))

    def passive(self, line, listen, arrives_as=None):
        """Answering a PASV/EPSV, the server listens on port listen and announces
        it with line (227 or 229); the client must receive arrives_as (by default
        line unchanged), whose endpoint it will use."""
        listener = self.net.tcp_listen(SERVER, listen, v6=self.v6)
        got = self.reply(line, arrives_as=line if arrives_as is None else arrives_as)
        return Passive(self, listener, ftp_endpoint(got))

    def quit(self):
        """QUIT, then the client closes the control connection first."""
        self.command("QUIT", "221 Goodbye")
        self.client.close()
        assert self.server.recv(100) == b""
        self.net.pause()
        self.server.close()
        self.net.pause(0.1)
