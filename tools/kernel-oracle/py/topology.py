# The oracle's topology, in namespaces named ctkit-oracle-<pid>-<role>:
#
#   c1 (10.0.0.2, 2001:db8:1::2) --+
#                                  sw (bridge) -- lan:R:wan -- srv (198.51.100.2, 2001:db8:2::2)
#   c2 (10.0.0.3, 2001:db8:1::3) --+
#
# R is the router under test, configured only by the scenario's setup file
# (which must give lan 10.0.0.1/24 and wan 198.51.100.1/24, and 2001:db8:1::1/64,
# 2001:db8:2::1/64 for IPv6). Every neighbour entry is static: no ARP, no ND.
# No interface gets a link-local address (addrgenmode none), addresses are nodad.
import os

from netns import offloads_off, sh

PREFIX = "ctkit-oracle-"
TAG = f"{PREFIX}{os.getpid()}"
ROLES = ("c1", "c2", "sw", "r", "srv")
NS = {role: f"{TAG}-{role}" for role in ROLES}
MAC = {
    "lan": "02:00:00:00:00:01",
    "c1": "02:00:00:00:00:02",
    "c2": "02:00:00:00:00:03",
    "wan": "02:00:00:00:01:01",
    "srv": "02:00:00:00:01:02",
}
HOST4 = {"c1": "10.0.0.2", "c2": "10.0.0.3", "srv": "198.51.100.2"}
HOST6 = {"c1": "2001:db8:1::2", "c2": "2001:db8:1::3", "srv": "2001:db8:2::2"}
GW4 = {"c1": "10.0.0.1", "c2": "10.0.0.1", "srv": "198.51.100.1"}
GW6 = {"c1": "2001:db8:1::1", "c2": "2001:db8:1::1", "srv": "2001:db8:2::1"}
ROUTER_SIDE = {"c1": "lan", "c2": "lan", "srv": "wan"}


def _owner_alive(name):
    """Namespaces are named PREFIX<pid>-<role>: is the recorder that made them still running?"""
    pid = name[len(PREFIX):].split("-")[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cleanup_leftovers():
    """Remove namespaces of earlier runs that died before their own cleanup
    (not those of a recorder still running alongside this one)."""
    r = sh("ip netns list", check=False)
    for line in r.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        if name.startswith(PREFIX) and not _owner_alive(name):
            sh(f"ip netns del {name}", check=False)


def teardown():
    for ns in NS.values():
        sh(f"ip netns del {ns}", check=False)


def _host(role):
    ns = NS[role]
    sh(f"ip -n {ns} link set eth0 addrgenmode none")
    sh(f"ip -n {ns} link set lo up")
    sh(f"ip -n {ns} link set eth0 up")
    sh(f"ip -n {ns} addr add {HOST4[role]}/24 dev eth0")
    sh(f"ip -n {ns} -6 addr add {HOST6[role]}/64 dev eth0 nodad")
    sh(f"ip -n {ns} route add default via {GW4[role]}")
    sh(f"ip -n {ns} -6 route add default via {GW6[role]}")
    mac = MAC[ROUTER_SIDE[role]]
    sh(f"ip -n {ns} neigh replace {GW4[role]} lladdr {mac} dev eth0 nud permanent")
    sh(f"ip -n {ns} -6 neigh replace {GW6[role]} lladdr {mac} dev eth0 nud permanent")
    offloads_off(ns, "eth0")


def build():
    for ns in NS.values():
        sh(f"ip netns add {ns}")
    r, sw = NS["r"], NS["sw"]
    sh(f"ip netns exec {sw} sysctl -qw net.ipv6.conf.all.disable_ipv6=1")
    sh(f"ip netns exec {sw} sysctl -qw net.ipv6.conf.default.disable_ipv6=1")
    sh(f"ip -n {sw} link add br0 type bridge stp_state 0 mcast_snooping 0")
    sh(f"ip -n {r} link add lan address {MAC['lan']} type veth peer name p0 netns {sw}")
    sh(f"ip -n {r} link add wan address {MAC['wan']} type veth peer name eth0"
       f" address {MAC['srv']} netns {NS['srv']}")
    for i, c in ((1, "c1"), (2, "c2")):
        sh(f"ip -n {sw} link add p{i} type veth peer name eth0 address {MAC[c]} netns {NS[c]}")
    for p in ("p0", "p1", "p2"):
        sh(f"ip -n {sw} link set {p} master br0")
        sh(f"ip -n {sw} link set {p} up")
        offloads_off(sw, p)
    sh(f"ip -n {sw} link set br0 up")
    sh(f"ip -n {r} link set lo up")
    for dev in ("lan", "wan"):
        sh(f"ip -n {r} link set {dev} addrgenmode none")
        sh(f"ip -n {r} link set {dev} up")
        offloads_off(r, dev)
    for role in ("c1", "c2", "srv"):
        _host(role)
    for role in ("c1", "c2"):
        sh(f"ip -n {r} neigh replace {HOST4[role]} lladdr {MAC[role]} dev lan nud permanent")
        sh(f"ip -n {r} -6 neigh replace {HOST6[role]} lladdr {MAC[role]} dev lan nud permanent")
        other = "c2" if role == "c1" else "c1"
        sh(f"ip -n {NS[role]} neigh replace {HOST4[other]} lladdr {MAC[other]} dev eth0 nud permanent")
    sh(f"ip -n {r} neigh replace {HOST4['srv']} lladdr {MAC['srv']} dev wan nud permanent")
    sh(f"ip -n {r} -6 neigh replace {HOST6['srv']} lladdr {MAC['srv']} dev wan nud permanent")


def translate(line):
    """One line of ctkit's set-up format -> the shell command for the real router,
    or None for lines that are no-ops here (modules are built into this kernel)."""
    words = line.split()
    if not words:
        return None
    tool = words[0]
    if tool in ("modprobe", "rmmod", "depmod"):
        return None
    if tool not in ("ip", "sysctl", "iptables", "ip6tables"):
        raise RuntimeError(f"setup: cannot translate '{line}'")
    cmd = line
    if tool == "ip" and "addr" in words[:3] and "add" in words and ":" in line:
        cmd += " nodad"
    return f"ip netns exec {NS['r']} {cmd}"


def configure_router(setup_lines):
    for raw in setup_lines:
        line = raw.split("#", 1)[0].strip()
        cmd = translate(line)
        if cmd:
            sh(cmd)
