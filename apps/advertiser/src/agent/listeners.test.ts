import { describe, expect, it } from 'vitest';
import { captureLogger } from '../test-support/log-capture.js';
import { ListenerSet } from './listeners.js';
import { FakeAgentSpeaker } from './test-support/fakes.js';

describe('ListenerSet', () => {
  it('listens on exactly the held addresses', async () => {
    const speaker = new FakeAgentSpeaker();
    const set = new ListenerSet({ speaker, port: 1179, logger: captureLogger().log });
    await set.sync(new Set(['10.0.1.100', '10.0.1.101']));
    await set.sync(new Set(['10.0.1.101', '10.0.1.102']));
    expect(set.addresses()).toEqual(['10.0.1.101', '10.0.1.102']);
    expect([...speaker.listening].sort()).toEqual(['10.0.1.101:1179', '10.0.1.102:1179']);
    await set.closeAll();
    expect(speaker.listening.size).toBe(0);
  });

  it('logs a listen error once per distinct message and retries on the next sync', async () => {
    const speaker = new FakeAgentSpeaker();
    const { log, lines } = captureLogger();
    const set = new ListenerSet({ speaker, port: 179, logger: log });
    const listen = speaker.listen.bind(speaker);
    let fail = true;
    speaker.listen = async (address, port) => {
      if (fail) throw new Error('listen EADDRNOTAVAIL');
      return listen(address, port);
    };
    for (let i = 0; i < 3; i++) await set.sync(new Set(['10.0.1.100']));
    expect(lines.filter((l) => String(l.msg).includes('cannot listen on 10.0.1.100:179'))).toHaveLength(1);
    expect(set.addresses()).toEqual([]);
    fail = false;
    await set.sync(new Set(['10.0.1.100']));
    expect(set.addresses()).toEqual(['10.0.1.100']);
  });

  it('a listener that fails to close is logged, not thrown', async () => {
    const speaker = new FakeAgentSpeaker();
    const { log, lines } = captureLogger();
    speaker.listen = async (address, port = 179) => ({
      address,
      port,
      close: async () => {
        throw new Error('EBADF');
      },
    });
    const set = new ListenerSet({ speaker, port: 179, logger: log });
    await set.sync(new Set(['10.0.1.100']));
    await expect(set.close('10.0.1.100')).resolves.toBeUndefined();
    await set.close('10.0.1.100'); // not open any more: nothing to do
    expect(
      lines.filter((l) => String(l.msg).includes('closing the listener on 10.0.1.100 failed')),
    ).toHaveLength(1);
  });
});
