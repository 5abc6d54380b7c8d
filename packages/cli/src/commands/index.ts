import type { Command } from "../command.js";
import { conntrack } from "./conntrack.js";
import { demo } from "./demo.js";
import { depmod } from "./depmod.js";
import { dmesg } from "./dmesg.js";
import { ip } from "./ip.js";
import { ip6tables, iptables } from "./iptables.js";
import { lsmod } from "./lsmod.js";
import { modinfo } from "./modinfo.js";
import { modprobe } from "./modprobe.js";
import { newHelper } from "./new-helper.js";
import { param } from "./param.js";
import { replay } from "./replay.js";
import { rmmod } from "./rmmod.js";
import { status } from "./status.js";
import { sysctl } from "./sysctl.js";
import { down, up } from "./up.js";

export const COMMANDS: readonly Command[] = [
  modprobe,
  rmmod,
  lsmod,
  modinfo,
  depmod,
  sysctl,
  param,
  dmesg,
  status,
  conntrack,
  ip,
  iptables,
  ip6tables,
  replay,
  up,
  down,
  newHelper,
  demo,
];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
