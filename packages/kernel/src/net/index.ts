/**
 * The router's public surface, for packages/kernel/src/index.ts. Names
 * that would be ambiguous next to the rule engine's carry a Route/Net
 * prefix (xtables has its own `Table`).
 */
export { type Addr4, type Addr6, DeviceTable, NetDevice, Scope as RouteScope } from "./device.js";
export { Fib, type FibError } from "./fib.js";
export { type IpResult, type IpTarget, runIp } from "./ip-command.js";
export {
  REJECT_WITH_NAMES,
  Reject6With,
  RejectWith,
  rejectWithFromName,
} from "./reject.js";
export {
  IP6_RT_PRIO_USER,
  PROTO_NAMES,
  Proto as RouteProto,
  Route,
  RouteType,
  Table as RouteTable,
} from "./route.js";
export { RouteState, RtKind } from "./route-state.js";
export { NetStack, type NetStackOptions, type TransmitFn } from "./stack.js";
export { DROP_NAMES as NET_DROP_NAMES, Drop as NetDrop, NetStats } from "./stats.js";
