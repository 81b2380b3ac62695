/**
 * The only commands the agent runs on the node: iproute2 `ip` for addresses and iputils
 * `arping` for gratuitous ARP. A `CommandRunner` is injected so tests can record the commands.
 */
import { execFile } from 'node:child_process';
import { type FloatingIPAction, type ObservedAddress, parseIpAddrJson } from './floating-ip-plan.js';

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

export interface AddressManager {
  /** Every IPv4 address of the node (`ip -j addr show`). */
  list(): Promise<ObservedAddress[]>;
  /** `ip addr add IP/32 dev IF [label L]`. */
  add(action: Extract<FloatingIPAction, { kind: 'add' }>): Promise<void>;
  /** `ip addr del IP/LEN dev IF`. */
  remove(action: Extract<FloatingIPAction, { kind: 'remove' }>): Promise<void>;
  /** Gratuitous ARP so switches and routers learn the new holder: `arping -U -c N -I IF IP`. */
  announce(ip: string, ifname: string): Promise<void>;
}

export interface IpAddressManagerOptions {
  run?: CommandRunner;
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

  async add(action: Extract<FloatingIPAction, { kind: 'add' }>): Promise<void> {
    const args = ['addr', 'add', `${action.ip}/32`, 'dev', action.ifname];
    if (action.label !== undefined) args.push('label', action.label);
    try {
      await this.run(this.ip, args);
    } catch (err) {
      // Another run (or a racing reconcile) added it already: that is the state we want.
      if (err instanceof CommandFailedError && /File exists|EEXIST/i.test(err.message)) return;
      throw err;
    }
  }

  async remove(action: Extract<FloatingIPAction, { kind: 'remove' }>): Promise<void> {
    try {
      await this.run(this.ip, ['addr', 'del', `${action.ip}/${action.prefixLen}`, 'dev', action.ifname]);
    } catch (err) {
      // Already gone (removed by hand, or the interface went away): nothing left to do.
      if (
        err instanceof CommandFailedError &&
        /Cannot assign requested address|EADDRNOTAVAIL|Cannot find device/i.test(err.message)
      ) {
        return;
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
