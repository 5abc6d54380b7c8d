/**
 * What the router sent, one pcap per interface (OUT/IF-out.pcap), raw IP
 * link type since the comparison is at the IP layer, stamped with the time
 * of the input packet that caused it.
 */
import { join } from "node:path";
import { createPcapFile, LinkType, type PcapWriter } from "@ctkit/packet";

export class InterfaceOutputs {
  private readonly writers = new Map<string, PcapWriter>();
  readonly counts = new Map<string, number>();

  constructor(
    private readonly dir: string,
    ifnames: readonly string[],
    precision: "micro" | "nano",
  ) {
    for (const name of ifnames) {
      this.writers.set(
        name,
        createPcapFile(join(dir, `${name}-out.pcap`), { linkType: LinkType.RAW, precision }),
      );
      this.counts.set(name, 0);
    }
  }

  write(ifname: string, tsSec: number, tsNsec: number, data: Uint8Array): void {
    let w = this.writers.get(ifname);
    if (w === undefined) {
      w = createPcapFile(join(this.dir, `${ifname}-out.pcap`), { linkType: LinkType.RAW });
      this.writers.set(ifname, w);
    }
    w.writePacket(tsSec, tsNsec, data);
    this.counts.set(ifname, (this.counts.get(ifname) ?? 0) + 1);
  }

  close(): void {
    for (const w of this.writers.values()) w.close();
  }
}
