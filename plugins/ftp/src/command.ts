/**
 * What the FTP helper extracts from one control-channel line: which kind of
 * announcement it was and the address and port it names. Linux keeps this
 * in a `struct nf_conntrack_man` on the stack; here one object per module
 * instance is reused, so parsing allocates nothing.
 */

/** enum nf_ct_ftp_type (uapi): the values nf_nat_ftp switches on. */
export const FtpType = {
  /** PORT h1,h2,h3,h4,p1,p2 from the client (active mode). */
  PORT: 0,
  /** 227 reply to PASV from the server (passive mode). */
  PASV: 1,
  /** EPRT |af|addr|port| from the client (RFC 2428 active mode). */
  EPRT: 2,
  /** 229 reply to EPSV from the server (RFC 2428 passive mode). */
  EPSV: 3,
} as const;
export type FtpType = (typeof FtpType)[keyof typeof FtpType];

/**
 * The announced endpoint. `addr` holds the address as the conntrack tuple
 * does (four big-endian 32-bit words, IPv4 in word 0). Before parsing it is
 * preset to the sender's address, so an EPSV reply (which names no address)
 * compares equal, and so PORT on an IPv6 connection, which writes only
 * word 0, keeps words 1-3 of the sender's address — as in Linux.
 */
export class FtpCommand {
  /** Address family of the connection (the parser checks EPRT's against it). */
  family: 4 | 6 = 4;
  readonly addr = new Uint32Array(4);
  /** Announced data port, 0..65535. */
  port = 0;
}
