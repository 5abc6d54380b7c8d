/**
 * @ctkit/helper-kit — what a ctkit helper plugin imports.
 *
 * A plugin is an npm package whose package.json carries a `ctkit` field
 * (its modinfo) and whose entry default-exports `defineModule({...})`.
 * Everything a module registers goes through the context its `init`
 * receives, so unloading undoes it all.
 *
 * @example
 * ```js
 * import { defineModule, NF_ACCEPT } from "@ctkit/helper-kit";
 * export default defineModule({
 *   init(ctx) {
 *     for (const port of ctx.params.ports) {
 *       ctx.registerHelper({ name: port === 21 ? "ftp" : `ftp-${port}`, l3: "unspec", l4: "tcp", port,
 *         expectPolicy: [{ name: "ftp", maxExpected: 1, timeout: 300 }],
 *         help: (pkt, protoff, ct, ctinfo) => NF_ACCEPT });
 *     }
 *   },
 * });
 * ```
 */
export {
  ConnHandle,
  CtInfo,
  defineModule,
  type Expectation,
  type ExpectError,
  type ExpectPolicy,
  type HelperPacket,
  type HelperSpec,
  type HelpFn,
  KernelError,
  type L3Family,
  type L4Name,
  Manip,
  type ModuleContext,
  type ModuleDefinition,
  NAT_HELPER_SYMBOLS,
  type NatHelperSpec,
  NatRange,
  NatRangeFlag,
  NF_ACCEPT,
  NF_DROP,
  type NfCtGreKeymapAdd,
  type NfCtGreKeymapDestroy,
  type NfNatExpFindPort,
  type NfNatFollowMaster,
  type NfNatMangle,
  type NfNatSetupInfo,
  type ParamValue,
  type ParamValues,
  type RegisteredHelper,
  type SysctlSpec,
  Tuple,
  type Verdict,
} from "@ctkit/kernel";
export { type LoadedPlugin, loadPlugin, payloadPacket } from "./testkit.js";
