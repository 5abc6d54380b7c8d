#!/usr/bin/env python3
# Records one scenario on the real kernel: python3 -B oracle.py SCENARIO_DIR OUT_DIR
# Writes OUT_DIR/{lan,wan}-{in,out}.pcap, conntrack.txt, expect.txt, record.json.
# Namespaces are always removed (also on failure), and leftovers of dead runs too.
import importlib.util
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from capture import Captures  # noqa: E402
from net import Net  # noqa: E402
from netns import sh  # noqa: E402
from topology import NS, build, cleanup_leftovers, configure_router, teardown  # noqa: E402


def load_traffic(scenario_dir):
    path = os.path.join(scenario_dir, "traffic.py")
    spec = importlib.util.spec_from_file_location("scenario_traffic", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.traffic


def snapshot(args):
    r = sh(f"ip netns exec {NS['r']} conntrack {args}", check=False)
    return r.stdout


def record(scenario_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(scenario_dir, "setup")) as f:
        setup = f.read().splitlines()
    traffic = load_traffic(scenario_dir)
    cleanup_leftovers()
    captures = None
    net = Net()
    try:
        build()
        configure_router(setup)
        time.sleep(0.5)  # let any start-up chatter pass before capturing
        captures = Captures(NS["r"], out_dir)
        start = time.time()
        traffic(net)
        time.sleep(0.3)
        end = time.time()
        captures.stop()
        captures = None
        ct = snapshot("-L")
        exp = snapshot("-L expect")
        snap = time.time()
    finally:
        net.close()
        try:
            if captures:
                captures.stop()
        finally:
            teardown()
    with open(os.path.join(out_dir, "conntrack.txt"), "w") as f:
        f.write(ct)
    with open(os.path.join(out_dir, "expect.txt"), "w") as f:
        f.write(exp)
    with open(os.path.join(out_dir, "record.json"), "w") as f:
        json.dump({"trafficStart": start, "trafficEnd": end, "snapshot": snap}, f)
        f.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: oracle.py SCENARIO_DIR OUT_DIR")
    record(sys.argv[1], sys.argv[2])
