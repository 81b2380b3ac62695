import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2eLab } from './src/netns/e2e-lab.js';

const lab = await E2eLab.up({
  topology: '03-separate-control-and-data-plane',
  launch: 'entrypoint',
  log: (l) => console.log(l),
});
try {
  await new Promise((r) => setTimeout(r, 15000));
  console.log(await lab.kubectl('get', 'nodes', '-o', 'wide'));
  console.log(await lab.kubectl('-n', 'cluster-bm', 'get', 'networkgatewaygroup', 'default', '-o', 'yaml'));
  console.log(await lab.kubectl('-n', 'kube-system', 'get', 'bgpsessions'));
  const tail = (f: string) =>
    readFileSync(join(lab.lab.workDir, f), 'utf8').split('\n').slice(-15).join('\n');
  console.log('--- controller', tail('state-ctl/log/controller.log'));
  console.log('--- agent lb1', tail('state-lb1/log/agent.log'));
  console.log('--- kubelet lb1', tail('state-lb1/log/kubelet.log'));
} finally {
  await lab.down();
}
