/** What compare needs to know from a set-up file: router addresses, NAT interfaces. */
export interface SetupInfo {
  routerAddresses: Set<string>;
  /** Interfaces whose outgoing packets are source-NATed; "*" when a rule names no -o. */
  natInterfaces: Set<string>;
}

export function readSetupInfo(text: string): SetupInfo {
  const routerAddresses = new Set<string>();
  const natInterfaces = new Set<string>();
  for (const raw of text.split("\n")) {
    const words = raw.split("#")[0].trim().split(/\s+/);
    if (words[0] === "ip") {
      const i = words.indexOf("add");
      if (words.includes("addr") && i > 0 && words[i + 1])
        routerAddresses.add(words[i + 1].split("/")[0]);
    }
    if ((words[0] === "iptables" || words[0] === "ip6tables") && words.includes("-j")) {
      const target = words[words.indexOf("-j") + 1];
      if (target === "MASQUERADE" || target === "SNAT") {
        const o = words.indexOf("-o");
        natInterfaces.add(o > 0 ? words[o + 1] : "*");
      }
    }
  }
  return { routerAddresses, natInterfaces };
}

export function isNatSide(info: SetupInfo, ifname: string): boolean {
  return info.natInterfaces.has(ifname) || info.natInterfaces.has("*");
}
