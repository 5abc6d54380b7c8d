// Builds lan-in.pcap and wan-in.pcap for this example with ctkit's own packet builders:
// a client on the LAN (10.0.0.2) talks to a server on the WAN (198.51.100.10).
// Run from the repository root after `pnpm build`: node examples/routed/make-captures.mjs
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildIcmp,
  buildTcp,
  buildUdp,
  createPcapFile,
  LinkType,
} from "../../packages/packet/dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const lan = createPcapFile(join(here, "lan-in.pcap"), { linkType: LinkType.RAW });
const wan = createPcapFile(join(here, "wan-in.pcap"), { linkType: LinkType.RAW });
const C = "10.0.0.2";
const S = "198.51.100.10";
let t = 1_700_000_000_000_000; // microseconds
const at = (w, pkt, gapUs = 1000) => {
  t += gapUs;
  w.writePacket(Math.floor(t / 1e6), (t % 1e6) * 1000, pkt);
};
const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;

// DNS-like UDP exchange.
at(lan, buildUdp({ src: C, dst: S, sport: 40001, dport: 53, id: 1, payload: "query" }));
at(wan, buildUdp({ src: S, dst: C, sport: 53, dport: 40001, id: 2, ttl: 63, payload: "answer" }));
// Ping.
at(lan, buildIcmp({ src: C, dst: S, type: 8, id16: 0x1234, seq16: 1, id: 3, payload: "ping" }));
at(
  wan,
  buildIcmp({ src: S, dst: C, type: 0, id16: 0x1234, seq16: 1, id: 4, ttl: 63, payload: "ping" }),
);
// TCP: handshake, request, response, close.
at(lan, buildTcp({ src: C, dst: S, sport: 40002, dport: 80, seq: 1000, flags: SYN, id: 5 }));
at(
  wan,
  buildTcp({
    src: S,
    dst: C,
    sport: 80,
    dport: 40002,
    seq: 5000,
    ack: 1001,
    flags: SYN | ACK,
    id: 0,
    ttl: 63,
  }),
);
at(
  lan,
  buildTcp({ src: C, dst: S, sport: 40002, dport: 80, seq: 1001, ack: 5001, flags: ACK, id: 6 }),
);
at(
  lan,
  buildTcp({
    src: C,
    dst: S,
    sport: 40002,
    dport: 80,
    seq: 1001,
    ack: 5001,
    flags: ACK | PSH,
    id: 7,
    payload: "GET / HTTP/1.0\r\n\r\n",
  }),
);
at(
  wan,
  buildTcp({
    src: S,
    dst: C,
    sport: 80,
    dport: 40002,
    seq: 5001,
    ack: 1019,
    flags: ACK | PSH,
    id: 1,
    ttl: 63,
    payload: "HTTP/1.0 200 OK\r\n\r\n",
  }),
);
at(
  lan,
  buildTcp({
    src: C,
    dst: S,
    sport: 40002,
    dport: 80,
    seq: 1019,
    ack: 5020,
    flags: ACK | FIN,
    id: 8,
  }),
);
at(
  wan,
  buildTcp({
    src: S,
    dst: C,
    sport: 80,
    dport: 40002,
    seq: 5020,
    ack: 1020,
    flags: ACK | FIN,
    id: 2,
    ttl: 63,
  }),
);
at(
  lan,
  buildTcp({ src: C, dst: S, sport: 40002, dport: 80, seq: 1020, ack: 5021, flags: ACK, id: 9 }),
);
// Unsolicited from the WAN: no connection, dropped by the FORWARD policy.
at(wan, buildUdp({ src: S, dst: C, sport: 53, dport: 40099, id: 3, ttl: 63, payload: "stray" }));
// The server's port-unreachable about our UDP flow: RELATED, forwarded.
const probe = buildUdp({ src: C, dst: S, sport: 40003, dport: 5000, id: 10, payload: "probe" });
at(lan, probe);
at(wan, buildIcmp({ src: S, dst: C, type: 3, code: 3, id: 5, ttl: 63, payload: probe }));
// TTL 1: the router answers with time exceeded.
at(lan, buildUdp({ src: C, dst: S, sport: 40004, dport: 33434, id: 11, ttl: 1, payload: "trace" }));
lan.close();
wan.close();
