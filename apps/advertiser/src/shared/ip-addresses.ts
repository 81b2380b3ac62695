/**
 * The one `ip addr` manager of both modes (the control-plane VIP and the agent's floating IPs):
 * iproute2 `ip` for addresses and iputils `arping` for gratuitous ARP, no shell. A
 * `CommandRunner` is injected so tests can record the commands.
 */
import { execFile } from 'node:child_process';

/** One IPv4 address on an interface, as `ip -j addr show` reports it. */
export interface ObservedAddress {
  ifname: string;
  ip: string;
  prefixLen: number;
  /** The address label; iproute2 prints the interface name when none was set. */
  label?: string | undefined;
  /** The link is administratively up. */
  up: boolean;
}

interface IpAddrJsonLink {
  ifname?: unknown;
  flags?: unknown;
  addr_info?: unknown;
}

/**
 * Parses `ip -j addr show` output (IPv4 only). Throws with a clear message when the text is not
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
      if (info.family !== 'inet' || typeof info.local !== 'string') continue;
      const prefixLen = typeof info.prefixlen === 'number' ? info.prefixlen : 32;
      out.push({
        ifname: raw.ifname,
        ip: info.local,
        prefixLen,
        label: typeof info.label === 'string' ? info.label : undefined,
        up,
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

/** An address to add: always a /32. */
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
  /** Every IPv4 address of the node (`ip -j addr show`). */
  list(): Promise<ObservedAddress[]>;
  /** `ip addr add IP/32 dev IF [label L]`; false when it was there already. */
  add(address: AddressToAdd): Promise<boolean>;
  /** `ip addr del IP/LEN dev IF`; false when it was gone already (or its interface is). */
  remove(address: AddressToRemove): Promise<boolean>;
  /** Gratuitous ARP so switches and routers learn the new holder: `arping -U -c N -I IF IP`. */
  announce(ip: string, ifname: string): Promise<void>;
}

export interface IpAddressManagerOptions {
  run?: CommandRunner | undefined;
  /** Gratuitous ARP count (`arping -c`), default 3. 0 turns gratuitous ARP off. */
  arpCount?: number;
  ipPath?: string;
  arpingPath?: string;
}

/** `ip` and `arping` on the real node. */
export class IpAddressManager implements AddressManager {
  private readonly run: CommandRunner;
  private readonly arpCount: number;
  private readonly ip: string;
  private readonly arping: string;

  constructor(options: IpAddressManagerOptions = {}) {
    this.run = options.run ?? execRunner;
    this.arpCount = options.arpCount ?? 3;
    this.ip = options.ipPath ?? 'ip';
    this.arping = options.arpingPath ?? 'arping';
  }

  async list(): Promise<ObservedAddress[]> {
    return parseIpAddrJson(await this.run(this.ip, ['-j', '-4', 'addr', 'show']));
  }

  async add(address: AddressToAdd): Promise<boolean> {
    const args = ['addr', 'add', `${address.ip}/32`, 'dev', address.ifname];
    if (address.label !== undefined) args.push('label', address.label);
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
    // -U: unsolicited ARP (gratuitous, updates neighbours' caches); -c: count; 1 s apart.
    await this.run(
      this.arping,
      ['-U', '-c', String(this.arpCount), '-I', ifname, ip],
      (this.arpCount + 3) * 1000,
    );
  }
}
