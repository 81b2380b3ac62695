/** The network-namespace name for a lab host: short, to stay within IFNAMSIZ for derived veths. */
export function nsName(run: string, host: string): string {
  return `bl-${run}-${host}`.slice(0, 15);
}
