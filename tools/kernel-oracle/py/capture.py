# Captures on the router: one tcpdump per interface and direction (-Q in/out),
# so the four pcaps hold what arrived on and what left lan and wan.
import os
import re
import signal
import subprocess
import time

# IP only, and no IPv6 multicast-listener/neighbour-discovery chatter (hop-by-hop
# MLD reports, ICMPv6 types 130-143): not part of any scenario.
FILTER = "(ip or ip6) and not (ip6 and ip6[6] == 0) and not (icmp6 and ip6[40] >= 130 and ip6[40] <= 143)"


class Captures:
    def __init__(self, ns, out_dir):
        self.procs = []
        for dev in ("lan", "wan"):
            for q in ("in", "out"):
                path = os.path.join(out_dir, f"{dev}-{q}.pcap")
                cmd = ["ip", "netns", "exec", ns, "tcpdump", "-i", dev, "-Q", q, "-n", "-U",
                       "--immediate-mode", "-Z", "root", "-s", "0", "-w", path, FILTER]
                p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
                self.procs.append(p)
        for p in self.procs:
            line = p.stderr.readline()
            if "listening on" not in line:
                self.stop()
                raise RuntimeError(f"tcpdump did not start: {line.strip()}")
        time.sleep(0.2)

    def stop(self):
        procs, self.procs = self.procs, []
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            stats = p.stderr.read() if p.stderr else ""
            m = re.search(r"(\d+) packets dropped by kernel", stats)
            if m and m.group(1) != "0":
                raise RuntimeError(f"tcpdump dropped packets: {stats.strip()}")
