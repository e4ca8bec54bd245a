import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { JobParams, PythonStatus } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import { defineJob, type JobContext } from '../jobs/job-kind.js';
import type { EventBus } from '../rpc/event-bus.js';
import type { KvStore } from '../store/kv-store.js';
import { findNativeDir, venvPython } from '../training/native-paths.js';
import { CommandFailed, runLines } from '../util/run-lines.js';
import { defaultCandidates, findSystemPython, installAdvice, probePython, versionString } from './interpreter.js';
import { PipProgress, requirementCount } from './pip-progress.js';
import { lockWithoutTorch, pinnedTorch, torchPlan } from './torch-plan.js';

const KV_PATH = 'python.path';
const KV_TRUSTED = 'python.trusted';
const VERIFY =
  'import json, torch, transformers, peft, safetensors, sentencepiece; print(json.dumps({"torch": torch.__version__, "cuda": torch.cuda.is_available()}))';

export type SetupParams = JobParams<'python.setup'>;

/**
 * Finds Python, creates LabForge's own virtual environment under the data dir and installs the
 * trainer's pinned requirements, or adopts an environment the user names.
 */
export class PythonEnvService {
  readonly managedVenv: string;

  constructor(
    private readonly dataDir: string,
    private readonly kv: KvStore,
    private readonly bus: EventBus,
    private readonly opts: {
      candidates?: string[];
      nativeDir?: string;
      /** The CUDA version the NVIDIA driver supports, from the last hardware scan. */
      driverCuda?: () => string | null;
    } = {},
  ) {
    this.managedVenv = path.join(dataDir, 'python');
  }

  /**
   * Interpreters the core may run on a window's or browser's request: the ones it finds itself,
   * its own environments, the adopted one, and those the user picked in a native dialog (`trust`).
   */
  async trustedInterpreters(signal?: AbortSignal): Promise<string[]> {
    // Cheap on purpose (it guards every request that names an interpreter): no package checks,
    // and the system search is remembered for a minute.
    if (!this.systemSearch || Date.now() - this.systemSearch.at > 60_000) {
      this.systemSearch = {
        at: Date.now(),
        found: findSystemPython(this.opts.candidates ?? defaultCandidates(), signal),
      };
    }
    const { found } = await this.systemSearch.found;
    const picked = this.kv.get<string[]>(KV_TRUSTED) ?? [];
    const nativeDir = this.opts.nativeDir ?? findNativeDir();
    return [
      found?.path,
      process.env.LABFORGE_PYTHON,
      this.configuredPython(),
      venvPython(this.managedVenv),
      venvPython(path.join(nativeDir, '.venv')),
      ...picked,
    ].filter((p): p is string => typeof p === 'string' && p !== '');
  }

  private systemSearch: { at: number; found: ReturnType<typeof findSystemPython> } | null = null;

  /** Adds an interpreter the user picked in the desktop app's file dialog, once it proves to be Python. */
  async trust(file: string, signal?: AbortSignal): Promise<void> {
    const i = await probePython(file, signal);
    if (!i)
      throw new AppError('PYTHON_MISSING', `${file} is not a working Python interpreter.`, { hint: installAdvice() });
    const picked = new Set(this.kv.get<string[]>(KV_TRUSTED) ?? []);
    picked.add(file);
    this.kv.set(KV_TRUSTED, [...picked]);
  }

  /** The interpreter the user adopted, if any (else the trainer falls back to the managed venv). */
  configuredPython(): string | null {
    return this.kv.get<string>(KV_PATH);
  }

  async status(signal?: AbortSignal): Promise<PythonStatus> {
    const { found, tooOld } = await findSystemPython(this.opts.candidates ?? defaultCandidates(), signal);
    const problem = found
      ? null
      : tooOld.length
        ? `Python ${versionString(tooOld[0]!)} is too old (3.10 or newer needed). ${installAdvice()}`
        : `Python was not found. ${installAdvice()}`;
    const configured = this.configuredPython();
    // The same interpreter the trainer would use: the adopted one, else the first that exists.
    const nativeDir = this.opts.nativeDir ?? findNativeDir();
    const fallbacks = [
      process.env.LABFORGE_PYTHON,
      venvPython(this.managedVenv),
      venvPython(path.join(nativeDir, '.venv')),
    ];
    const candidate = configured ?? fallbacks.find((c): c is string => Boolean(c && existsSync(c))) ?? null;
    let env: PythonStatus['env'] = null;
    if (candidate) {
      const v = await this.verify(candidate, signal).catch(() => null);
      const managed = candidate === venvPython(this.managedVenv);
      env = { python: candidate, ready: v !== null, torch: v?.torch ?? null, cuda: v?.cuda ?? false, managed };
    }
    return { system: found ? { path: found.path, version: versionString(found) } : null, problem, env };
  }

  private async verify(python: string, signal?: AbortSignal): Promise<{ torch: string; cuda: boolean }> {
    let out = '';
    await runLines(python, ['-c', VERIFY], {
      onLine: (l) => (out = l),
      signal: signal ?? new AbortController().signal,
    });
    return JSON.parse(out) as { torch: string; cuda: boolean };
  }

  readonly setupJob = defineJob('python.setup', {
    title: (p) =>
      p.existingPython ? `Check Python environment ${p.existingPython}` : 'Set up the training environment (Python)',
    run: (ctx) => (ctx.params.existingPython ? this.adopt(ctx, ctx.params.existingPython) : this.create(ctx)),
  });

  private async adopt(ctx: JobContext<SetupParams>, python: string): Promise<PythonStatus> {
    ctx.report({ stage: 'verify', fraction: 0.2 });
    const i = await probePython(python, ctx.signal);
    if (!i)
      throw new AppError('PYTHON_MISSING', `${python} is not a working Python interpreter.`, {
        details: { path: python },
      });
    ctx.log(`Python ${versionString(i)} at ${i.path}`);
    const v = await this.verify(python, ctx.signal).catch((err: unknown) => {
      throw new AppError('ENV_SETUP_FAILED', `The environment of ${python} lacks the trainer's packages.`, {
        hint: `Install them there: ${python} -m pip install -r native/requirements.txt, or let LabForge create its own environment.`,
        details: { lastLines: err instanceof CommandFailed ? err.tail.slice(-10) : [] },
      });
    });
    ctx.log(`torch ${v.torch}, CUDA ${v.cuda ? 'available' : 'not available'}`);
    this.kv.set(KV_PATH, python);
    return this.finish();
  }

  private async create(ctx: JobContext<SetupParams>): Promise<PythonStatus> {
    const { signal } = ctx;
    ctx.report({ stage: 'find python', fraction: 0.01 });
    let base;
    if (ctx.params.python) {
      base = await probePython(ctx.params.python, signal);
      if (!base)
        throw new AppError('PYTHON_MISSING', `${ctx.params.python} is not a working Python interpreter.`, {
          hint: installAdvice(),
        });
    } else {
      const { found, tooOld } = await findSystemPython(this.opts.candidates ?? defaultCandidates(), signal);
      if (!found && tooOld[0]) {
        throw new AppError(
          'PYTHON_TOO_OLD',
          `Python ${versionString(tooOld[0])} at ${tooOld[0].path} is too old; the trainer needs 3.10 or newer.`,
          {
            hint: installAdvice(),
          },
        );
      }
      if (!found)
        throw new AppError('PYTHON_MISSING', 'Python was not found on this computer.', { hint: installAdvice() });
      base = found;
    }
    if (!(base.version[0] > 3 || (base.version[0] === 3 && base.version[1] >= 10))) {
      throw new AppError(
        'PYTHON_TOO_OLD',
        `Python ${versionString(base)} is too old; the trainer needs 3.10 or newer.`,
        { hint: installAdvice() },
      );
    }
    ctx.log(`Using Python ${versionString(base)} at ${base.path}`);

    const nativeDir = this.opts.nativeDir ?? findNativeDir();
    const lock = await fs.readFile(path.join(nativeDir, 'requirements.txt'), 'utf8');
    const driverCuda = this.opts.driverCuda?.() ?? null;
    const plan = torchPlan(driverCuda);
    const withCudaExtras = ctx.params.cuda ?? driverCuda !== null;
    const extras = withCudaExtras ? await fs.readFile(path.join(nativeDir, 'requirements-cuda.txt'), 'utf8') : '';
    const hash = createHash('sha256')
      .update(versionString(base))
      .update(lock)
      .update(extras)
      .update(JSON.stringify(plan))
      .digest('hex')
      .slice(0, 16);
    const venv = this.managedVenv;
    const py = venvPython(venv);
    const stampFile = path.join(venv, '.labforge-stamp');
    const stamp = await fs.readFile(stampFile, 'utf8').catch(() => '');
    if (stamp.trim() === hash && existsSync(py)) {
      ctx.log('The environment is already up to date');
      this.kv.set(KV_PATH, null);
      return this.finish();
    }

    ctx.report({ stage: 'create venv', fraction: 0.03 });
    await fs.rm(venv, { recursive: true, force: true });
    // base.path is the interpreter's own sys.executable: one path, never split on spaces.
    try {
      await runLines(base.path, ['-m', 'venv', venv], { onLine: (l) => ctx.log(l, 'debug'), signal });
    } catch (err) {
      const tail = err instanceof CommandFailed ? err.tail : [];
      const ensurepip = tail.some((l) => /ensurepip|python3-venv/.test(l));
      throw new AppError('ENV_SETUP_FAILED', `Could not create a virtual environment in ${venv}.`, {
        hint: ensurepip ? 'Install venv support: sudo apt install python3-venv' : tail.at(-1),
        details: { lastLines: tail.slice(-10) },
      });
    }

    // The lock goes in without a resolver run (--no-deps); an index build of torch and the CUDA
    // extras bring their own dependencies.
    const lockFile = path.join(venv, 'labforge-requirements.txt');
    await fs.writeFile(lockFile, plan.source === 'pypi' ? lock : lockWithoutTorch(lock));
    const steps: Array<{ what: string; args: string[] }> = [
      { what: 'the pinned packages', args: ['--no-deps', '-r', lockFile] },
    ];
    if (plan.source === 'index') {
      ctx.log(`The NVIDIA driver supports CUDA ${driverCuda}: installing PyTorch's ${plan.variant} build`);
      steps.push({ what: `PyTorch (${plan.variant})`, args: [pinnedTorch(lock), '--index-url', plan.url] });
    }
    if (extras)
      steps.push({
        what: 'the CUDA extras (bitsandbytes, deepspeed, triton)',
        args: ['-r', path.join(nativeDir, 'requirements-cuda.txt')],
      });
    const total = requirementCount(lock) + requirementCount(extras);
    const progress = new PipProgress(total);
    const uv = await probeUv(signal);
    ctx.log(
      `Installing ${total} pinned packages with ${uv ? 'uv' : 'pip'} (the CUDA libraries of torch are large: this can take a while)`,
    );
    for (const step of steps) {
      const [cmd, args] = uv
        ? [uv, ['pip', 'install', '--python', py, ...step.args]]
        : [py, ['-m', 'pip', 'install', '--progress-bar', 'off', '--disable-pip-version-check', ...step.args]];
      try {
        await runLines(cmd, args, {
          signal,
          onLine: (l) => {
            ctx.log(l, 'debug');
            if (progress.feed(l))
              ctx.report({
                stage: progress.stage,
                fraction: 0.05 + 0.9 * progress.fraction,
                metrics: { packages: progress.count, total },
              });
          },
        });
      } catch (err) {
        if (signal.aborted) throw err;
        const tail = err instanceof CommandFailed ? err.tail : [];
        const errLine =
          [...tail].reverse().find((l) => /^ERROR|error:/i.test(l.trim())) ?? tail.at(-1) ?? (err as Error).message;
        throw new AppError('ENV_SETUP_FAILED', `Installing ${step.what} failed: ${errLine.trim()}`, {
          hint: "Check the network connection and free disk space, then run the setup again; the log has pip's full output.",
          details: { lastLines: tail.slice(-15) },
        });
      }
    }
    ctx.report({ stage: 'verify', fraction: 0.97 });
    const v = await this.verify(py, signal);
    ctx.log(`torch ${v.torch}, CUDA ${v.cuda ? 'available' : 'not available'}`);
    await fs.writeFile(stampFile, hash);
    this.kv.set(KV_PATH, null);
    return this.finish();
  }

  private async finish(): Promise<PythonStatus> {
    const s = await this.status();
    this.bus.emit('python.changed', s);
    return s;
  }
}

async function probeUv(signal: AbortSignal): Promise<string | null> {
  try {
    await runLines('uv', ['--version'], { onLine: () => undefined, signal });
    return 'uv';
  } catch {
    return null;
  }
}
