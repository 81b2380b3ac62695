// Prints this namespace's IPv4 addresses: proves a child runs inside the lab host's namespace.
import { networkInterfaces } from 'node:os';

const addrs = Object.values(networkInterfaces())
  .flat()
  .filter((a) => a?.family === 'IPv4')
  .map((a) => a?.address);
process.stdout.write(`${addrs.join(' ')}\n`);
