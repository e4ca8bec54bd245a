// Electronegativity (Doyensec's Electron security scanner), run on the desktop shell's sources
// through its API: no high-severity finding may land. (It tries to fetch Electron's release list
// for one of its checks; offline that check says so and the others still run.)
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

interface Finding {
  id: string;
  file: string;
  location?: { line: number };
  severity: { name: string };
  description: string;
}
type Run = (options: Record<string, unknown>) => Promise<{ issues: Finding[]; errors: unknown[] }>;

const root = path.resolve(import.meta.dirname, '../..');
const mod = createRequire(import.meta.url)('@doyensec/electronegativity') as { default?: Run } | Run;
const run: Run = typeof mod === 'function' ? mod : mod.default!;

async function scan(fill: (input: string) => void): Promise<string[]> {
  const input = mkdtempSync(path.join(tmpdir(), 'labforge-eneg-'));
  try {
    fill(input);
    cpSync(path.join(root, 'package.json'), path.join(input, 'package.json'));
    const log = console.log;
    console.log = () => undefined; // its progress output
    try {
      const result = await run({ input, isRelative: true, customScan: [], excludeFromScan: [], parserPlugins: [] });
      return result.issues.map((i) => `${i.severity.name} ${i.id} ${i.file}:${i.location?.line ?? '?'}`);
    } finally {
      console.log = log;
    }
  } finally {
    rmSync(input, { recursive: true, force: true });
  }
}

const severe = (s: string): boolean => s.startsWith('HIGH') || s.startsWith('CRITICAL');

describe('Electronegativity', () => {
  it('finds nothing of high severity in the main process and preload', async () => {
    const seen = await scan((input) => {
      for (const part of ['electron/main', 'electron/preload']) {
        cpSync(path.join(root, part), path.join(input, part), {
          recursive: true,
          filter: (f) => !f.endsWith('.test.ts'),
        });
      }
    });
    // It did read our code: it flags the (allowlisted, reviewed) openExternal call for review.
    expect(seen.some((s) => s.includes('OPEN_EXTERNAL_JS_CHECK'))).toBe(true);
    expect(seen.filter(severe)).toEqual([]);
  });

  it('would fail on a window with Node in the renderer (the check can fail)', async () => {
    const seen = await scan((input) =>
      writeFileSync(
        path.join(input, 'bad.js'),
        "const { BrowserWindow } = require('electron');\n" +
          'new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n',
      ),
    );
    expect(seen.filter(severe).length).toBeGreaterThan(0);
  });
});
