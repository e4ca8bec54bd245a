import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temp folder removed after the test file (pass to afterAll/afterEach). */
export function tempDir(prefix = 'labforge-test-'): { path: string; remove(): void } {
  const p = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { path: p, remove: () => rmSync(p, { recursive: true, force: true }) };
}
