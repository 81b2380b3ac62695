/**
 * The lab's client, run with plain `node` inside the client namespace. Each request is a new TCP
 * connection (so a new source port, hashed anew by the routers' ECMP) to IP:PORT; the answer's
 * body is the name of the node that served it (see kubelet.ts).
 *   node probe.ts once IP PORT COUNT      -> one JSON line: {"ok":n,"failed":n,"responders":{"lb1":n},
 *                                            "sources":{"192.168.10.100":n}} (sources: the X-Client-Address
 *                                            the backends saw)
 *   node probe.ts loop IP PORT INTERVAL   -> one JSON line per request until SIGTERM:
 *                                            {"t":ms,"ok":true,"node":"lb1"} or {"t":ms,"ok":false,"err":"..."}
 *                                            (one request at a time: a failed one holds the next back)
 *   node probe.ts every IP PORT INTERVAL  -> the same lines, but a request starts every INTERVAL ms
 *                                            whatever the earlier ones do (each times out after 1 s),
 *                                            so a loss window is measured to INTERVAL ms (loss-window.ts);
 *                                            each line also has "ms": how long the request was open
 *                                            (until its answer or its error)
 */
import { connect } from 'node:net';

const [mode, ip, portText, nText] = process.argv.slice(2);
if ((mode !== 'once' && mode !== 'loop' && mode !== 'every') || !ip || !portText || !nText) {
  process.stderr.write('usage: probe.ts once|loop|every IP PORT COUNT|INTERVAL_MS\n');
  process.exit(2);
}
const port = Number(portText);

/** The source address the backend saw, per answer (X-Client-Address of the last answer). */
let lastSource: string | undefined;

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
      lastSource = /\r\nX-Client-Address: ([^\r\n]*)/i.exec(sep >= 0 ? data.slice(0, sep) : '')?.[1];
      if (body === '') reject(new Error('empty answer'));
      else resolve(body);
    });
    socket.write('GET / HTTP/1.0\r\n\r\n');
  });
}

if (mode === 'once') {
  const responders: Record<string, number> = {};
  const sources: Record<string, number> = {};
  let ok = 0;
  let failed = 0;
  const errors: string[] = [];
  for (let i = 0; i < Number(nText); i++) {
    try {
      const who = await request();
      responders[who] = (responders[who] ?? 0) + 1;
      const source = lastSource ?? '?';
      sources[source] = (sources[source] ?? 0) + 1;
      ok++;
    } catch (err) {
      failed++;
      if (errors.length < 3) errors.push((err as Error).message);
    }
  }
  process.stdout.write(`${JSON.stringify({ ok, failed, responders, sources, errors })}\n`);
} else if (mode === 'every') {
  const interval = Number(nText);
  let stop = false;
  let pending = 0;
  const fire = (): void => {
    const t = Date.now();
    pending++;
    request(1000)
      .then(
        (who) => process.stdout.write(`${JSON.stringify({ t, ms: Date.now() - t, ok: true, node: who })}\n`),
        (err: Error) =>
          process.stdout.write(`${JSON.stringify({ t, ms: Date.now() - t, ok: false, err: err.message })}\n`),
      )
      .finally(() => {
        pending--;
        if (stop && pending === 0) process.exit(0);
      });
  };
  const timer = setInterval(fire, interval);
  process.on('SIGTERM', () => {
    stop = true;
    clearInterval(timer);
    if (pending === 0) process.exit(0);
  });
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
