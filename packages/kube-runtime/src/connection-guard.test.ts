import { describe, expect, it } from 'vitest';
import { ConnectionGuard } from './connection-guard.js';

class Conn {
  destroyed = false;
  constructor(readonly name: string) {}
  destroy(): void {
    this.destroyed = true;
  }
}

describe('ConnectionGuard', () => {
  it('admits up to the cap, then evicts the oldest idle connection', () => {
    const guard = new ConnectionGuard<Conn>(3);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => new Conn(n)) as [Conn, Conn, Conn, Conn];
    expect([a, b, c].map((x) => guard.admit(x))).toEqual([true, true, true]);
    expect(guard.admit(d)).toBe(true);
    expect(a.destroyed).toBe(true);
    expect([b.destroyed, c.destroyed, d.destroyed]).toEqual([false, false, false]);
    expect(guard.size).toBe(3);
    expect(guard.evicted).toBe(1);
  });

  it('never evicts a connection that is answering a request', () => {
    const guard = new ConnectionGuard<Conn>(2);
    const a = new Conn('a');
    const b = new Conn('b');
    guard.admit(a);
    guard.admit(b);
    guard.requestStarted(a);
    const c = new Conn('c');
    expect(guard.admit(c)).toBe(true);
    expect(a.destroyed).toBe(false);
    expect(b.destroyed).toBe(true);
    guard.requestStarted(c);
    // Every slot busy: the next one is refused, nothing is evicted.
    expect(guard.admit(new Conn('d'))).toBe(false);
    expect(guard.refused).toBe(1);
    expect([a.destroyed, c.destroyed]).toEqual([false, false]);
  });

  it('a finished keep-alive connection becomes the newest idle one', () => {
    const guard = new ConnectionGuard<Conn>(2);
    const a = new Conn('a');
    const b = new Conn('b');
    guard.admit(a);
    guard.admit(b);
    guard.requestStarted(a);
    guard.requestFinished(a);
    guard.admit(new Conn('c'));
    expect(b.destroyed).toBe(true);
    expect(a.destroyed).toBe(false);
  });

  it('forgets closed connections', () => {
    const guard = new ConnectionGuard<Conn>(1);
    const a = new Conn('a');
    guard.admit(a);
    guard.requestStarted(a);
    guard.closed(a);
    expect(guard.size).toBe(0);
    const b = new Conn('b');
    expect(guard.admit(b)).toBe(true);
    expect(a.destroyed).toBe(false);
    // Calls for unknown connections change nothing.
    guard.requestStarted(new Conn('x'));
    guard.requestFinished(new Conn('y'));
    expect(guard.size).toBe(1);
  });

  it('refuses a cap below 1', () => {
    expect(() => new ConnectionGuard(0)).toThrow('maxConnections must be at least 1, got 0');
  });
});
