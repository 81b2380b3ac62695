import type { ChildProcess } from 'node:child_process';

/** How long to wait for a child's pipes to close after it exited (a grandchild may hold them). */
export const PIPES_GRACE_MS = 2_000;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Resolves when `child` has exited AND everything it printed has been read. Node emits 'exit'
 * possibly before the last stdout/stderr data ("stdio streams might still be open"), so a test
 * that reads the output once 'exit' fired can miss the last line; 'close' comes after both.
 * A grandchild that inherited the pipes can keep them open after the child is gone: then the
 * exit is reported `graceMs` after 'exit'. Attach it right after spawn (it must see 'close').
 */
export function childExit(child: ChildProcess, graceMs = PIPES_GRACE_MS): Promise<ChildExit> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    child.once('close', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({ code, signal });
    });
    child.once('exit', (code, signal) => {
      timer = setTimeout(() => resolve({ code, signal }), graceMs);
      timer.unref();
    });
  });
}
