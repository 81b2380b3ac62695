/** Encoder-side range checks: encoding never silently truncates a value. */
export function checkUint(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${what} must be an integer 0..${max}, got ${value}`);
  }
  return value;
}
