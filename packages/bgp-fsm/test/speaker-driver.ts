/**
 * Runs a BgpSpeaker inside a network namespace for the interop tests and benchmarks, driven by
 * JSON lines on stdin: `{"id":1,"op":"addPeer","args":[{...}]}`. Answers `{"id":1,"result":...}`
 * or `{"id":1,"error":"..."}`; every speaker event is printed as `{"event":{...}}`.
 */
import { createInterface } from 'node:readline';
import { BgpSpeaker } from '../src/index.js';

const speaker = new BgpSpeaker({ batchWindowMs: Number(process.env.BATCH_WINDOW_MS ?? 20) });
const quiet = process.env.QUIET_EVENTS === '1';

function out(obj: unknown): void {
  process.stdout.write(
    `${JSON.stringify(obj, (_k, v) => (v instanceof Error ? { message: v.message, code: (v as { code?: string }).code } : v))}\n`,
  );
}

if (!quiet) speaker.on('event', (e) => out({ event: e }));

type Op = (...args: never[]) => unknown;
const ops: Record<string, Op> = {
  addPeer: (o: Parameters<BgpSpeaker['addPeer']>[0]) => speaker.addPeer(o),
  removePeer: (id: string, o?: { message?: string }) => speaker.removePeer(id, o),
  listen: async (address: string, port?: number) => {
    const h = await speaker.listen(address, port);
    return { address: h.address, port: h.port };
  },
  setPaths: (prefix: string, paths: Parameters<BgpSpeaker['setPaths']>[1], o?: { peers?: string[] }) =>
    speaker.setPaths(prefix, paths, o),
  /** Many prefixes at once: `count` /32s from `base` (dotted quad), each with the same paths. */
  setMany: (base: string, count: number, paths: Parameters<BgpSpeaker['setPaths']>[1]) => {
    const [a, b, c, d] = base.split('.').map(Number) as [number, number, number, number];
    const start = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
    for (let i = 0; i < count; i++) {
      const v = start + i;
      speaker.setPaths(`${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}/32`, paths);
    }
  },
  withdraw: (prefix: string, o?: { peers?: string[] }) => speaker.withdraw(prefix, o),
  status: (id: string) => speaker.peerStatus(id),
  shutdown: (o?: { message?: string; graceful?: boolean }) => speaker.shutdown(o),
  exit: () => setTimeout(() => process.exit(0), 10),
};

const rl = createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  let req: { id: number; op: string; args?: unknown[] };
  try {
    req = JSON.parse(line);
  } catch {
    return;
  }
  const op = ops[req.op];
  try {
    if (op === undefined) throw new Error(`unknown op ${req.op}`);
    const result = await (op as (...a: unknown[]) => unknown)(...(req.args ?? []));
    out({ id: req.id, result: result ?? null });
  } catch (err) {
    out({ id: req.id, error: (err as Error).message });
  }
});
rl.on('close', () => {
  void speaker.shutdown().then(() => process.exit(0));
});
out({ ready: true });
