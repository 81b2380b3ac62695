/**
 * The lab's client, run with plain `node` inside the client namespace. Each request is a new TCP
 * connection (so a new source port, hashed anew by the routers' ECMP) to IP:PORT; the answer's
 * body is the name of the node that served it (see kubelet.ts).
 *   node probe.ts once IP PORT COUNT      -> one JSON line: {"ok":n,"failed":n,"responders":{"lb1":n}}
 *   node probe.ts loop IP PORT INTERVAL   -> one JSON line per request until SIGTERM:
 *                                            {"t":ms,"ok":true,"node":"lb1"} or {"t":ms,"ok":false,"err":"..."}
 */
import { connect } from 'node:net';

const [mode, ip, portText, nText] = process.argv.slice(2);
if ((mode !== 'once' && mode !== 'loop') || !ip || !portText || !nText) {
  process.stderr.write('usage: probe.ts once|loop IP PORT COUNT|INTERVAL_MS\n');
  process.exit(2);
}
const port = Number(portText);

function request(timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: ip as string, port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('timeout'));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => {
      data += d.toString();
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const sep = data.indexOf('\r\n\r\n');
      const body = (sep >= 0 ? data.slice(sep + 4) : data).trim();
      if (body === '') reject(new Error('empty answer'));
      else resolve(body);
    });
    socket.write('GET / HTTP/1.0\r\n\r\n');
  });
}

if (mode === 'once') {
  const responders: Record<string, number> = {};
  let ok = 0;
  let failed = 0;
  const errors: string[] = [];
  for (let i = 0; i < Number(nText); i++) {
    try {
      const who = await request();
      responders[who] = (responders[who] ?? 0) + 1;
      ok++;
    } catch (err) {
      failed++;
      if (errors.length < 3) errors.push((err as Error).message);
    }
  }
  process.stdout.write(`${JSON.stringify({ ok, failed, responders, errors })}\n`);
} else {
  const interval = Number(nText);
  let stop = false;
  process.on('SIGTERM', () => {
    stop = true;
  });
  while (!stop) {
    const t = Date.now();
    try {
      const who = await request(Math.max(interval, 500));
      process.stdout.write(`${JSON.stringify({ t, ok: true, node: who })}\n`);
    } catch (err) {
      process.stdout.write(`${JSON.stringify({ t, ok: false, err: (err as Error).message })}\n`);
    }
    const wait = interval - (Date.now() - t);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  process.exit(0);
}
