import { PYTHON_ENV, spawnChild } from '../util/child-process.js';

export interface Interpreter {
  path: string;
  version: [number, number, number];
}

export const MIN_PYTHON: [number, number] = [3, 10];

const PROBE = 'import sys, json; print(json.dumps({"v": list(sys.version_info[:3]), "exe": sys.executable}))';

/**
 * Runs an interpreter and reads its version; null when it is not a working one. A string is one
 * executable path, never split (a path may contain spaces, and a caller's value must not smuggle
 * in arguments); an array is our own candidate command such as `['py', '-3']`.
 */
export async function probePython(cmd: string | readonly string[], signal?: AbortSignal): Promise<Interpreter | null> {
  const [exe, ...pre] = typeof cmd === 'string' ? [cmd] : cmd;
  if (!exe) return null;
  try {
    const lines: string[] = [];
    const deadline = AbortSignal.timeout(15_000);
    const child = spawnChild(exe, [...pre, '-c', PROBE], {
      allowEnv: [PYTHON_ENV],
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      grace: { term: 2000 },
    });
    child.onStdoutLine((l) => void (l.trim() && lines.push(l)));
    const exit = await child.exited;
    if (exit.code !== 0) return null;
    const j = JSON.parse(lines.at(-1) ?? '') as { v: [number, number, number]; exe: string };
    return { path: j.exe || exe, version: j.v };
  } catch {
    return null;
  }
}

export const versionString = (i: Interpreter): string => i.version.join('.');

export const isSupported = (i: Interpreter): boolean =>
  i.version[0] > MIN_PYTHON[0] || (i.version[0] === MIN_PYTHON[0] && i.version[1] >= MIN_PYTHON[1]);

/** What to tell a user without a usable Python, for their platform. */
export function installAdvice(platform = process.platform): string {
  if (platform === 'darwin') return 'Install Python 3.11 (brew install python@3.11, or the installer from python.org).';
  if (platform === 'win32') return 'Install Python 3.11 from python.org (tick "Add python.exe to PATH").';
  return 'Install Python 3.10 or newer with venv support (Debian/Ubuntu: sudo apt install python3 python3-venv; Fedora: sudo dnf install python3).';
}

export function defaultCandidates(platform = process.platform): string[] {
  return platform === 'win32'
    ? ['py -3', 'python', 'python3']
    : ['python3.12', 'python3.11', 'python3.10', 'python3', 'python'];
}

/** The first supported interpreter among `candidates`, or why there is none. */
export async function findSystemPython(
  candidates: string[],
  signal?: AbortSignal,
): Promise<{ found: Interpreter | null; tooOld: Interpreter[] }> {
  const tooOld: Interpreter[] = [];
  for (const c of candidates) {
    const i = await probePython(c.split(' '), signal); // our own list: `py -3` is a command with an argument
    if (!i) continue;
    if (isSupported(i)) return { found: i, tooOld };
    tooOld.push(i);
  }
  return { found: null, tooOld };
}
