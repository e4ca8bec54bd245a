import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChatTurn, HostStatus, LoadedModelInfo, LoadSettings, Sampling } from '../../shared/contract/index.js';
import { AppError, type ErrorInfo } from '../../shared/errors.js';
import { PendingRequests } from '../../shared/pending-requests.js';
import { forkChild, GPU_ENV, LLAMA_ENV, type Launcher, type ManagedChild } from '../util/child-process.js';
import { inspectGguf } from '../models/gguf-file.js';
import { Emitter } from '../util/emitter.js';
import {
  HOST_GPU_ENV,
  HOST_PARALLEL_ENV,
  HOST_THREADS_ENV,
  type EmbedInput,
  type EmbedResult,
  type GenerationResult,
  type HostMessage,
  type HostRequest,
  type ModelRef,
} from './model-host-protocol.js';
import type { LoglikItem, LoglikResult } from '../eval/gguf-loglik.js';
import type { ResponseFormat } from './response-format.js';
import type { StructuredRequest, StructuredResult } from './structured-generation.js';

export interface HostEntry {
  path: string;
  execArgv: string[];
}

export interface ModelHostOptions {
  /** CPU threads for generation; default: $LABFORGE_MODEL_THREADS, else the number of physical cores. Tests pass 1. */
  threads?: number;
  /** Parallel sequences per loaded model (batched generations). Default 4. */
  sequences?: number;
  gpu?: 'auto' | false;
  /** The host's entry script; default: the bundled `modelHost.js`, or the TypeScript source under tsx. */
  entry?: HostEntry;
  /** How long the host may take to exit on dispose before it is killed. */
  exitGraceMs?: number;
  /** Starts the host process (default: Node's fork; the Electron shell may plug in utilityProcess). */
  launcher?: Launcher;
}

/** What the host inherits on top of BASE_ENV: GPU runtimes and node-llama-cpp's and LabForge's settings. */
const HOST_ENV = [GPU_ENV, LLAMA_ENV];

type Request = HostRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

const STDERR_LINES = 40;
/** What a crash report carries of the host's stderr (`details.lastLines`). */
const REPORT_LINES = 10;

/** The bundled entry next to the main build, or (running from source) the .ts file under tsx. */
export function defaultHostEntry(): HostEntry {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const tsx = createRequire(import.meta.url).resolve('tsx');
    return {
      path: path.join(path.dirname(here), 'model-host-process.ts'),
      execArgv: ['--import', pathToFileURL(tsx).href],
    };
  }
  for (const rel of ['modelHost.js', '../modelHost.js']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return { path: p, execArgv: [] };
  }
  throw new AppError('INTERNAL', 'The model host entry (modelHost.js) is missing from this build');
}

async function physicalCores(): Promise<number> {
  try {
    const si = await import('systeminformation');
    const cpu = await si.cpu();
    if (cpu.physicalCores > 0) return cpu.physicalCores;
  } catch {
    // Fall through to a guess.
  }
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

/**
 * The app side of the model host child process. The process starts on the first request; when
 * it dies, pending requests fail with WORKER_CRASHED (naming what they were doing) and the next
 * request starts a fresh one.
 */
export class ModelHost implements AsyncDisposable {
  private child: ManagedChild | null = null;
  private starting: Promise<ManagedChild> | null = null;
  /** Answers awaited from the host, with what each was doing (for crash messages). */
  private readonly pending = new PendingRequests<{ what: string }>();
  private loaded: LoadedModelInfo[] = [];
  private lastCrash: HostStatus['lastCrash'] = null;
  private disposed = false;
  private readonly changed = new Emitter<HostStatus>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly opts: ModelHostOptions = {}) {}

  /** Sequences a model gets when its load settings do not say. */
  get defaultSequences(): number {
    return this.opts.sequences ?? 4;
  }

  /** Requests sent to the host and not answered yet (generations in flight, loads). */
  get activeRequests(): number {
    return this.pending.size;
  }

  status(): HostStatus {
    return {
      running: this.child !== null,
      pid: this.child?.pid ?? null,
      loaded: this.loaded,
      lastCrash: this.lastCrash,
    };
  }

  load(model: ModelRef, settings: LoadSettings, signal?: AbortSignal): Promise<LoadedModelInfo> {
    return this.request({ type: 'load', model, settings }, `loading ${model.name}`, signal) as Promise<LoadedModelInfo>;
  }

  async unload(modelPath: string): Promise<void> {
    if (!this.child) return;
    await this.request({ type: 'unload', path: modelPath }, `unloading ${path.basename(modelPath)}`);
    // The host announces its list after the answer; callers that ask right away see it gone already.
    if (this.loaded.some((l) => l.path === modelPath)) {
      this.loaded = this.loaded.filter((l) => l.path !== modelPath);
      this.changed.fire(this.status());
    }
  }

  /** A chat generation; `onText` gets the answer as it streams. Cancelling keeps the partial answer (stopReason `stopped`). */
  chat(
    req: {
      model: ModelRef;
      settings: LoadSettings;
      messages: ChatTurn[];
      sampling: Sampling;
      cacheKey?: string;
      responseFormat?: ResponseFormat;
    },
    opts: { signal?: AbortSignal; onText?: (text: string) => void } = {},
  ): Promise<GenerationResult> {
    return this.request(
      { type: 'chat', ...req },
      `answering with ${req.model.name}`,
      opts.signal,
      opts.onText,
    ) as Promise<GenerationResult>;
  }

  /** A raw text completion of `prompt` (no chat template). */
  complete(
    req: { model: ModelRef; settings: LoadSettings; prompt: string; sampling: Sampling; cacheKey?: string },
    opts: { signal?: AbortSignal; onText?: (text: string) => void } = {},
  ): Promise<GenerationResult> {
    return this.request(
      { type: 'complete', ...req },
      `completing with ${req.model.name}`,
      opts.signal,
      opts.onText,
    ) as Promise<GenerationResult>;
  }

  /** `n` answers constrained by a JSON schema (or free, `jsonSchema: null`), decoded together (local teachers, judges). */
  structured(
    req: StructuredRequest & { model: ModelRef; settings: LoadSettings },
    signal?: AbortSignal,
  ): Promise<StructuredResult> {
    return this.request(
      { type: 'structured', ...req },
      `generating with ${req.model.name}`,
      signal,
    ) as Promise<StructuredResult>;
  }

  /** Log-likelihoods of multiple-choice options under a GGUF model (evaluation). */
  loglik(
    req: { model: ModelRef; settings: LoadSettings; items: LoglikItem[] },
    signal?: AbortSignal,
  ): Promise<LoglikResult> {
    return this.request({ type: 'loglik', ...req }, `scoring with ${req.model.name}`, signal) as Promise<LoglikResult>;
  }

  /** Unit-length embedding vectors of texts or token ids; UNSUPPORTED for a model that cannot embed. */
  embed(
    req: { model: ModelRef; settings: LoadSettings; inputs: EmbedInput[] },
    signal?: AbortSignal,
  ): Promise<EmbedResult> {
    return this.request({ type: 'embed', ...req }, `embedding with ${req.model.name}`, signal) as Promise<EmbedResult>;
  }

  /** Exact token count of `text` under the model's tokenizer. */
  tokenize(req: { model: ModelRef; settings: LoadSettings; text: string }, signal?: AbortSignal): Promise<number> {
    return this.request({ type: 'tokenize', ...req }, `tokenizing with ${req.model.name}`, signal) as Promise<number>;
  }

  private async request(
    msg: Request,
    what: string,
    signal?: AbortSignal,
    onText?: (t: string) => void,
  ): Promise<unknown> {
    if (this.disposed) throw new AppError('CANCELLED', 'The model host is shutting down');
    signal?.throwIfAborted();
    if ('model' in msg) await this.checkFile(msg.model.path);
    const child = await this.ensureChild();
    return this.pending.open({
      meta: { what },
      send: (id) => {
        if (!child.send({ ...msg, id } as HostRequest)) throw new Error('the host is not connected');
      },
      signal,
      onAbort: (id) => child.send({ type: 'cancel', id } satisfies HostRequest),
      onPacket: (text) => onText?.(text as string),
      sendError: (err) =>
        new AppError('WORKER_CRASHED', `The model host could not take the request: ${(err as Error).message}`),
    });
  }

  /** Files checked already, by path, with the size and mtime they had then. */
  private readonly checked = new Map<string, string>();

  /**
   * Every load by path passes the GGUF header and tensor-bounds check (not only imports): a file
   * truncated or replaced since is refused with MODEL_INVALID here, before native code reads it.
   * Loaded models skip it; a changed file (size or mtime) is checked again.
   */
  private async checkFile(file: string): Promise<void> {
    if (this.loaded.some((l) => l.path === file)) return;
    const st = await stat(file).catch(() => null);
    const stamp = st ? `${st.size}:${st.mtimeMs}` : 'missing';
    if (this.checked.get(file) === stamp) return;
    await inspectGguf(file);
    this.checked.set(file, stamp);
  }

  private ensureChild(): Promise<ManagedChild> {
    if (this.child) return Promise.resolve(this.child);
    this.starting ??= this.spawn().finally(() => (this.starting = null));
    return this.starting;
  }

  private async spawn(): Promise<ManagedChild> {
    const entry = this.opts.entry ?? defaultHostEntry();
    const envThreads = Number(process.env.LABFORGE_MODEL_THREADS) || undefined;
    const threads = this.opts.threads ?? envThreads ?? (await physicalCores());
    const child = forkChild(entry.path, [], {
      execArgv: entry.execArgv,
      allowEnv: HOST_ENV,
      env: {
        ELECTRON_RUN_AS_NODE: '1',
        [HOST_THREADS_ENV]: String(threads),
        [HOST_PARALLEL_ENV]: String(this.defaultSequences),
        [HOST_GPU_ENV]: String(this.opts.gpu ?? 'auto'),
      },
      // Stop = disconnect (the host unloads and exits by itself), then SIGTERM, then SIGKILL.
      grace: { polite: this.opts.exitGraceMs ?? 3000, term: 2000 },
      tailLines: STDERR_LINES,
      launcher: this.opts.launcher,
    });
    await new Promise<void>((resolve, reject) => {
      const ready = child.onMessage((raw) => {
        ready.dispose();
        const m = raw as HostMessage;
        if (m.type === 'ready') resolve();
        else reject(new AppError('WORKER_CRASHED', 'The model host spoke out of turn while starting'));
      });
      void child.exited.then((exit) => {
        ready.dispose();
        reject(
          new AppError(
            'WORKER_CRASHED',
            exit.error
              ? `The model host could not start: ${exit.error.message}`
              : `The model host could not start (${exit.signal ?? `exit code ${exit.code}`}).`,
            { details: { lastLines: child.tail(REPORT_LINES) } },
          ),
        );
      });
    });
    child.onMessage((m) => this.receive(m as HostMessage));
    void child.exited.then((exit) => this.onExit(child, exit.code, exit.signal));
    this.child = child;
    this.changed.fire(this.status());
    return child;
  }

  private receive(m: HostMessage): void {
    if (m.type === 'loaded') {
      this.loaded = m.models;
      this.changed.fire(this.status());
      return;
    }
    if (m.type === 'ready') return;
    if (m.type === 'text') this.pending.packet(m.id, m.text);
    else if (m.type === 'result') this.pending.resolve(m.id, m.value);
    else this.pending.reject(m.id, AppError.from(m.error as ErrorInfo));
  }

  private onExit(child: ManagedChild, code: number | null, sig: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    this.loaded = [];
    const how = sig ? `it was killed by ${sig}` : `exit code ${code}`;
    if (!this.disposed) this.lastCrash = { time: Date.now(), message: `The model host stopped unexpectedly (${how}).` };
    this.pending.failAll(({ what }) =>
      this.disposed
        ? new AppError('CANCELLED', 'The model host was shut down')
        : new AppError('WORKER_CRASHED', `The model host stopped unexpectedly while ${what} (${how}).`, {
            hint: 'It restarts on the next request. If this keeps happening, the model file may be damaged or too big for this machine.',
            details: { lastLines: child.tail(REPORT_LINES) },
          }),
    );
    this.changed.fire(this.status());
  }

  /** Stops the host process: disconnect (it exits by itself), then SIGTERM and SIGKILL after the grace periods. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.starting?.catch(() => null);
    await this.child?.stop();
    this.changed.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
