/**
 * The helper test kit: load a plugin from its package directory into a
 * fresh kernel through the real module loader (metadata, parameter
 * checks, vermagic, dependencies), then drive its helpers.
 */
import { type HelperPacket, Kernel, type LoadedModule, type RegisteredHelper } from "@ctkit/kernel";

export interface LoadedPlugin {
  kernel: Kernel;
  module: LoadedModule;
  /** Helpers the plugin registered, in registration order. */
  helpers: RegisteredHelper[];
  /** The helper registered under `name`; throws if there is none. */
  helper(name: string): RegisteredHelper;
  /** rmmod the plugin (what a test does to check cleanup). */
  unload(): void;
}

/**
 * Loads the plugin in `dir` (a package directory) with `params`
 * ("name=value" strings, as on a modprobe command line).
 */
export async function loadPlugin(dir: string, params: string[] = []): Promise<LoadedPlugin> {
  const kernel = new Kernel({ modulePath: [{ path: dir, origin: "path" }] });
  const index = kernel.modules.index();
  const info = index.modules[0];
  if (!info) throw new Error(`${dir}: no package.json with a "ctkit" field`);
  await kernel.modules.probe(info.name, { params });
  const module = kernel.modules.find(info.name) as LoadedModule;
  const helpers = kernel.helpers.list().filter((h) => h.owner === module);
  return {
    kernel,
    module,
    helpers,
    helper(name) {
      const h = helpers.find((x) => x.spec.name === name);
      if (!h)
        throw new Error(
          `no helper named ${name}; registered: ${helpers.map((x) => x.spec.name).join(", ") || "none"}`,
        );
      return h;
    },
    unload: () => kernel.modules.remove(info.name),
  };
}

/**
 * A packet whose L4 payload is `payload`, for calling a helper's `help`
 * directly in a unit test. Headers are zero-filled: 20 bytes of IPv4 and
 * 20 of TCP (the datapath fills real ones).
 */
export function payloadPacket(payload: string | Uint8Array, time = 0): HelperPacket {
  const body = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const data = new Uint8Array(40 + body.length);
  data.set(body, 40);
  return { data, l3Offset: 0, l4Offset: 20, payloadOffset: 40, payloadLength: body.length, time };
}
