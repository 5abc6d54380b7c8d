import { fileURLToPath } from "node:url";
import { CtInfo, loadPlugin, NF_ACCEPT, NF_DROP, payloadPacket } from "@ctkit/helper-kit";
import { describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL("..", import.meta.url));

describe("nf_conntrack_sample", () => {
  it("registers one helper per port, named like Linux names them", async () => {
    const p = await loadPlugin(dir, ["ports=9999,4000"]);
    expect(p.helpers.map((h) => h.spec.name)).toEqual(["sample", "sample-4000"]);
    expect(p.module.params.ports).toEqual([9999, 4000]);
    // It depends on nf_conntrack, which the loader brought in first.
    expect(p.kernel.modules.find("nf_conntrack")?.holders.has(p.module)).toBe(true);
    p.unload();
    expect(p.kernel.helpers.list()).toHaveLength(0);
  });

  it("accepts short lines and drops an over-long one", async () => {
    const p = await loadPlugin(dir, ["max_line=8"]);
    const help = p.helper("sample").spec.help;
    expect(help(payloadPacket("HELLO\r\nQUIT\r\n"), 20, null, CtInfo.ESTABLISHED)).toBe(NF_ACCEPT);
    expect(help(payloadPacket("A-VERY-LONG-LINE\r\n"), 20, null, CtInfo.ESTABLISHED)).toBe(NF_DROP);
    expect(p.kernel.log.all().map((l) => l.text)).toContain(
      "nf_conntrack_sample: dropping a 17-byte line (max_line is 8)",
    );
  });

  it("refuses a bad parameter the way the kernel does", async () => {
    await expect(loadPlugin(dir, ["ports=70000"])).rejects.toThrow("invalid for parameter `ports'");
  });
});
