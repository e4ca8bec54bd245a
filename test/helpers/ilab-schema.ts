import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { cachedVenvPython } from './cached-venv.js';

const run = promisify(execFile);
const REQUIREMENTS = path.resolve('test/helpers/ilab-schema-requirements.txt');
export const VERDICTS_SCRIPT = path.resolve('test/helpers/ilab_verdicts.py');

export interface IlabVerdict {
  errors: number;
  warnings: number;
  version: number;
  messages: string[];
}

/** A Python with the pinned `instructlab-schema` (and its yamllint). */
export const ilabSchemaPython = (): Promise<string> =>
  cachedVenvPython({
    name: 'ilab-schema',
    requirements: REQUIREMENTS,
    check: 'import instructlab.schema, yamllint',
    what: 'instructlab-schema',
  });

/** instructlab-schema's verdicts on `files` (relative to `cwd`), called the way ilab and its SDG call it. */
export async function ilabVerdicts(python: string, cwd: string, files: string[]): Promise<Record<string, IlabVerdict>> {
  const { stdout } = await run(python, [VERDICTS_SCRIPT, ...files], { cwd, timeout: 240_000, maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as Record<string, IlabVerdict>;
}
