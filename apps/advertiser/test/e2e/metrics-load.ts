/**
 * HTTP load on a health server: `rounds` rounds of `concurrency` simultaneous `GET /metrics`, each
 * on its own connection. Every distinct /metrics render that comes back is read for
 * `bgplb_event_loop_delay_seconds` (each render covers the window since the previous one), so the
 * worst p99 and the maximum of the event-loop delay over the whole load are known.
 * Prints one JSON line: {"ok":n,"status":{code:n},"errors":n,"renders":n,"p99Max":s,"max":s}.
 *
 * usage: metrics-load.ts <host> <port> <rounds> <concurrency>
 */
import http from 'node:http';

const [host = '127.0.0.1', portText = '', roundsText = '4', concText = '2000'] = process.argv.slice(2);
const port = Number(portText);
const status: Record<string, number> = {};
const renders = new Set<string>();
let errors = 0;
let p99Max = 0;
let max = 0;

function quantile(text: string, q: string): number | undefined {
  const m = text.match(new RegExp(`^bgplb_event_loop_delay_seconds\\{quantile="${q}"\\} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : undefined;
}

function record(body: string): void {
  if (renders.has(body)) return;
  renders.add(body);
  p99Max = Math.max(p99Max, quantile(body, '0.99') ?? 0);
  max = Math.max(max, quantile(body, '1') ?? 0);
}

function get(): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/metrics', agent: false, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const code = String(res.statusCode);
        status[code] = (status[code] ?? 0) + 1;
        if (res.statusCode === 200) record(Buffer.concat(chunks).toString());
        resolve();
      });
      res.on('error', () => {
        errors++;
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      errors++;
      resolve();
    });
  });
}

for (let r = 0; r < Number(roundsText); r++) {
  await Promise.all(Array.from({ length: Number(concText) }, get));
}
// One more scrape after the load covers the window that the last render did not.
await new Promise((r) => setTimeout(r, 1_100));
await get();
process.stdout.write(
  `${JSON.stringify({ ok: status['200'] ?? 0, status, errors, renders: renders.size, p99Max, max })}\n`,
);
