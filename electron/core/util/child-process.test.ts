import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { forkChild, spawnChild, type ManagedChild } from './child-process.js';

const node = process.execPath;
const dir = tempDir();
afterAll(() => dir.remove());

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Polls until `pid` is gone (generous: two busy cores can be slow to reap). */
async function gone(pid: number, ms = 20_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

const firstStdout = (c: ManagedChild): Promise<string> =>
  new Promise((resolve) => {
    const sub = c.onStdoutLine((l) => {
      sub.dispose();
      resolve(l);
    });
  });

/** A child that starts a grandchild sleeping forever and prints its pid. */
const WITH_GRANDCHILD = `
const { spawn } = require('node:child_process');
const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
console.log(String(g.pid));
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1000);`;

describe('spawnChild', () => {
  it('gives stdout and stderr as lines and keeps the stderr tail', async () => {
    const c = spawnChild(
      node,
      ['-e', 'for (let i = 0; i < 5; i++) { console.log("out " + i); console.error("err " + i); }'],
      {
        tailLines: 3,
      },
    );
    const out: string[] = [];
    const err: string[] = [];
    c.onStdoutLine((l) => out.push(l));
    c.onStderrLine((l) => err.push(l));
    const exit = await c.exited;
    expect(exit).toEqual({ code: 0, signal: null, error: null });
    expect(out).toEqual(['out 0', 'out 1', 'out 2', 'out 3', 'out 4']);
    expect(err).toHaveLength(5);
    expect(c.tail()).toEqual(['err 2', 'err 3', 'err 4']);
  });

  it('passes only allowlisted variables and the explicit extras', async () => {
    const c = spawnChild(node, ['-e', 'console.log(JSON.stringify(process.env))'], {
      fromEnv: { PATH: process.env.PATH, SECRET_TOKEN: 'leak', CUDA_VISIBLE_DEVICES: '1', HF_TOKEN: 'hf' },
      allowEnv: [/^CUDA_\w+$/],
      env: { EXTRA: 'yes' },
    });
    const line = await firstStdout(c);
    await c.exited;
    const env = JSON.parse(line) as Record<string, string>;
    expect(env.SECRET_TOKEN).toBeUndefined();
    expect(env.HF_TOKEN).toBeUndefined();
    expect(env.CUDA_VISIBLE_DEVICES).toBe('1');
    expect(env.EXTRA).toBe('yes');
    expect(env.PATH).toBe(process.env.PATH);
  });

  it('reports a command that cannot start as an exit with an error, in the tail', async () => {
    const exit = await spawnChild(path.join(dir.path, 'no-such-program'), []).exited;
    expect(exit.error).not.toBeNull();
  });

  it('stops politely first: a child that obeys the cancel line is never signalled', async () => {
    const steps: string[] = [];
    const c = spawnChild(
      node,
      [
        '-e',
        'require("readline").createInterface({ input: process.stdin }).on("line", (l) => { if (JSON.parse(l).type === "cancel") process.exit(3); }); console.log("ready")',
      ],
      {
        stdin: true,
        politeStop: (child) => child.writeLine(JSON.stringify({ type: 'cancel' })),
        grace: { polite: 20_000, term: 20_000 },
        onEscalate: (s) => steps.push(s),
      },
    );
    await firstStdout(c);
    const exit = await c.stop();
    expect(exit.code).toBe(3);
    expect(steps).toEqual([]);
  });

  it('escalates to SIGTERM and then SIGKILL when the child ignores both', async () => {
    const steps: string[] = [];
    const ac = new AbortController();
    const c = spawnChild(
      node,
      ['-e', 'process.on("SIGTERM", () => {}); console.log("ready"); setInterval(() => {}, 1000)'],
      {
        signal: ac.signal,
        politeStop: () => undefined,
        grace: { polite: 50, term: 300 },
        onEscalate: (s) => steps.push(s),
      },
    );
    await firstStdout(c);
    ac.abort();
    const exit = await c.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(steps).toEqual(['SIGTERM', 'SIGKILL']);
  });

  it('kills the whole process group on stop: no grandchild survives', async () => {
    const c = spawnChild(node, ['-e', WITH_GRANDCHILD], { grace: { term: 10_000 } });
    const grandchild = Number(await firstStdout(c));
    expect(alive(grandchild)).toBe(true);
    await c.stop();
    expect(await gone(grandchild)).toBe(true);
  });

  it('kills grandchildren left behind when the child exits by itself', async () => {
    const c = spawnChild(node, [
      '-e',
      WITH_GRANDCHILD.replace('setInterval(() => {}, 1000);', 'setTimeout(() => process.exit(0), 200);'),
    ]);
    const grandchild = Number(await firstStdout(c));
    expect((await c.exited).code).toBe(0);
    expect(await gone(grandchild)).toBe(true);
  });
});

describe('when the parent dies without stopping its child', () => {
  const wrapper = pathToFileURL(fileURLToPath(new URL('./child-process.ts', import.meta.url))).href;
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

  /** Runs a parent process that starts a child with `mode` and prints the child's pid; returns both pids. */
  async function orphan(mode: 'watchdog' | 'stdin'): Promise<{ parent: number; child: number }> {
    const childCode =
      mode === 'stdin'
        ? 'process.stdin.resume(); process.stdin.on("end", () => process.exit(0)); setInterval(() => {}, 1000)'
        : 'setInterval(() => {}, 1000)';
    const script = path.join(dir.path, `parent-${mode}.ts`);
    writeFileSync(
      script,
      `import { spawnChild } from ${JSON.stringify(wrapper)};
const c = spawnChild(process.execPath, ['-e', ${JSON.stringify(childCode)}], { parentDeath: ${JSON.stringify(mode)} });
console.log(String(c.pid));
setInterval(() => {}, 1000);`,
    );
    const parent = spawn(node, ['--import', tsx, script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const child = await new Promise<number>((resolve) =>
      createInterface({ input: parent.stdout }).once('line', (l) => resolve(Number(l))),
    );
    return { parent: parent.pid!, child };
  }

  it('the watchdog ends a child that does not cooperate', async () => {
    const { parent, child } = await orphan('watchdog');
    expect(alive(child)).toBe(true);
    process.kill(parent, 'SIGKILL');
    expect(await gone(child)).toBe(true);
  }, 30_000);

  it('a child watching its stdin pipe ends on EOF', async () => {
    const { parent, child } = await orphan('stdin');
    expect(alive(child)).toBe(true);
    process.kill(parent, 'SIGKILL');
    expect(await gone(child)).toBe(true);
  }, 30_000);
});

describe('forkChild', () => {
  it('talks JSON over IPC and stops by disconnecting', async () => {
    const mod = path.join(dir.path, 'echo.mjs');
    writeFileSync(
      mod,
      `process.on('message', (m) => process.send({ echo: m }));
process.on('disconnect', () => { console.error('bye'); process.exit(0); });
process.send({ ready: true });`,
    );
    const steps: string[] = [];
    const c = forkChild(mod, [], { grace: { polite: 20_000 }, onEscalate: (s) => steps.push(s) });
    const messages: unknown[] = [];
    const ready = new Promise<void>((resolve) =>
      c.onMessage((m) => {
        messages.push(m);
        if (messages.length === 2) resolve();
      }),
    );
    expect(c.send({ n: 1 })).toBe(true);
    await ready;
    expect(messages).toContainEqual({ echo: { n: 1 } });
    const exit = await c.stop();
    expect(exit.code).toBe(0);
    expect(steps).toEqual([]);
    expect(c.tail()).toEqual(['bye']);
  });
});
