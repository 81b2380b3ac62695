/**
 * What the scheduler did to the process under test during a load window, read from /proc (Linux):
 * how long each of its threads ran and waited on a run queue for a core (`schedstat`), and which
 * processes of the machine used the CPU meanwhile. Also lowers the CPU priority of the bench's
 * load generators (`NICE_LOAD`), which in a real cluster run on other machines. Bench-only.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Per thread name: ns on a CPU and ns waiting on a run queue, summed over threads of that name. */
export type ThreadSched = Map<string, { run: number; wait: number }>;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the thread or process ended between listing and reading
  }
}

/** The threads of `pid`, grouped by name (`comm`: "node", "V8Worker", "libuv-worker", ...). */
export function threadSched(pid: number): ThreadSched {
  const out: ThreadSched = new Map();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const sched = read(`/proc/${pid}/task/${tid}/schedstat`);
    const comm = read(`/proc/${pid}/task/${tid}/comm`)?.trim();
    if (!sched || !comm) continue;
    const [run = 0, wait = 0] = sched.split(' ').map(Number);
    // The main thread is named after the program; tell it apart from the helper threads.
    const name = tid === String(pid) ? 'main thread' : comm;
    const acc = out.get(name) ?? { run: 0, wait: 0 };
    out.set(name, { run: acc.run + run, wait: acc.wait + wait });
  }
  return out;
}

/** `after - before`, in ms, per thread name. */
export function schedDelta(
  before: ThreadSched,
  after: ThreadSched,
): Map<string, { run: number; wait: number }> {
  const out = new Map<string, { run: number; wait: number }>();
  for (const [name, a] of after) {
    const b = before.get(name) ?? { run: 0, wait: 0 };
    out.set(name, { run: (a.run - b.run) / 1e6, wait: (a.wait - b.wait) / 1e6 });
  }
  return out;
}

/** What a process is: its program and first arguments' base names ("node cli.js", "bgpd"). */
function label(pid: string, comm: string): string {
  const argv = read(`/proc/${pid}/cmdline`)?.split('\0') ?? [];
  // Leave out options and the module an --import/--require option names (tsx's loader).
  const args = argv.filter(
    (a, i) => a !== '' && !a.startsWith('-') && !/^(--import|--require|-r)$/.test(argv[i - 1] ?? ''),
  );
  const base = (a: string) => a.slice(a.lastIndexOf('/') + 1);
  if (args.length === 0) return comm;
  const prog = base(args[0] ?? comm);
  // A Node program is known by its script (the first argument ending in .ts, .js or .mjs).
  const script = prog === 'node' ? args.slice(1).find((a) => /\.(m?js|ts)$/.test(a)) : undefined;
  return script ? `node ${base(script)}` : prog;
}

/** CPU used so far (ms) per process of the machine, keyed by `pid label`. */
export function processCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) continue;
    // comm may contain spaces: the fields after it start after the last ')'.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 (1-based), in clock ticks of 10 ms.
    out.set(`${pid} ${label(pid, comm)}`, (Number(f[11]) + Number(f[12])) * 10);
  }
  return out;
}

/** The `top` programs by CPU between two `processCpu()` snapshots, "label ms". */
export function topCpu(before: Map<string, number>, after: Map<string, number>, top = 10): string[] {
  const byLabel = new Map<string, number>();
  for (const [key, ms] of after) {
    const d = ms - (before.get(key) ?? 0);
    const what = key.slice(key.indexOf(' ') + 1);
    byLabel.set(what, (byLabel.get(what) ?? 0) + d);
  }
  return [...byLabel]
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([what, ms]) => `${what} ${Math.round(ms)}`);
}

/** Sets the nice value of every thread of `pid` (Linux's setpriority is per thread). */
export function reniceProcess(pid: number, nice: number): void {
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return;
  }
  for (const tid of tids) {
    try {
      setPriority(Number(tid), nice);
    } catch {
      // the thread ended meanwhile
    }
  }
}

/**
 * Renices every process in the network namespaces `namespaces` (names under /run/netns) except
 * `exceptPid` and its children (the agent's own `ip` commands): FRR, the route feeder, the HTTP
 * load client, the API forwarder and the bench's metrics pollers of the lab. Those not yet
 * started are caught by calling this again (`reniceNamespacesEvery`).
 */
export function reniceNamespaces(namespaces: string[], exceptPid: number, nice: number): void {
  const inodes = new Set(namespaces.map((ns) => statSync(`/run/netns/${ns}`).ino));
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === exceptPid) continue;
    let ino: number;
    try {
      ino = statSync(`/proc/${pid}/ns/net`).ino;
    } catch {
      continue;
    }
    if (!inodes.has(ino)) continue;
    const stat = read(`/proc/${pid}/stat`);
    // ppid is the 4th field; the niceness is the 19th.
    const f = stat?.slice(stat.lastIndexOf(')') + 2).split(' ') ?? [];
    if (Number(f[1]) === exceptPid || Number(f[16]) === nice) continue;
    reniceProcess(Number(pid), nice);
  }
}

/** `reniceNamespaces` now and every `everyMs` until the returned function is called. */
export function reniceNamespacesEvery(
  namespaces: string[],
  exceptPid: number,
  nice: number,
  everyMs = 100,
): () => void {
  reniceNamespaces(namespaces, exceptPid, nice);
  const timer = setInterval(() => reniceNamespaces(namespaces, exceptPid, nice), everyMs);
  return () => clearInterval(timer);
}
