/** In-memory stand-ins for the node (addresses) and the speaker, for NodeAgent unit tests. */

import type { AgentSpeaker, ListenHandle, PeerOptions } from '../../shared/index.js';
import {
  type AddressManager,
  type AddressToAdd,
  type AddressToRemove,
  hostPrefixLen,
  type ObservedAddress,
} from '../../shared/ip-addresses.js';
import { FakeSpeaker } from '../../test-support/fake-speaker.js';
import type { SessionStatusPatch, StatusWriter } from '../status-reporter.js';

/** A node's interfaces; records every command-equivalent in `log`, shared with the speaker. */
export class FakeAddresses implements AddressManager {
  readonly addresses: ObservedAddress[];
  failAdd: Error | undefined;

  constructor(
    initial: ObservedAddress[],
    readonly log: string[] = [],
  ) {
    this.addresses = [...initial];
  }

  async list(): Promise<ObservedAddress[]> {
    return this.addresses.map((a) => ({ ...a }));
  }

  async add(a: AddressToAdd): Promise<boolean> {
    if (this.failAdd) throw this.failAdd;
    const prefixLen = hostPrefixLen(a.ip);
    this.log.push(`ip addr add ${a.ip}/${prefixLen} dev ${a.ifname}${a.label ? ` label ${a.label}` : ''}`);
    if (this.has(a.ip)) return false;
    // IPv6 addresses have no label (iproute2 prints none); IPv4 ones the label or the interface.
    const label = prefixLen === 128 ? undefined : (a.label ?? a.ifname);
    this.addresses.push({ ifname: a.ifname, ip: a.ip, prefixLen, label, up: true });
    return true;
  }

  async remove(a: AddressToRemove): Promise<boolean> {
    this.log.push(`ip addr del ${a.ip}/${a.prefixLen} dev ${a.ifname}`);
    const i = this.addresses.findIndex((x) => x.ip === a.ip && x.ifname === a.ifname);
    if (i >= 0) this.addresses.splice(i, 1);
    return i >= 0;
  }

  async announce(ip: string, ifname: string): Promise<void> {
    this.log.push(
      hostPrefixLen(ip) === 128
        ? `ndptool -t na -U -i ${ifname} -T ${ip} send`
        : `arping -U -c 3 -I ${ifname} ${ip}`,
    );
  }

  has(ip: string): boolean {
    return this.addresses.some((a) => a.ip === ip);
  }
}

/** The advertiser's FakeSpeaker plus listeners, GR and path selectors; logs into a shared list. */
export class FakeAgentSpeaker extends FakeSpeaker implements AgentSpeaker {
  readonly listening = new Set<string>();
  readonly agentConfigs = new Map<string, PeerOptions>();

  constructor(readonly log: string[] = []) {
    super();
  }

  override addPeer(config: PeerOptions): void {
    super.addPeer(config);
    const id = config.id ?? config.peerAddress;
    this.agentConfigs.set(id, config);
    this.log.push(
      `addPeer ${id} from ${config.localAddress}${config.gracefulRestart?.restarting ? ' (restarting)' : ''}`,
    );
  }

  override async removePeer(id: string, options?: { message?: string; graceful?: boolean }): Promise<void> {
    await super.removePeer(id, options);
    this.agentConfigs.delete(id);
    this.log.push(
      options?.graceful
        ? `removePeer ${id}: graceful, TCP closed (${options.message ?? ''})`
        : `removePeer ${id}: withdraw + Cease (${options?.message ?? ''})`,
    );
  }

  async listen(address: string, port = 179): Promise<ListenHandle> {
    const key = `${address}:${port}`;
    if (this.listening.has(key)) throw new Error(`listen EADDRINUSE ${key}`);
    this.listening.add(key);
    this.log.push(`listen ${key}`);
    return {
      address,
      port,
      close: async () => {
        this.listening.delete(key);
        this.log.push(`unlisten ${key}`);
      },
    };
  }

  /** What the peer without ADD-PATH would receive for `prefix`. */
  selected(id: string, prefix: string): string | undefined {
    const paths = this.paths.get(prefix) ?? [];
    const selector = this.agentConfigs.get(id)?.pathSelector;
    return selector ? selector(prefix, paths)?.nextHop : paths[0]?.nextHop;
  }
}

export class MemoryStatusWriter implements StatusWriter {
  readonly statuses = new Map<string, SessionStatusPatch>();
  readonly writes: string[] = [];
  async write(name: string, status: SessionStatusPatch): Promise<void> {
    this.statuses.set(name, status);
    this.writes.push(`${name} ${status.state}`);
  }
}
