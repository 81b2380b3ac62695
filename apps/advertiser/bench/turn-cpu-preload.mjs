// Preloaded (NODE_OPTIONS=--import) into the process under test by `bench:event-loop` when
// TURN_CPU_DIR is set: every 1 ms it reads this thread's CPU time and the time it waited on a run
// queue for a core (/proc/thread-self/schedstat, 2nd field), so a late tick of the event loop can
// be split into the loop's own CPU, waiting for a core, and the rest (sleeping in epoll, i.e. the
// timer itself was late for neither reason). Writes, once a second, to TURN_CPU_DIR/<pid>.json:
// `turns`, the intervals between two ticks that used over 2 ms of CPU or took over 5 ms of wall
// time, as [epoch ms, cpu ms, wall ms, run-queue wait ms]; `gc`, the collections over 1 ms as
// [epoch ms, duration ms, kind]. Only the bgpadvertiser process (dist/cli.js) is measured; other
// Node processes ignore it.
import { readFileSync, writeFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const dir = process.env.TURN_CPU_DIR;
if (dir && process.argv.some((a) => a.endsWith('cli.js'))) {
  const turns = [];
  const gc = [];
  const cpu = () => {
    const c = process.threadCpuUsage();
    return (c.user + c.system) / 1000;
  };
  // ns waiting on a run queue; undefined where /proc has no schedstat (then reported as 0).
  const waited = () => {
    try {
      return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
    } catch {
      return 0;
    }
  };
  const round = (x) => Math.round(x * 10) / 10;
  let last = { cpu: cpu(), wall: performance.now(), wait: waited() };
  setInterval(() => {
    const now = { cpu: cpu(), wall: performance.now(), wait: waited() };
    const c = now.cpu - last.cpu;
    const w = now.wall - last.wall;
    if (c > 2 || w > 5) turns.push([Date.now(), round(c), round(w), round(now.wait - last.wait)]);
    last = now;
  }, 1).unref();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (e.duration > 1) gc.push([Date.now(), round(e.duration), e.detail?.kind ?? 0]);
  }).observe({ entryTypes: ['gc'] });
  const flush = () => writeFileSync(`${dir}/${process.pid}.json`, JSON.stringify({ turns, gc }));
  setInterval(flush, 1_000).unref();
  process.on('exit', flush);
}
