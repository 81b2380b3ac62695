/**
 * The part of the @bgplb/bgp-fsm speaker API that the advertiser uses (see the speaker contract).
 * Typed here structurally so that the advertiser's logic can be driven by a fake speaker in unit
 * tests; the real `BgpSpeaker` satisfies it.
 */

export type FsmState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export interface PathSpec {
  nextHop: string;
  med?: number;
  localPref?: number;
  communities?: string[];
  largeCommunities?: string[];
  origin?: 'igp' | 'egp' | 'incomplete';
}

export interface PeerConfig {
  id?: string;
  localAddress: string;
  localAsn: number;
  peerAddress: string;
  peerAsn: number;
  peerPort?: number;
  routerId?: string;
  holdTime?: number;
  keepaliveTime?: number;
  connectRetryTime?: number;
  passive?: boolean;
  addPath?: boolean;
}

export interface PeerLastError {
  code: number;
  subcode: number;
  text: string;
  direction: 'sent' | 'received';
  at: Date;
}

export interface PeerStatus {
  id: string;
  state: FsmState;
  establishedSince?: Date;
  counters: {
    messagesIn: Record<string, number>;
    messagesOut: Record<string, number>;
    prefixesAnnounced: number;
    prefixesReceived: number;
    flaps: number;
  };
  lastError?: PeerLastError;
  lastStateChange: Date;
  advertisedPrefixes: string[];
}

export type SpeakerEvent =
  | { type: 'state'; peer: string; from: FsmState; to: FsmState; reason: string }
  | { type: 'open-negotiated'; peer: string; negotiated: unknown }
  | {
      type: 'update-sent' | 'update-received';
      peer: string;
      nlri: string[];
      withdrawn: string[];
      attributes: string;
      pathIds?: number[];
    }
  | {
      type: 'notification-sent' | 'notification-received';
      peer: string;
      code: number;
      subcode: number;
      text: string;
    }
  | { type: 'keepalive-sent' | 'keepalive-received'; peer: string }
  | { type: 'error'; peer?: string; error: Error };

/** What the advertiser needs from a speaker. */
export interface Speaker {
  on(event: 'event', listener: (e: SpeakerEvent) => void): unknown;
  addPeer(config: PeerConfig): void;
  removePeer(id: string, options?: { message?: string }): Promise<void>;
  setPaths(prefix: string, paths: PathSpec[], options?: { peers?: string[] }): void;
  withdraw(prefix: string, options?: { peers?: string[] }): void;
  peerStatus(id: string): PeerStatus | undefined;
  peers(): PeerStatus[];
  shutdown(options?: { message?: string }): Promise<void>;
}
