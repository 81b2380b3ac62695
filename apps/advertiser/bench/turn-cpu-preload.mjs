// Preloaded (NODE_OPTIONS=--import) into the process under test by `bench:event-loop` when
// TURN_CPU_DIR is set: every 1 ms it reads this thread's CPU time, so a turn of the event loop
// that holds it is measured in CPU, not wall time; the figure does not include time the process
// waited for a core, which dominates monitorEventLoopDelay on a loaded machine. Writes the turns
// that used over 2 ms of CPU as [epoch ms, cpu ms] to TURN_CPU_DIR/<pid>.json once a second.
// Only the bgpadvertiser process (dist/cli.js) is measured; other Node processes ignore it.
import { writeFileSync } from 'node:fs';

const dir = process.env.TURN_CPU_DIR;
if (dir && process.argv.some((a) => a.endsWith('cli.js'))) {
  const turns = [];
  const used = () => {
    const c = process.threadCpuUsage();
    return (c.user + c.system) / 1000;
  };
  let last = used();
  setInterval(() => {
    const now = used();
    if (now - last > 2) turns.push([Date.now(), Math.round((now - last) * 10) / 10]);
    last = now;
  }, 1).unref();
  const flush = () => writeFileSync(`${dir}/${process.pid}.json`, JSON.stringify(turns));
  setInterval(flush, 1_000).unref();
  process.on('exit', flush);
}
