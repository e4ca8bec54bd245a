// The desktop app's launcher for Node children (the RunAsNode fuse is off in packaged builds),
// checked against a fake of Electron's utilityProcess; and the child side of the same channel.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { UtilityProcessApi } from './utility-launcher.js';

vi.mock('electron', () => ({ utilityProcess: { fork: vi.fn() } }));
const { utilityLauncher } = await import('./utility-launcher.js');
const { parentChannel } = await import('../core/util/parent-channel.js');

class FakeUtility extends EventEmitter {
  pid = 4242;
  stdout = new PassThrough();
  stderr = new PassThrough();
  posted: unknown[] = [];
  killed = false;
  postMessage(m: unknown): void {
    this.posted.push(m);
  }
  kill(): boolean {
    this.killed = true;
    return true;
  }
}

function fakeApi(): {
  api: Parameters<typeof utilityLauncher>[0];
  forks: { module: string; args: string[]; opts: Record<string, unknown> }[];
  child: FakeUtility;
} {
  const child = new FakeUtility();
  const forks: { module: string; args: string[]; opts: Record<string, unknown> }[] = [];
  const api: UtilityProcessApi = {
    fork: (module: string, args: string[], opts: Record<string, unknown>) => {
      forks.push({ module, args, opts });
      return child;
    },
  };
  return { api, forks, child };
}

describe('utilityLauncher', () => {
  it('runs a fork as a utility process, without ELECTRON_RUN_AS_NODE, and maps its events', async () => {
    const { api, forks, child } = fakeApi();
    const c = utilityLauncher(api)({
      kind: 'fork',
      command: '/app/out/main/modelHost.js',
      args: ['--x'],
      env: { PATH: '/bin', ELECTRON_RUN_AS_NODE: '1' },
      stdin: false,
    });
    expect(forks).toEqual([
      {
        module: '/app/out/main/modelHost.js',
        args: ['--x'],
        opts: expect.objectContaining({ env: { PATH: '/bin' }, stdio: 'pipe' }),
      },
    ]);
    expect(c.pid).toBe(4242);
    expect(c.ownGroup).toBe(false);
    const got: unknown[] = [];
    c.onMessage((m) => got.push(m));
    child.emit('message', { type: 'ready' });
    expect(got).toEqual([{ type: 'ready' }]);
    c.send({ type: 'load' });
    expect(child.posted).toEqual([{ type: 'load' }]);
    const exits: unknown[] = [];
    const closes: unknown[] = [];
    c.onExit((code) => exits.push(code));
    c.onClose((code) => closes.push(code));
    expect(c.connected).toBe(true);
    child.emit('exit', 3);
    expect(exits).toEqual([3]);
    expect(closes).toEqual([]); // output still draining
    child.stdout.end();
    child.stderr.end();
    child.stdout.resume();
    child.stderr.resume();
    await new Promise((r) => setTimeout(r, 20));
    expect(closes).toEqual([3]);
    expect(c.connected).toBe(false);
  });

  it('runs `node SCRIPT args` spawns as utility processes and leaves other programs to spawn', () => {
    const { api, forks } = fakeApi();
    const launch = utilityLauncher(api);
    launch({
      kind: 'spawn',
      command: process.execPath,
      args: ['/tmp/gguf-check.mjs', 'in.json'],
      env: {},
      stdin: false,
    });
    expect(forks[0]).toMatchObject({ module: '/tmp/gguf-check.mjs', args: ['in.json'] });
    const py = launch({
      kind: 'spawn',
      command: 'true',
      args: [],
      env: { PATH: process.env.PATH ?? '' },
      stdin: false,
    });
    expect(forks).toHaveLength(1); // a real spawn, not a utility process
    expect(py.ownGroup).toBe(process.platform !== 'win32');
    py.kill('SIGKILL');
  });
});

describe('parentChannel (the child side)', () => {
  it('speaks through process.parentPort in a utility process', () => {
    const port = new EventEmitter() as EventEmitter & { postMessage(m: unknown): void; sent: unknown[] };
    port.sent = [];
    port.postMessage = (m) => port.sent.push(m);
    const ch = parentChannel({ parentPort: port } as unknown as NodeJS.Process);
    const got: unknown[] = [];
    ch.onMessage((m) => got.push(m));
    port.emit('message', { data: { type: 'chat', id: 1 } });
    ch.send({ type: 'ready' });
    expect(got).toEqual([{ type: 'chat', id: 1 }]);
    expect(port.sent).toEqual([{ type: 'ready' }]);
  });

  it('speaks through process.send under Node fork', () => {
    const proc = new EventEmitter() as EventEmitter & { connected: boolean; send(m: unknown): void; sent: unknown[] };
    proc.sent = [];
    proc.connected = true;
    proc.send = (m) => proc.sent.push(m);
    const ch = parentChannel(proc as unknown as NodeJS.Process);
    const gone = vi.fn();
    ch.onDisconnect(gone);
    ch.send({ a: 1 });
    proc.emit('disconnect');
    expect(proc.sent).toEqual([{ a: 1 }]);
    expect(gone).toHaveBeenCalled();
  });
});
