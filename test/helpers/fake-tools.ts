import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const FAKE = path.resolve('test/fixtures/hardware/fake-nvidia-smi.sh');

/**
 * A PATH whose first folder holds an `nvidia-smi` that answers like the real tool on the machine
 * `mode` names (h100, 8xa100, l4, mig, old-driver, driver-missing, garbage, hang), from the recorded
 * outputs in test/fixtures/hardware. The rest of PATH stays, so `sh`, `awk` and `sleep` are found.
 */
export function fakeNvidiaSmiPath(dir: string, mode: string): string {
  const bin = path.join(dir, `bin-${mode}`);
  mkdirSync(bin, { recursive: true });
  const script = path.join(bin, 'nvidia-smi');
  writeFileSync(script, `#!/bin/sh\nexec "${FAKE}" ${mode} "$@"\n`);
  chmodSync(script, 0o755);
  return `${bin}${path.delimiter}${process.env.PATH ?? ''}`;
}

/** A PATH without nvidia-smi or rocm-smi (an empty folder, then only the system folders of the shell tools). */
export function pathWithoutGpuTools(dir: string): string {
  const bin = path.join(dir, 'bin-empty');
  mkdirSync(bin, { recursive: true });
  return [bin, '/usr/bin', '/bin'].join(path.delimiter);
}
