export async function runPreflight(..._a: unknown[]): Promise<number> {
  return 1;
}
