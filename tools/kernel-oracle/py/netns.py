# Network-namespace plumbing for oracle.py: run commands in a namespace, open
# sockets inside one (setns around socket()), and turn veth offloads off with
# the ethtool ioctl (the ethtool binary may be missing).
import array
import contextlib
import ctypes
import fcntl
import os
import socket
import struct
import subprocess

CLONE_NEWNET = 0x40000000
SIOCETHTOOL = 0x8946
# ETHTOOL_S{TXCSUM,SG,TSO,GSO,GRO}: set tx checksum, scatter-gather, TSO, GSO, GRO.
OFFLOAD_CMDS = (0x17, 0x19, 0x1F, 0x24, 0x2C)
libc = ctypes.CDLL("libc.so.6", use_errno=True)


def sh(cmd, check=True):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{cmd}: {r.stderr.strip() or r.stdout.strip()}")
    return r


@contextlib.contextmanager
def inside(ns):
    """Run the body with this thread in namespace ns; sockets created there stay there."""
    fd = os.open(f"/var/run/netns/{ns}", os.O_RDONLY)
    self_fd = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {ns}")
        yield
    finally:
        libc.setns(self_fd, CLONE_NEWNET)
        os.close(fd)
        os.close(self_fd)


def offloads_off(ns, dev):
    """Full checksums and real segments on the wire: tx-checksum, sg, tso, gso, gro off."""
    with inside(ns):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            for cmd in OFFLOAD_CMDS:
                buf = array.array("I", [cmd, 0])
                ifr = struct.pack("16sP16x", dev.encode(), buf.buffer_info()[0])
                try:
                    fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
                except OSError:
                    pass  # not supported by this driver/kernel: tolerated
        finally:
            s.close()

