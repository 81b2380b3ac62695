/**
 * What the node agent needs from the @bgplb/bgp-fsm speaker, beyond the advertiser's `Speaker`:
 * graceful restart, a per-peer path selector (sessions without ADD-PATH) and passive listeners
 * on floating IPs that can be closed again when the floating IP leaves the node.
 */
import type { PathSpec, PeerConfig, Speaker } from '../shared/index.js';

export interface AgentPeerConfig extends PeerConfig {
  /** Advertise the Graceful Restart capability (RFC 4724); `restarting` sets the R bit. */
  gracefulRestart?: { restartTime: number; restarting?: boolean };
  /** Cap of the IdleHold backoff after failures, seconds. */
  idleHoldMaxTime?: number;
  /** Chooses the one path of a prefix for a peer without ADD-PATH. */
  pathSelector?: (prefix: string, paths: readonly PathSpec[]) => PathSpec | undefined;
}

/** A passive listener on one address; `close()` stops accepting (established sessions stay). */
export interface ListenerHandle {
  close(): Promise<void>;
}

export interface AgentSpeaker extends Omit<Speaker, 'addPeer' | 'removePeer' | 'shutdown'> {
  addPeer(config: AgentPeerConfig): void;
  /**
   * Stops one peer: withdraw + Cease (RFC 8203 `message`), or with `graceful` just closes TCP so
   * that a GR helper keeps the routes (stale) until the session comes back.
   */
  removePeer(id: string, options?: { message?: string; graceful?: boolean }): Promise<void>;
  /**
   * Stops every peer: withdraw + Cease, or with `graceful` just closes TCP (no withdrawal, no
   * NOTIFICATION) so that GR helpers keep the routes while the agent restarts.
   */
  shutdown(options?: { message?: string; graceful?: boolean }): Promise<void>;
  /**
   * Accepts connections from configured peers on `address:port`. Resolves with a handle to close
   * the listener (a {@link ListenerHandle}), or with nothing, in which case the listener stays
   * until shutdown.
   */
  listen(address: string, port?: number): Promise<unknown>;
}

/** The listener handle in what `listen` resolved with, if it has one. */
export function asListenerHandle(value: unknown): ListenerHandle | undefined {
  if (typeof value === 'object' && value !== null && typeof (value as ListenerHandle).close === 'function') {
    return value as ListenerHandle;
  }
  return undefined;
}
