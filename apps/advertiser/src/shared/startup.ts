/**
 * Start-up steps that both modes share (the control-plane speaker in `run.ts`, the node agent in
 * `agent/index.ts`): create the speaker, log its events and expose its metrics; then serve health
 * and metrics, shutting the speaker down again when that fails. Failures are logged as fatal and
 * reported as `undefined`, so the caller just returns exit code 1.
 */

import {
  type HealthServer,
  type HealthServerOptions,
  type Logger,
  startHealthServer,
} from '@bgplb/kube-runtime/process';
import type { Registry } from 'prom-client';
import { registerBfdMetrics } from './bfd-metrics.js';
import { createRegistry, registerSpeakerMetrics } from './metrics.js';
import { startPeerStateReport } from './peer-state-report.js';
import { createSpeakerEventLogger } from './speaker-log.js';
import type { Speaker } from './speaker-types.js';

/** The part of a speaker start-up touches (the advertiser's and the agent's speakers both have it). */
export type StartingSpeaker = Pick<Speaker, 'on' | 'peers' | 'peerStatus' | 'shutdown'>;

/**
 * Creates the speaker, logs its events and every peer's state line (every 30 s and on change;
 * `peerReport.stop()` ends it), and registers its session and BFD metrics in a new registry.
 */
export async function createSpeakerWithMetrics<S extends StartingSpeaker>(
  log: Logger,
  create: () => Promise<S>,
  peerReportIntervalMs?: number,
): Promise<{ speaker: S; registry: Registry; peerReport: { stop(): void } } | undefined> {
  let speaker: S;
  try {
    speaker = await create();
  } catch (err) {
    log.fatal({ err }, `cannot create the BGP speaker: ${(err as Error).message}`);
    return undefined;
  }
  speaker.on('event', createSpeakerEventLogger(log));
  const peerReport = startPeerStateReport(speaker, log, peerReportIntervalMs);
  const registry = createRegistry();
  registerSpeakerMetrics(registry, () => speaker.peers());
  registerBfdMetrics(registry, speaker);
  return { speaker, registry, peerReport };
}

/**
 * Serves health and metrics; when that fails (address in use, say) logs it, shuts the speaker
 * down with the RFC 8203 `shutdownMessage` and resolves with `undefined`.
 */
export async function startHealthOrShutdown(
  options: HealthServerOptions,
  speaker: StartingSpeaker,
  shutdownMessage: string,
): Promise<HealthServer | undefined> {
  try {
    return await startHealthServer(options);
  } catch (err) {
    options.logger.fatal({ err }, (err as Error).message);
    await speaker.shutdown({ message: shutdownMessage });
    return undefined;
  }
}
