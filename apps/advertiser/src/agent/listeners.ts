/**
 * The speaker's passive listeners, one per floating IP this node holds: peers that connect to a
 * floating IP are accepted there. A listener that cannot open is logged once per distinct error
 * and retried on the next round; sessions the agent opens itself work without it.
 */
import type { AgentSpeaker, ListenHandle, Logger } from '../shared/index.js';

export interface ListenerSetOptions {
  speaker: Pick<AgentSpeaker, 'listen'>;
  port: number;
  logger: Logger;
}

export class ListenerSet {
  private readonly open = new Map<string, ListenHandle>();
  /** Address -> the last error seen opening it (logged once, not every round). */
  private readonly failures = new Map<string, string>();

  constructor(private readonly options: ListenerSetOptions) {}

  /** Addresses listened on, sorted. */
  addresses(): string[] {
    return [...this.open.keys()].sort();
  }

  /** Listens on every address of `held` and on nothing else. */
  async sync(held: ReadonlySet<string>): Promise<void> {
    for (const ip of [...this.open.keys()]) if (!held.has(ip)) await this.close(ip);
    const { speaker, port, logger } = this.options;
    for (const ip of held) {
      if (this.open.has(ip)) continue;
      try {
        this.open.set(ip, await speaker.listen(ip, port));
        this.failures.delete(ip);
        logger.info({ address: ip, port }, `listening for BGP on ${ip}:${port}`);
      } catch (err) {
        const message = (err as Error).message;
        if (this.failures.get(ip) !== message) {
          // Active sessions still work; only connections opened by the peer are refused.
          logger.warn({ address: ip, err }, `cannot listen on ${ip}:${port}: ${message}`);
          this.failures.set(ip, message);
        }
      }
    }
  }

  /** Stops listening on `ip` (established sessions stay). Never throws: a failure is logged. */
  async close(ip: string): Promise<void> {
    const handle = this.open.get(ip);
    if (handle === undefined) return;
    this.open.delete(ip);
    try {
      await handle.close();
    } catch (err) {
      this.options.logger.warn(
        { address: ip, err },
        `closing the listener on ${ip} failed: ${(err as Error).message}`,
      );
    }
  }

  async closeAll(): Promise<void> {
    for (const ip of [...this.open.keys()]) await this.close(ip);
  }
}
