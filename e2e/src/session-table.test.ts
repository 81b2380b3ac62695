import { describe, expect, it } from 'vitest';
import { sessionTable } from './session-table.js';

describe('sessionTable', () => {
  it('prints the columns of kubectl get bgpsessions, aligned', () => {
    const now = Date.parse('2026-11-26T08:00:10Z');
    const out = sessionTable(
      [
        {
          apiVersion: 'networking.gke.io/v1',
          kind: 'BGPSession',
          metadata: { name: 'bgppeer1-node-03' },
          spec: { localASN: 65500, peerASN: 65000, localIP: '10.0.1.178', peerIP: '10.0.1.254' },
          status: { state: 'Established', lastReportTime: '2026-11-26T08:00:08Z' },
        },
        { apiVersion: 'networking.gke.io/v1', kind: 'BGPSession', metadata: { name: 'x' }, spec: {} },
      ],
      now,
    );
    expect(out.split('\n')).toEqual([
      'NAME               LOCAL ASN   PEER ASN   LOCAL IP     PEER IP      STATE         LAST REPORT',
      'bgppeer1-node-03   65500       65000      10.0.1.178   10.0.1.254   Established   2s',
      'x                                                                                 ',
    ]);
  });
});
