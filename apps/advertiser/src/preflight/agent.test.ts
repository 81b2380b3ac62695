import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ScriptedSpeaker } from '../test-support/scripted-speaker.js';
import { probeOnce, runPreflightAgent } from './agent.js';
import type { AgentMessage, AgentRequest } from './protocol.js';

function agent(opts: { addFails?: boolean; lifetimeMs?: number } = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  const messages: AgentMessage[] = [];
  let buf = '';
  output.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) messages.push(JSON.parse(l) as AgentMessage);
  });
  const held = new Set<string>();
  const speaker = new ScriptedSpeaker({});
  const done = runPreflightAgent({
    input,
    output,
    createSpeaker: async () => speaker,
    addresses: {
      list: async () => [...held].map((ip) => ({ ifname: 'lo', ip, prefixLen: 32, up: true })),
      add: async ({ ip }) => {
        if (opts.addFails) throw new Error('ip: RTNETLINK answers: Operation not permitted');
        held.add(ip);
        return true;
      },
      remove: async ({ ip }) => held.delete(ip),
    },
    ...(opts.lifetimeMs !== undefined ? { lifetimeMs: opts.lifetimeMs } : {}),
  });
  const send = (r: AgentRequest | string) =>
    input.write(`${typeof r === 'string' ? r : JSON.stringify(r)}\n`);
  const waitFor = async (ev: AgentMessage['ev']) => {
    for (let i = 0; i < 200 && !messages.some((m) => m.ev === ev); i++)
      await new Promise((r) => setTimeout(r, 10));
    return messages.find((m) => m.ev === ev);
  };
  return { input, messages, held, speaker, done, send, waitFor };
}

const session: AgentRequest = {
  op: 'session',
  localIp: '10.0.1.10',
  localAsn: 65001,
  peerIp: '10.8.0.10',
  peerAsn: 65002,
  holdTime: 9,
};

describe('runPreflightAgent', () => {
  it('refuses what it cannot do, and cleans up when stdin closes', async () => {
    const a = agent();
    a.send('not json');
    a.send({ op: 'announce', vip: '127.0.0.8', port: 1, name: 'cp1', vipInterface: 'lo' });
    await a.waitFor('error');
    a.input.end();
    expect(await a.done).toBe(0);
    expect(a.messages).toEqual([
      { ev: 'ready', version: expect.any(String) },
      { ev: 'error', message: 'not JSON: not json' },
      { ev: 'error', message: 'announce needs a session first' },
      { ev: 'closed', problems: [] },
    ]);
  });

  it('session, announce (VIP held, responder answering), then withdraws, unbinds and closes on stop', async () => {
    const a = agent();
    a.send(session);
    a.send(session);
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    a.send({ op: 'announce', vip: '127.0.0.8', port, name: 'cp1', vipInterface: 'lo' });
    expect(await a.waitFor('announced')).toEqual({ ev: 'announced', vipAdded: true });
    expect(a.messages).toContainEqual({ ev: 'error', message: 'a session was opened already' });
    expect([...a.held]).toEqual(['127.0.0.8']);
    expect(await probeOnce('127.0.0.8', port, 1_000)).toEqual({ answer: 'cp1' });
    expect(
      a.messages.filter((m) => m.ev === 'trace').map((m) => (m.ev === 'trace' ? m.e.type : '')),
    ).toContain('update-sent');
    a.send({ op: 'stop' });
    expect(await a.done).toBe(0);
    expect(a.messages.at(-1)).toEqual({ ev: 'closed', problems: [] });
    expect([...a.held]).toEqual([]);
    expect(a.speaker.calls).toContain('withdraw 127.0.0.8/32 peers=10.8.0.10');
    expect(await probeOnce('127.0.0.8', port, 1_000)).toEqual({ error: 'ECONNREFUSED' });
  });

  it('reports a VIP it cannot bind and a port in use, and ends at its lifetime', async () => {
    const a = agent({ addFails: true });
    a.send(session);
    a.send({ op: 'announce', vip: '127.0.0.8', port: 1, name: 'cp1', vipInterface: 'lo' });
    expect(await a.waitFor('announce-failed')).toEqual({
      ev: 'announce-failed',
      reason: 'cannot add 127.0.0.8/32 to lo: ip: RTNETLINK answers: Operation not permitted',
    });
    a.input.end();
    await a.done;

    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.9', () => r()));
    const port = (busy.address() as { port: number }).port;
    const b = agent({ lifetimeMs: 500 });
    b.send(session);
    b.send({ op: 'announce', vip: '127.0.0.9', port, name: 'cp1', vipInterface: 'lo' });
    expect(await b.waitFor('announce-failed')).toEqual({
      ev: 'announce-failed',
      reason: `cannot listen on 127.0.0.9:${port} (EADDRINUSE: something on the node already uses the port)`,
    });
    expect(await b.done).toBe(0);
    expect(b.messages.at(-1)).toEqual({ ev: 'closed', problems: [] });
    expect([...b.held]).toEqual([]);
    busy.close();
  });

  it('probe: retries until the expected answer or the budget, then exits', async () => {
    const srv = createServer((s) => s.end('cp2\n'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    const a = agent();
    a.send({ op: 'probe', vip: '127.0.0.1', port, expect: 'cp1', budgetMs: 500, attemptTimeoutMs: 200 });
    expect(await a.done).toBe(0);
    const m = a.messages.find((x) => x.ev === 'probe');
    expect(m).toMatchObject({ ev: 'probe', ok: false, answer: 'cp2' });
    expect(m?.ev === 'probe' && m.attempts).toBeGreaterThan(1);
    const b = agent();
    b.send({ op: 'probe', vip: '127.0.0.1', port, expect: 'cp2', budgetMs: 500, attemptTimeoutMs: 200 });
    await b.done;
    expect(b.messages.find((x) => x.ev === 'probe')).toEqual({
      ev: 'probe',
      ok: true,
      attempts: 1,
      answer: 'cp2',
    });
    srv.close();
  });
});

describe('probeOnce', () => {
  it('a connection closed without an answer, and a timeout', async () => {
    const closes = createServer((s) => s.end());
    await new Promise<void>((r) => closes.listen(0, '127.0.0.1', () => r()));
    expect(await probeOnce('127.0.0.1', (closes.address() as { port: number }).port, 1_000)).toEqual({
      error: 'closed',
    });
    closes.close();
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    expect(await probeOnce('127.0.0.1', (silent.address() as { port: number }).port, 100)).toEqual({
      error: 'timeout',
    });
    silent.close();
  });
});
