/**
 * Bounded slices of synchronous work. Processing a 10k-object list in one go holds the event
 * loop for long enough to delay timers that must not slip (BGP keepalives, later BFD); work over
 * large collections yields to the event loop every `size` items instead.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** Default number of objects processed between two yields. */
export const DEFAULT_SLICE_SIZE = 250;

/** Calls `fn` for every item, yielding to the event loop after every `size` items. */
export async function forEachInSlices<T>(
  items: Iterable<T>,
  fn: (item: T) => void,
  size: number = DEFAULT_SLICE_SIZE,
): Promise<void> {
  let n = 0;
  for (const item of items) {
    fn(item);
    if (++n % size === 0) await yieldToLoop();
  }
}
