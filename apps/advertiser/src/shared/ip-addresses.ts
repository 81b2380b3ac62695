/**
 * The one `ip addr` manager of both modes (the control-plane VIP and the agent's floating IPs):
 * iproute2 `ip` for addresses, iputils `arping` for gratuitous ARP (IPv4) and libndp's `ndptool`
 * for unsolicited neighbor advertisements (IPv6, RFC 4861 section 7.2.6), no shell. A
 * `CommandRunner` is injected so tests can record the commands.
 *
 * IPv6 floating IPs are added as `/128 nodad preferred_lft 0`:
 * - /128 like IPv4's /32: no connected route of its own, the node's own address keeps the subnet;
 * - `nodad`: usable at once (duplicate address detection would hold it "tentative" for about a
 *   second, and a floating IP is by construction on one node only);
 * - `preferred_lft 0` (deprecated): never chosen as the source of the node's own connections
 *   (RFC 6724 rule 3), which would break when the floating IP moves; sockets bound to it
 *   explicitly (the BGP sessions using it as localIP) and traffic to it work as usual.
 * IPv6 has no address labels (IFA_LABEL is IPv4 only): floating-ip-plan.ts recognises its IPv6
 * addresses as /128s listed as floating IPs.
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { isIPv6 } from '@bgplb/api-types/advertiser-config';

/** The prefix length of one host: 32 for IPv4, 128 for IPv6. */
export function hostPrefixLen(ip: string): number {
  return ip.includes(':') ? 128 : 32;
}

/**
 * Suffix of the IPv4 address label that marks an address as added by the node agent (a floating
 * IP, `<ifname>:bgplb`): the agent recognises its own addresses by it, and the control-plane
 * speaker never takes one for the node's own address.
 */
export const OWNED_LABEL_SUFFIX = ':bgplb';

/**
 * IPv6 address states iproute2 reports (`ip -j addr` prints each as `"<state>": true`) that tell
 * an address in passing from the node's own: `tentative` (duplicate address detection under way),
 * `dadfailed` (another host has it), `deprecated` (preferred lifetime over: being retired, or one
 * of our VIPs and floating IPs, added `preferred_lft 0`), `temporary` (an RFC 8981 privacy
 * address, replaced every day or so).
 */
export const ADDRESS_STATES = ['tentative', 'dadfailed', 'deprecated', 'temporary'] as const;
export type AddressState = (typeof ADDRESS_STATES)[number];

/** One IPv4 or global IPv6 address on an interface, as `ip -j addr show` reports it. */
export interface ObservedAddress {
  ifname: string;
  ip: string;
  prefixLen: number;
  /** The address label; iproute2 prints the interface name when none was set. */
  label?: string | undefined;
  /** The link is administratively up. */
  up: boolean;
  /** The {@link ADDRESS_STATES} it is in; absent when none. */
  states?: AddressState[] | undefined;
}

interface IpAddrJsonLink {
  ifname?: unknown;
  flags?: unknown;
  addr_info?: unknown;
}

/**
 * Parses `ip -j addr show` output: IPv4 addresses and IPv6 addresses of global scope (link-local
 * addresses are never floating IPs nor the subnet of one). Throws with a clear message when the text is not
 * the JSON that iproute2 prints, so a broken `ip` never looks like "no addresses".
 */
export function parseIpAddrJson(text: string): ObservedAddress[] {
  let links: unknown;
  try {
    links = JSON.parse(text.trim() === '' ? '[]' : text);
  } catch (err) {
    throw new Error(`cannot parse \`ip -j addr show\` output as JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(links)) throw new Error('`ip -j addr show` did not print a JSON array');
  const out: ObservedAddress[] = [];
  for (const raw of links as IpAddrJsonLink[]) {
    if (typeof raw !== 'object' || raw === null || typeof raw.ifname !== 'string') continue;
    const flags = Array.isArray(raw.flags) ? raw.flags : [];
    const up = flags.includes('UP');
    const infos = Array.isArray(raw.addr_info) ? raw.addr_info : [];
    for (const info of infos as Record<string, unknown>[]) {
      if (typeof info.local !== 'string') continue;
      if (info.family !== 'inet' && !(info.family === 'inet6' && info.scope === 'global')) continue;
      const prefixLen = typeof info.prefixlen === 'number' ? info.prefixlen : hostPrefixLen(info.local);
      const states = ADDRESS_STATES.filter((s) => info[s] === true);
      out.push({
        ifname: raw.ifname,
        ip: info.local,
        prefixLen,
        label: typeof info.label === 'string' ? info.label : undefined,
        up,
        ...(states.length > 0 ? { states } : {}),
      });
    }
  }
  return out;
}

/** Runs a program (no shell) and resolves with stdout; rejects with the program's own message. */
export type CommandRunner = (cmd: string, args: readonly string[], timeoutMs?: number) => Promise<string>;

/** Thrown when a command fails; carries the command line and its stderr. */
export class CommandFailedError extends Error {
  constructor(
    readonly commandLine: string,
    readonly stderr: string,
    cause?: unknown,
  ) {
    super(
      `\`${commandLine}\` failed: ${stderr.trim() || (cause instanceof Error ? cause.message : String(cause))}`,
    );
    this.name = 'CommandFailedError';
  }
}

export const execRunner: CommandRunner = (cmd, args, timeoutMs = 10_000) =>
  new Promise((resolve, reject) => {
    execFile(cmd, [...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new CommandFailedError([cmd, ...args].join(' '), String(stderr), err));
      else resolve(String(stdout));
    });
  });

/** An address to add: always one host (/32, /128). */
export interface AddressToAdd {
  ip: string;
  ifname: string;
  label?: string | undefined;
}

/** An address to remove, with the prefix length it has on the interface. */
export interface AddressToRemove {
  ip: string;
  ifname: string;
  prefixLen: number;
}

export interface AddressManager {
  /** Every IPv4 and global IPv6 address of the node (`ip -j addr show`). */
  list(): Promise<ObservedAddress[]>;
  /**
   * `ip addr add IP/32 dev IF [label L]`, or for IPv6 `ip addr add IP/128 dev IF nodad
   * preferred_lft 0` (no label); false when it was there already.
   */
  add(address: AddressToAdd): Promise<boolean>;
  /** `ip addr del IP/LEN dev IF`; false when it was gone already (or its interface is). */
  remove(address: AddressToRemove): Promise<boolean>;
  /**
   * Tells switches and routers the new holder: gratuitous ARP (`arping -U -c N -I IF IP`) for
   * IPv4, N unsolicited neighbor advertisements with the Override flag
   * (`ndptool -t na -U -i IF -T IP send`, 1 s apart) for IPv6.
   */
  announce(ip: string, ifname: string): Promise<void>;
}

export interface IpAddressManagerOptions {
  run?: CommandRunner | undefined;
  /**
   * Announcements per address added, default 3 (RFC 4861's MAX_NEIGHBOR_ADVERTISEMENT, and
   * arping's usual count): gratuitous ARPs for IPv4, unsolicited NAs for IPv6. 0 sends none.
   */
  arpCount?: number;
  /** Time between two unsolicited NAs, ms (default 1000, RFC 4861's RETRANS_TIMER). */
  naIntervalMs?: number;
  ipPath?: string;
  arpingPath?: string;
  ndptoolPath?: string;
}

/** `ip`, `arping` and `ndptool` on the real node. */
export class IpAddressManager implements AddressManager {
  private readonly run: CommandRunner;
  private readonly arpCount: number;
  private readonly naIntervalMs: number;
  private readonly ip: string;
  private readonly arping: string;
  private readonly ndptool: string;

  constructor(options: IpAddressManagerOptions = {}) {
    this.run = options.run ?? execRunner;
    this.arpCount = options.arpCount ?? 3;
    this.naIntervalMs = options.naIntervalMs ?? 1000;
    this.ip = options.ipPath ?? 'ip';
    this.arping = options.arpingPath ?? 'arping';
    this.ndptool = options.ndptoolPath ?? 'ndptool';
  }

  async list(): Promise<ObservedAddress[]> {
    return parseIpAddrJson(await this.run(this.ip, ['-j', 'addr', 'show']));
  }

  async add(address: AddressToAdd): Promise<boolean> {
    const args = isIPv6(address.ip)
      ? ['addr', 'add', `${address.ip}/128`, 'dev', address.ifname, 'nodad', 'preferred_lft', '0']
      : ['addr', 'add', `${address.ip}/32`, 'dev', address.ifname];
    if (address.label !== undefined && !isIPv6(address.ip)) args.push('label', address.label);
    try {
      await this.run(this.ip, args);
      return true;
    } catch (err) {
      // Another run (or a racing reconcile, or a process killed before it could remove it) added
      // it already: that is the state we want. iproute2 says "RTNETLINK answers: File exists"
      // before 5.x and "Error: ipv4: Address already assigned." since (netlink extended ack).
      if (/File exists|EEXIST|Address already assigned/i.test((err as Error).message)) return false;
      throw err;
    }
  }

  async remove(address: AddressToRemove): Promise<boolean> {
    try {
      await this.run(this.ip, ['addr', 'del', `${address.ip}/${address.prefixLen}`, 'dev', address.ifname]);
      return true;
    } catch (err) {
      // Already gone (removed by hand, or the interface went away): nothing left to do.
      if (/Cannot assign requested address|EADDRNOTAVAIL|Cannot find device/i.test((err as Error).message)) {
        return false;
      }
      throw err;
    }
  }

  async announce(ip: string, ifname: string): Promise<void> {
    if (this.arpCount <= 0) return;
    if (isIPv6(ip)) {
      // One NA per ndptool run. To the all-nodes group with Override set, so every neighbour that
      // has an entry for `ip` replaces the old holder's MAC (it goes STALE and is confirmed on
      // use); neighbours without an entry ignore it, as RFC 4861 says.
      for (let i = 0; i < this.arpCount; i++) {
        if (i > 0) await sleep(this.naIntervalMs);
        await this.run(this.ndptool, ['-t', 'na', '-U', '-i', ifname, '-T', ip, 'send'], 5000);
      }
      return;
    }
    // -U: unsolicited ARP (gratuitous, updates neighbours' caches); -c: count; 1 s apart.
    await this.run(
      this.arping,
      ['-U', '-c', String(this.arpCount), '-I', ifname, ip],
      (this.arpCount + 3) * 1000,
    );
  }
}
