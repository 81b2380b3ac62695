/**
 * `bgpadvertiser preflight-agent` (hidden): the node side of preflight. It reads requests as JSON
 * lines on stdin and answers on stdout (protocol.ts). Whatever ends it — a `stop`, stdin closing
 * (the workstation or its ssh went away), SIGINT/SIGTERM/SIGHUP or its own lifetime — it withdraws
 * the VIP, closes the responder, removes the VIP from the interface and closes the session before
 * exiting, so nothing is left on the node.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { type AddressManager, IpAddressManager } from '../shared/ip-addresses.js';
import type { Speaker } from '../shared/speaker-types.js';
import { createBgpSpeaker, type SpeakerFactory } from '../speaker-factory.js';
import { VERSION } from '../version.js';
import { VipInterface } from '../vip-interface.js';
import type { AgentMessage, AgentRequest } from './protocol.js';
import { traceEventOf } from './session-trace.js';

export interface AgentDependencies {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  createSpeaker?: SpeakerFactory;
  addresses?: Pick<AddressManager, 'list' | 'add' | 'remove'>;
  /** The agent ends by itself after this long, whatever happens (default 10 min). */
  lifetimeMs?: number;
  /** Clean up on SIGINT, SIGTERM and SIGHUP (the real process; not in unit tests). */
  handleSignals?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** One attempt: connect, read the first line. Resolves with the answer or the error code. */
export function probeOnce(
  vip: string,
  port: number,
  timeoutMs: number,
): Promise<{ answer?: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: vip, port });
    let data = '';
    let done = false;
    const finish = (r: { answer?: string; error?: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ error: 'timeout' }), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      data += d;
      if (data.includes('\n')) finish({ answer: data.split('\n')[0]?.trim() ?? '' });
    });
    socket.on('end', () => finish(data === '' ? { error: 'closed' } : { answer: data.trim() }));
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ error: err.code ?? err.message }));
  });
}

/** Runs the agent until it is told or forced to stop; resolves with its exit code. */
export async function runPreflightAgent(deps: AgentDependencies = {}): Promise<number> {
  const input = deps.input ?? process.stdin;
  const output = deps.output ?? process.stdout;
  const send = (m: AgentMessage) => output.write(`${JSON.stringify(m)}\n`);
  let speaker: Speaker | undefined;
  let peerIp: string | undefined;
  let localIp: string | undefined;
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let vip: VipInterface | undefined;
  let vipAdded = false;
  let prefix: string | undefined;
  let finished: Promise<number> | undefined;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((r) => {
    resolveDone = r;
  });

  const cleanup = (why: string): Promise<number> => {
    finished ??= (async () => {
      const problems: string[] = [];
      if (speaker && peerIp !== undefined && prefix !== undefined) {
        const s = speaker;
        const id = peerIp;
        const p = prefix;
        s.withdraw(p, { peers: [id] });
        const until = Date.now() + 2_000;
        while (Date.now() < until && s.peerStatus(id)?.advertisedPrefixes.includes(p)) await sleep(20);
        if (s.peerStatus(id)?.advertisedPrefixes.includes(p)) problems.push(`${p} was not withdrawn in 2s`);
      }
      if (server) {
        for (const s of sockets) s.destroy();
        await new Promise<void>((r) => server?.close(() => r()));
      }
      if (vip && vipAdded) {
        try {
          await vip.remove();
          if (await vip.present()) problems.push(`${vip.cidr} is still on ${vip.device}`);
        } catch (err) {
          problems.push(`cannot remove ${vip.cidr} from ${vip.device}: ${(err as Error).message}`);
        }
      }
      if (speaker) {
        await Promise.race([
          speaker.shutdown({ message: `bgpadvertiser preflight finished (${why})` }).catch(() => undefined),
          sleep(3_000),
        ]);
      }
      send({ ev: 'closed', problems });
      return 0;
    })();
    return finished;
  };

  const handle = async (req: AgentRequest): Promise<void> => {
    switch (req.op) {
      case 'session': {
        if (speaker) return void send({ ev: 'error', message: 'a session was opened already' });
        speaker = await (deps.createSpeaker ?? createBgpSpeaker)();
        peerIp = req.peerIp;
        speaker.on('event', (e) => {
          if (e.peer !== req.peerIp) return;
          const t = traceEventOf(e);
          if (t) send({ ev: 'trace', e: t });
        });
        speaker.addPeer({
          id: req.peerIp,
          localAddress: req.localIp,
          localAsn: req.localAsn,
          peerAddress: req.peerIp,
          peerAsn: req.peerAsn,
          holdTime: req.holdTime,
          connectRetryTime: 2,
          ...(req.peerPort !== undefined ? { peerPort: req.peerPort } : {}),
        });
        localIp = req.localIp;
        return;
      }
      case 'announce': {
        if (!speaker || peerIp === undefined || localIp === undefined) {
          return void send({ ev: 'error', message: 'announce needs a session first' });
        }
        vip = new VipInterface(req.vipInterface, req.vip, deps.addresses ?? new IpAddressManager());
        try {
          vipAdded = await vip.add();
        } catch (err) {
          return void send({
            ev: 'announce-failed',
            reason: `cannot add ${vip.cidr} to ${req.vipInterface}: ${(err as Error).message}`,
          });
        }
        const srv = createServer((socket) => {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
          socket.end(`${req.name}\n`);
        });
        server = srv;
        const listening = await new Promise<string | undefined>((resolve) => {
          srv.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
          srv.listen({ host: req.vip, port: req.port }, () => resolve(undefined));
        });
        if (listening !== undefined) {
          server = undefined;
          return void send({
            ev: 'announce-failed',
            reason: `cannot listen on ${req.vip}:${req.port} (${listening}${listening === 'EADDRINUSE' ? ': something on the node already uses the port' : ''})`,
          });
        }
        prefix = `${req.vip}/32`;
        speaker.setPaths(prefix, [{ nextHop: localIp, origin: 'igp' }], { peers: [peerIp] });
        return void send({ ev: 'announced', vipAdded });
      }
      case 'stop':
        resolveDone(await cleanup('stop'));
        return;
      case 'probe': {
        const until = Date.now() + req.budgetMs;
        let attempts = 0;
        let last: { answer?: string; error?: string } = { error: 'timeout' };
        for (;;) {
          attempts++;
          last = await probeOnce(
            req.vip,
            req.port,
            Math.max(50, Math.min(req.attemptTimeoutMs, until - Date.now())),
          );
          if (last.answer === req.expect) break;
          if (Date.now() + 200 >= until) break;
          await sleep(200);
        }
        const ok = last.answer === req.expect;
        send({ ev: 'probe', ok, attempts, ...last });
        resolveDone(0);
        return;
      }
    }
  };

  send({ ev: 'ready', version: VERSION });
  const lines = createInterface({ input });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    let req: AgentRequest;
    try {
      req = JSON.parse(line) as AgentRequest;
    } catch {
      send({ ev: 'error', message: `not JSON: ${line.slice(0, 100)}` });
      return;
    }
    queue = queue.then(() =>
      handle(req).catch((err: Error) => {
        send({ ev: 'error', message: `${req.op}: ${err.message}` });
      }),
    );
  });
  lines.on('close', () => {
    void queue.then(async () => resolveDone(await cleanup('stdin closed')));
  });
  const lifetime = setTimeout(
    () => void cleanup('lifetime over').then(resolveDone),
    deps.lifetimeMs ?? 600_000,
  );
  const onSignal = (signal: NodeJS.Signals) => void cleanup(signal).then(resolveDone);
  if (deps.handleSignals) for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
  const code = await done;
  clearTimeout(lifetime);
  lines.close();
  if (deps.handleSignals) for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
  return code;
}
