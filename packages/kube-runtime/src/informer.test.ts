import { ApiError as ServerError } from '@bgplb/test-apiserver';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { byLabel } from './cache.js';
import { paths } from './client.js';
import { type ChangeType, Informer, type InformerOptions } from './informer.js';
import { type Api, pod, silent, startApi, waitFor } from './test-support/api.js';
import type { KubeObject } from './types.js';

const PODS = paths.core('pods', 'default');

describe('Informer against the test API server', () => {
  let api: Api;
  const informers: Informer<KubeObject>[] = [];
  beforeEach(async () => {
    api = await startApi({ historyLimit: 100 });
  });
  afterEach(async () => {
    for (const i of informers.splice(0)) await i.stop();
    await api.close();
  });

  function start(extra: Partial<InformerOptions<KubeObject>> = {}) {
    const events: string[] = [];
    const informer = new Informer<KubeObject>(api.kc, api.client, {
      name: 'pods',
      path: PODS,
      apiVersion: 'v1',
      kind: 'Pod',
      log: silent,
      ...extra,
    });
    informer.on((type: ChangeType, o, old) =>
      events.push(`${type}:${o.metadata.name}${old ? `<${old.metadata.resourceVersion}` : ''}`),
    );
    informers.push(informer);
    informer.start();
    return { informer, events };
  }

  it('lists (stamping kind, transforming), then follows adds, updates and deletes, with indexes', async () => {
    api.server.store.create(pod('pre', { app: 'web' }));
    const { informer, events } = start({
      transform: (o) => {
        delete (o as { spec?: unknown }).spec;
        return o;
      },
      indexers: { app: byLabel('app') },
    });
    await informer.whenSynced();
    expect(informer.synced).toBe(true);
    const pre = informer.get('pre', 'default');
    expect(pre).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pre' } });
    expect(pre?.spec).toBeUndefined();
    await waitFor('watch open', () => api.server.store.watchCount === 1);
    await api.client.create(PODS, pod('p1', { app: 'db' }));
    await waitFor('add p1', () => events.includes('add:p1'));
    expect(informer.get('p1', 'default')?.spec).toBeUndefined();
    const rv = informer.get('p1', 'default')?.metadata.resourceVersion;
    await api.client.mergePatch(paths.core('pods', 'default', 'p1'), {
      metadata: { labels: { app: 'web' } },
    });
    await waitFor('update p1', () => events.includes(`update:p1<${rv}`));
    expect(
      informer.cache
        .byIndex('app', 'web')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['p1', 'pre']);
    expect(informer.cache.byIndex('app', 'db')).toEqual([]);
    await api.client.delete(paths.core('pods', 'default', 'p1'));
    await waitFor('delete p1', () => events.includes('delete:p1'));
    expect(informer.list().map((o) => o.metadata.name)).toEqual(['pre']);
    expect(informer.list('default')).toHaveLength(1);
    expect(informer.list('other')).toEqual([]);
    expect(events[0]).toBe('add:pre');
  });

  it('re-lists after 410 Gone and delivers what it missed as adds, updates and deletes', async () => {
    api.server.store.create(pod('stays'));
    api.server.store.create(pod('goes'));
    const { informer, events } = start({ labelSelector: undefined });
    const duringRelist: boolean[] = [];
    let syncs = 0;
    informer.on(() => duringRelist.push(informer.relisting));
    informer.onSynced(() => {
      syncs++;
      expect(informer.relisting).toBe(false);
    });
    await informer.whenSynced();
    await waitFor('watch open', () => api.server.store.watchCount === 1);
    expect(informer.lists).toBe(1);
    // Make its resourceVersion too old, then change things while it is disconnected.
    for (let i = 0; i < 3; i++)
      api.server.store.create({
        ...pod(`other-${i}`),
        metadata: { name: `o${i}`, namespace: 'kube-system' },
      });
    api.server.store.compact();
    api.server.dropWatches();
    api.server.store.delete('v1', 'Pod', 'goes', 'default');
    api.server.store.create(pod('new'));
    await waitFor(
      're-list',
      () => informer.lists === 2 && events.includes('add:new') && events.includes('delete:goes'),
    );
    // Changes applied by a list are flagged as such, and each completed list is announced once.
    expect(syncs).toBe(2);
    expect(duringRelist.every(Boolean)).toBe(true);
    expect(
      informer
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['new', 'stays']);
    // "stays" did not change: no update for it.
    expect(events.filter((e) => e.startsWith('update:stays'))).toEqual([]);
    await waitFor('watch again', () => api.server.store.watchCount === 1);
    await api.client.create(PODS, pod('after'));
    await waitFor('add after the re-list', () => events.includes('add:after'));
    expect(duringRelist.at(-1)).toBe(false);
  });

  it('retries a failing list with exponential back-off and logs each failure', async () => {
    const lines: { retryInMs?: number; err?: string }[] = [];
    const log = pino({ level: 'warn' }, { write: (s: string) => lines.push(JSON.parse(s)) });
    let failing = 3;
    api.server.addFault((info) =>
      info.verb === 'list' && failing-- > 0
        ? new ServerError(500, 'InternalError', 'etcd is down')
        : undefined,
    );
    const { informer } = start({ log, backoffBaseMs: 10 });
    await informer.whenSynced();
    expect(lines.map((l) => l.retryInMs)).toEqual([10, 20, 40]);
    expect(lines[0]?.err).toContain('500 etcd is down');
  });

  it('says while its watch fails (lastError, onError) and clears it once the watch is answered again', async () => {
    const { informer } = start({ backoffBaseMs: 20, backoffMaxMs: 40 });
    await informer.whenSynced();
    await waitFor('watch open', () => api.server.store.watchCount === 1);
    expect(informer.lastError).toBeUndefined();
    const seen: (string | undefined)[] = [];
    informer.onError((e) => seen.push(e));
    const restore = api.server.addFault(() => new ServerError(503, 'ServiceUnavailable', 'down'));
    api.server.dropWatches();
    await waitFor('the failure', () => informer.lastError !== undefined);
    // It stays set while every retry fails (client-node resolves failed watches too).
    await new Promise((r) => setTimeout(r, 150));
    expect(informer.lastError).toMatch(/Service Unavailable|503/);
    restore();
    await waitFor('the recovery', () => informer.lastError === undefined);
    expect(seen[0]).toMatch(/Service Unavailable|503|ended at once/);
    expect(seen.at(-1)).toBeUndefined();
  });

  it('honours field selectors', async () => {
    api.server.store.create(pod('on-n1', {}, 'n1'));
    api.server.store.create(pod('on-n2', {}, 'n2'));
    const { informer, events } = start({ fieldSelector: 'spec.nodeName=n1' });
    await informer.whenSynced();
    await waitFor('watch open', () => api.server.store.watchCount === 1);
    await api.client.create(PODS, pod('n2-late', {}, 'n2'));
    await api.client.create(PODS, pod('n1-late', {}, 'n1'));
    await waitFor('n1-late', () => events.includes('add:n1-late'));
    expect(events.some((e) => e.includes('n2'))).toBe(false);
  });

  it('processes a large list in bounded slices: the event loop turns at least every sliceSize objects', async () => {
    for (let i = 0; i < 3000; i++) api.server.store.create(pod(`p${i}`));
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const perTurn = new Map<number, number>();
    const { informer } = start({ sliceSize: 100 });
    informer.on(() => perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1));
    await informer.whenSynced();
    ticking = false;
    expect(informer.list()).toHaveLength(3000);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(100);
    expect(perTurn.size).toBeGreaterThanOrEqual(30);
  });

  it('stops while waiting out a back-off, and a stopped informer stays stopped', async () => {
    api.server.addFault((info) =>
      info.verb === 'list' ? new ServerError(500, 'InternalError', 'no') : undefined,
    );
    const { informer } = start({ backoffBaseMs: 60_000 });
    await new Promise((r) => setTimeout(r, 50));
    const t = Date.now();
    await informer.stop();
    expect(Date.now() - t).toBeLessThan(1000);
    expect(informer.synced).toBe(false);
  });
});
