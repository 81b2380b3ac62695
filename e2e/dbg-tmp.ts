import { E2eLab } from './src/netns/e2e-lab.js';

const lab = await E2eLab.up({
  topology: '03-separate-control-and-data-plane',
  dist: true,
  log: (l) => console.log(l),
});
await new Promise((r) => setTimeout(r, 3000));
console.log(lab.proc('kubelet/lb1').tail().join('\n'));
console.log(JSON.stringify(lab.server.store.get('v1', 'Node', 'lb1')?.status));
await lab.down();
