/**
 * At most `perTurn` calls per event-loop turn; the rest wait for the next turns, in order.
 *
 * A storm of /metrics requests becomes readable in one turn (up to the connection cap), and each
 * answer is a large write: 128 of them at once held the loop for ~20 ms. Paced, a turn writes a
 * few and lets the timers (BGP keepalives, BFD) run between the batches.
 */
export class TurnPacer {
  private readonly queue: Array<() => void> = [];
  private ranThisTurn = 0;
  private scheduled = false;

  constructor(readonly perTurn: number) {
    if (!(Number.isInteger(perTurn) && perTurn >= 1))
      throw new Error(`perTurn must be an integer of at least 1, got ${perTurn}`);
  }

  /** Calls waiting for a later turn. */
  get pending(): number {
    return this.queue.length;
  }

  /** Runs `fn` now if this turn has room (and nothing waits before it), else in a later turn. */
  run(fn: () => void): void {
    this.schedule();
    if (this.queue.length === 0 && this.ranThisTurn < this.perTurn) {
      this.ranThisTurn++;
      fn();
      return;
    }
    this.queue.push(fn);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after this turn's I/O: a new turn, so a new budget.
    setImmediate(() => this.nextTurn());
  }

  private nextTurn(): void {
    this.scheduled = false;
    this.ranThisTurn = 0;
    if (this.queue.length === 0) return;
    this.schedule();
    const batch = this.queue.splice(0, this.perTurn);
    this.ranThisTurn = batch.length;
    for (const fn of batch) fn();
  }
}
