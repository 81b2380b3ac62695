/**
 * A peer's `bfd` settings as configured (api-types `BfdSettings`: the advertiser file's
 * `peers[].bfd`, BGPPeer `spec.bfd`) -> the bgp-fsm peer option. Both modes use it, so a field
 * added to the schema is passed on in one place. Absent fields keep bgp-fsm's defaults (the
 * recommended 300 ms x 3).
 */
import type { BfdSettings } from '@bgplb/api-types/advertiser-config';
import type { PeerOptions } from './speaker-types.js';

export type PeerBfdOptions = NonNullable<PeerOptions['bfd']>;

export function peerBfdOptions(settings: BfdSettings): PeerBfdOptions {
  const out: PeerBfdOptions = {};
  if (settings.minTxMs !== undefined) out.minTxMs = settings.minTxMs;
  if (settings.minRxMs !== undefined) out.minRxMs = settings.minRxMs;
  if (settings.multiplier !== undefined) out.multiplier = settings.multiplier;
  if (settings.multihop !== undefined) out.multihop = settings.multihop;
  if (settings.strict !== undefined) out.strict = settings.strict;
  return out;
}
