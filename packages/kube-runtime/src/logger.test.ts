import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, isLogFormat, isLogLevel, openLogger } from './logger.js';

function sink(): { stream: Writable; text: () => string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => out };
}

describe('createLogger', () => {
  it('writes JSON lines with the level name, ISO time and msg', () => {
    const s = sink();
    const log = createLogger({ destination: s.stream });
    log.info({ peer: '10.0.0.1' }, 'Peer added');
    const line = JSON.parse(s.text().trim());
    expect(line).toMatchObject({ level: 'info', msg: 'Peer added', peer: '10.0.0.1' });
    expect(new Date(line.time).toISOString()).toBe(line.time);
  });

  it('puts the base fields on every line and no pid or hostname', () => {
    const s = sink();
    createLogger({ destination: s.stream, base: { component: 'bgplb-controller' } }).warn('lost lease');
    const line = JSON.parse(s.text().trim());
    expect(line).toMatchObject({ level: 'warn', component: 'bgplb-controller', msg: 'lost lease' });
    expect(line).not.toHaveProperty('pid');
    expect(line).not.toHaveProperty('hostname');
  });

  it('drops lines below the level', () => {
    const s = sink();
    const log = createLogger({ level: 'info', destination: s.stream });
    log.debug('sent keepalive');
    expect(s.text()).toBe('');
    const d = sink();
    createLogger({ level: 'debug', destination: d.stream }).debug('sent keepalive');
    expect(d.text()).toContain('sent keepalive');
  });

  it('pretty format prints a human line, not JSON', async () => {
    const s = sink();
    const log = await openLogger({ format: 'pretty', destination: s.stream });
    log.info({ peer: '10.0.0.1' }, 'Peer added');
    expect(s.text()).toContain('INFO');
    expect(s.text()).toContain('Peer added');
    expect(() => JSON.parse(s.text())).toThrow();
  });

  it('loads pino-pretty only for the pretty format', async () => {
    vi.resetModules();
    const fresh = await import('./logger.js');
    expect(() => fresh.createLogger({ format: 'pretty', destination: sink().stream })).toThrow(
      'the pretty log format is not loaded: use openLogger, or await loadPrettyFormat() first',
    );
    fresh.createLogger({ destination: sink().stream }).info('JSON needs no formatter');
    await fresh.loadPrettyFormat();
    expect(() => fresh.createLogger({ format: 'pretty', destination: sink().stream })).not.toThrow();
  });

  it('recognises levels and formats', () => {
    expect(isLogLevel('debug')).toBe(true);
    expect(isLogLevel('verbose')).toBe(false);
    expect(isLogFormat('pretty')).toBe(true);
    expect(isLogFormat('text')).toBe(false);
  });
});
