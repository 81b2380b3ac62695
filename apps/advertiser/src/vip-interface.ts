import { execFile } from 'node:child_process';

/** Runs a command and resolves with its output or rejects with its stderr. Injected in tests. */
export type CommandRunner = (cmd: string, args: readonly string[]) => Promise<string>;

export const execRunner: CommandRunner = (cmd, args) =>
  new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 5_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });

/**
 * Holds the VIP as `IP/32` on an interface while it is announced (so that the node answers for
 * it), using iproute2. Adding an address that is already there and removing one that is gone are
 * not errors: a restart after a crash converges.
 */
export class VipInterface {
  constructor(
    readonly device: string,
    readonly ip: string,
    private readonly runCommand: CommandRunner = execRunner,
  ) {}

  get cidr(): string {
    return `${this.ip}/32`;
  }

  /** True when the address is on the device now. */
  async present(): Promise<boolean> {
    const out = await this.runCommand('ip', ['-j', '-4', 'addr', 'show', 'dev', this.device]);
    const links = JSON.parse(out || '[]') as Array<{
      addr_info?: Array<{ local?: string; prefixlen?: number }>;
    }>;
    return links.some((l) => (l.addr_info ?? []).some((a) => a.local === this.ip && a.prefixlen === 32));
  }

  /** Adds the address; returns false when it was already there. */
  async add(): Promise<boolean> {
    try {
      await this.runCommand('ip', ['addr', 'add', this.cidr, 'dev', this.device]);
      return true;
    } catch (err) {
      if (/File exists/i.test((err as Error).message)) return false;
      throw err;
    }
  }

  /** Removes the address; returns false when it was not there. */
  async remove(): Promise<boolean> {
    try {
      await this.runCommand('ip', ['addr', 'del', this.cidr, 'dev', this.device]);
      return true;
    } catch (err) {
      if (/Cannot assign requested address|ADDRNOTAVAIL/i.test((err as Error).message)) return false;
      throw err;
    }
  }
}
