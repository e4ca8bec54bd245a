import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jobParams, type AppInfo, type PythonStatus } from '../shared/contract/index.js';
import { AppError } from '../shared/errors.js';
import { FitService } from './fit/fit-service.js';
import { listProfiles } from './fit/profiles.js';
import { HardwareService, type HardwareServiceOptions } from './hardware/hardware-service.js';
import { GpuLock } from './jobs/gpu-lock.js';
import { JobManager } from './jobs/job-manager.js';
import { EventBus } from './rpc/event-bus.js';
import { Router, type Handlers } from './rpc/router.js';
import { openDatabase, type Db } from './store/database.js';
import { KvStore } from './store/kv-store.js';
import { diskBenchmarkJob } from './system/disk-benchmark.js';
import { exportJob } from './export/export-job.js';
import { PythonEnvService } from './python/python-env-service.js';
import { readTrainingMetrics, runDirOf, runIdOf, trainingRunJob } from './training/training-run.js';
import { chatHandlers } from './chat/chat-handlers.js';
import { ExportReuse } from './export/export-reuse.js';
import { ChatService } from './chat/chat-service.js';
import { ConversationStore } from './chat/conversation-store.js';
import { ModelHost, type ModelHostOptions } from './chat/model-host.js';
import type { Launcher } from './util/launcher.js';
import { EndpointService } from './endpoint/endpoint-service.js';
import { evalHandlers } from './eval/eval-handlers.js';
import { evalJob, type EvalDeps } from './eval/eval-job.js';
import { EvalStore } from './eval/eval-store.js';
import { HostAnswerSource } from './eval/host-answers.js';
import { RunEvaluation } from './eval/run-evaluation.js';
import { ModelLibrary } from './models/model-library.js';
import { ModelDownloads, type ModelDownloadsOptions } from './models/model-downloads.js';
import { hfCacheDir } from './models/hf-cache.js';
import { modelsHandlers } from './models/models-handlers.js';
import { catalogEntryForFit } from './models/model-catalog.js';
import { taxonomyHandlers } from './taxonomy/taxonomy-handlers.js';
import { TaxonomyService } from './taxonomy/taxonomy-service.js';
import { inspectGguf } from './models/gguf-file.js';
import { sdgHandlers } from './sdg/sdg-handlers.js';
import { SdgService, type TeacherFactory } from './sdg/sdg-service.js';
import { Teachers } from './teacher/create-teacher.js';
import { readAppVersion } from './util/app-version.js';
import { cleanDebris, ensureWritableDir } from './util/fs.js';
import { acquireDataDir, describeOwner } from './store/data-dir-lock.js';
import { checkExecutableParams, ExecutableGuard } from './python/executable-guard.js';
import { PipelineService, pipelineHandlers } from './pipeline/pipeline-service.js';
import { PipelineStore } from './pipeline/pipeline-store.js';
import { diagnosticsHandlers } from './diagnostics/diagnostics-handlers.js';

/** One GPU lock file per machine (all users: it is created readable by all). `LABFORGE_GPU_LOCK=none` turns it off. */
function defaultGpuLockFile(): string | null {
  const env = process.env.LABFORGE_GPU_LOCK;
  if (env === 'none') return null;
  return env || path.join(os.tmpdir(), 'labforge-gpu.lock');
}

export interface CoreOptions {
  dataDir: string;
  /** How long a cancelled trainer may take to checkpoint before SIGTERM / SIGKILL (tests shorten it). */
  trainerGraceMs?: { cancel: number; term: number };
  /** Interpreters to look for (tests point this at fakes). */
  pythonCandidates?: string[];
  /** Hardware detection (tests put a fake nvidia-smi on its PATH, shorten deadlines). */
  hardware?: HardwareServiceOptions;
  /**
   * `owner` (the desktop app, `labforge serve`): this process must own the data folder, else
   * DATA_DIR_LOCKED. `auto` (the CLI): own it when free, otherwise read beside the live owner
   * (jobs are listed, none start). Default `auto`.
   */
  access?: 'owner' | 'auto';
  /** Names this process in the lock file (`labforge serve`, `LabForge desktop`, ...). */
  what?: string;
  /** The machine-wide GPU lock file; null = only this process's queue. Default: `LABFORGE_GPU_LOCK` or the temp dir. */
  gpuLockFile?: string | null;
  /** The desktop app's native "open file" dialog (`python.pick`); absent in the browser UI and the CLI. */
  pickFile?: (o: { title: string }) => Promise<string | null>;
  /** better-sqlite3's binary for this runtime (`pickSqliteBinding`); null/omitted = the default (Node's). */
  sqliteBinding?: string | null;
  /** Starts Node children (model host, GGUF check); the desktop app passes Electron's utilityProcess. */
  launcher?: Launcher;
  /** The model host child process (tests pass `{ threads: 1 }`). */
  modelHost?: ModelHostOptions;
  /** SDG's teachers and judges (tests may script one); default: `teachers.create`. */
  sdgTeacher?: TeacherFactory;
  /** Download tuning and test hooks (free-space check, connections, stall timeout). */
  downloads?: Partial<Omit<ModelDownloadsOptions, 'library' | 'modelsDir'>>;
}

export interface Core extends AsyncDisposable {
  readonly dataDir: string;
  /** Whether this process owns the data folder, or reads beside the live owner it names. */
  readonly access: { role: 'owner' } | { role: 'reader'; owner: string };
  readonly db: Db;
  readonly bus: EventBus;
  readonly jobs: JobManager;
  readonly hardware: HardwareService;
  /** The one memory estimator (chat and training) behind `hardware.fit`. */
  readonly fit: FitService;
  readonly python: PythonEnvService;
  readonly taxonomy: TaxonomyService;
  /** Models on disk (GGUF and safetensors) with their lineage. */
  readonly models: ModelLibrary;
  /** Hub downloads (the `models.download` job). */
  readonly downloads: ModelDownloads;
  /** The crash-isolated node-llama-cpp child process (chat, local teachers and judges). */
  readonly modelHost: ModelHost;
  /** Teachers and judges: `create(MODEL_OR_URL)` gives a local GGUF (model host) or an OpenAI-compatible endpoint. */
  readonly teachers: Teachers;
  readonly conversations: ConversationStore;
  readonly chat: ChatService;
  /** The OpenAI-compatible endpoint. */
  readonly endpoint: EndpointService;
  readonly router: Router;
  info(transport: AppInfo['transport']): AppInfo;
  dispose(): Promise<void>;
}

export const APP_VERSION: string = readAppVersion();

/** The composition root: every service, wired by hand. Electron, `labforge serve`, the CLI and tests all start here. */
export async function createCore(opts: CoreOptions): Promise<Core> {
  const dataDir = path.resolve(opts.dataDir);
  await ensureWritableDir(dataDir, 0o700);
  const access = acquireDataDir(dataDir, opts.what ?? `labforge ${process.argv[2] ?? ''}`.trim());
  if (access.role === 'reader' && opts.access === 'owner') {
    throw new AppError('DATA_DIR_LOCKED', `The data folder ${dataDir} is in use by ${describeOwner(access.owner)}.`, {
      hint: 'Use that LabForge, stop it first, or pick another --data-dir.',
      details: { owner: access.owner },
    });
  }
  const readOnlyBeside = access.role === 'reader' ? describeOwner(access.owner) : null;
  // Only the owner clears what a crash left: a reader's owner may be writing those files right now.
  if (!readOnlyBeside) await cleanDebris(dataDir);
  let db: Db;
  let version: number;
  try {
    ({ db, version } = openDatabase(path.join(dataDir, 'labforge.db'), { nativeBinding: opts.sqliteBinding }));
  } catch (err) {
    access.release();
    throw err;
  }
  const bus = new EventBus();
  const kv = new KvStore(db);
  const gpuLock = new GpuLock(opts.gpuLockFile === undefined ? defaultGpuLockFile() : opts.gpuLockFile);
  const jobs = new JobManager(db, bus, gpuLock, readOnlyBeside);
  const hardware = new HardwareService(dataDir, kv, bus, {
    trainerStatus: (signal): Promise<PythonStatus> => python.status(signal),
    ...opts.hardware,
  });
  jobs.register(hardware.scanJob);
  jobs.register(diskBenchmarkJob(dataDir));
  const cudaGpus = (): number => (hardware.last()?.gpus ?? []).filter((g) => g.vendor === 'NVIDIA').length;
  const python = new PythonEnvService(dataDir, kv, bus, {
    candidates: opts.pythonCandidates,
    driverCuda: () => hardware.last()?.gpus.find((g) => g.cudaVersion)?.cudaVersion ?? null,
  });
  jobs.register(python.setupJob);
  const executables = new ExecutableGuard((signal?: AbortSignal) => python.trustedInterpreters(signal));

  const taxonomy = new TaxonomyService(dataDir, kv, bus);
  const models = new ModelLibrary(db, bus, path.join(dataDir, 'models'));
  const fit = new FitService({
    hardware: async () => hardware.last() ?? (await hardware.scanNow()),
    libraryPath: (idOrName) => models.find(idOrName)?.path ?? null,
    catalog: catalogEntryForFit,
  });
  const hfCache = opts.downloads?.hfCache ?? ((): string => hfCacheDir());
  const downloads = new ModelDownloads({
    library: models,
    modelsDir: path.join(dataDir, 'models'),
    hfCache,
    ...opts.downloads,
  });
  jobs.register(downloads.job);
  jobs.onDidChangeJob((job) => void downloads.onJobChanged(job));
  const modelHost = new ModelHost({ launcher: opts.launcher, ...opts.modelHost });
  const conversations = new ConversationStore(db);
  if (!readOnlyBeside) conversations.markInterrupted();
  const chat = new ChatService(conversations, models, modelHost, bus, { kv, fit });
  const endpointKeyFile = path.join(dataDir, 'endpoint-api-key');
  const endpoint = new EndpointService({
    host: modelHost,
    library: models,
    chat,
    bus,
    keyFile: endpointKeyFile,
  });
  const teachers = new Teachers({ host: modelHost, models, store: kv });
  const evalStore = new EvalStore(db);
  const evalDeps: EvalDeps = {
    dataDir,
    store: evalStore,
    configuredPython: () => python.configuredPython(),
    libraryModelPath: (idOrName) => models.list().find((m) => m.id === idOrName || m.name === idOrName)?.path ?? null,
    openJudge: (spec, model, signal) => teachers.create(spec, { model }, signal),
    ggufSource: () => new HostAnswerSource(modelHost),
  };
  jobs.register(
    trainingRunJob({
      dataDir,
      bus,
      gpuCount: cudaGpus,
      configuredPython: () => python.configuredPython(),
      libraryModelPath: (idOrName) =>
        models.list({ format: 'safetensors' }).find((m) => m.id === idOrName || m.name === idOrName)?.path ?? null,
      graceMs: opts.trainerGraceMs,
      evaluation: (settings, run) => new RunEvaluation(evalDeps, settings, run),
    }),
  );
  jobs.register(
    exportJob({
      dataDir,
      launcher: opts.launcher,
      configuredPython: () => python.configuredPython(),
      register: async (r) =>
        (
          await models.register({
            name: path.basename(r.path, '.gguf'),
            format: 'gguf',
            path: r.path,
            sizeBytes: r.sizeBytes,
            lineage: {
              base: r.lineage.baseModel,
              run: r.lineage.runId ?? runIdOf(dataDir, r.lineage.checkpoint),
              taxonomyCommit: r.lineage.taxonomyCommit,
              checkpoint: r.lineage.checkpoint,
            },
          })
        ).id,
    }),
  );

  jobs.register(evalJob(evalDeps));
  const exportReuse = new ExportReuse({ jobs: () => jobs, library: models });

  const sdg = new SdgService({
    dataDir,
    bus,
    jobs: () => jobs,
    createTeacher: opts.sdgTeacher ?? ((spec, signal) => teachers.create(spec.source, spec, signal)),
    taxonomyRoot: async () => (await taxonomy.current())?.root ?? null,
    localParameters: async (source) => {
      const m = models.list({ format: 'gguf' }).find((x) => x.id === source || x.name === source);
      const file = m?.path ?? (source.endsWith('.gguf') ? source : null);
      if (!file) return null;
      return (await inspectGguf(file).catch(() => null))?.summary.parameterCount ?? null;
    },
  });
  jobs.register(sdg.job);

  const pipelineStore = new PipelineStore(db, bus);
  const pipeline = new PipelineService({
    dataDir,
    jobs: () => jobs,
    store: pipelineStore,
    library: models,
    gpus: async () => {
      const gpus = (hardware.last() ?? (await hardware.scanNow())).gpus;
      const mem = gpus.map((g) => g.vramMb ?? 0).filter((m) => m > 0);
      return { count: gpus.length, memoryMb: mem.length ? Math.max(...mem) : null };
    },
    freeGpuMemory: async () => {
      for (const m of modelHost.status().loaded) await modelHost.unload(m.path).catch(() => undefined);
    },
    reusableExport: (source, quant) => {
      const id = exportReuse.find(source)?.modelId;
      const m = id ? models.find(id) : null;
      if (!m) return null;
      // The export's record beside the GGUF says which type it was converted to.
      let made: { quant?: unknown };
      try {
        made = JSON.parse(readFileSync(`${m.path}.labforge.json`, 'utf8')) as { quant?: unknown };
      } catch {
        return null;
      }
      return made.quant === quant ? { modelId: m.id, path: m.path } : null;
    },
    gpuStats: () => hardware.gpuStats(),
    trainingMetrics: async (jobId) => {
      const params = jobParams('training.run', jobs.get(jobId));
      return params ? readTrainingMetrics(runDirOf(dataDir, jobId, params)) : null;
    },
    evalSelections: (runId) => evalStore.selections(runId),
  });
  jobs.register(pipeline.job);

  const info = (transport: AppInfo['transport']): AppInfo => ({
    name: 'LabForge',
    version: APP_VERSION,
    dataDir,
    transport,
    platform: `${process.platform}-${process.arch}`,
    nodeVersion: process.versions.node,
    databaseVersion: version,
  });

  const handlers: Handlers = {
    'app.info': (_p, ctx) => info(ctx.transport),
    'app.ping': (p) => ({ value: p.value ?? null, time: Date.now() }),
    'jobs.list': (p) => jobs.list(p),
    'jobs.get': (p) => jobs.get(p.id),
    'jobs.cancel': (p) => jobs.cancel(p.id),
    'jobs.resume': (p) => jobs.resume(p.id),
    'jobs.log': (p) => jobs.log(p.id, p.afterSeq, p.limit),
    'jobs.start': async (p, ctx) => {
      await checkExecutableParams(executables, p.params, ctx.transport);
      return jobs.start(p.kind, p.params);
    },
    'system.scan': () => jobs.start(hardware.scanJob.kind, {}),
    'system.hardware': () => hardware.last(),
    'system.benchmarkDisk': (p) => jobs.start('system.benchmarkDisk', p),
    'hardware.report': () => hardware.report(),
    'hardware.profiles': () => listProfiles(),
    'hardware.gpuStats': () => hardware.gpuStats(),
    'hardware.fit': (p) => fit.fit(p),
    'python.status': (_p, ctx) => python.status(ctx.signal),
    'python.setup': async (p, ctx) => {
      await checkExecutableParams(executables, p, ctx.transport);
      return jobs.start('python.setup', p);
    },
    'python.pick': async (_p, ctx) => {
      if (!opts.pickFile) {
        throw new AppError('UNSUPPORTED', 'Choosing a file needs the desktop app.', {
          hint: 'Use an interpreter LabForge found, or `labforge train --python PATH` in a terminal.',
        });
      }
      const picked = await opts.pickFile({ title: 'Choose a Python interpreter (3.10 or newer)' });
      if (picked) await python.trust(picked, ctx.signal);
      return { picked };
    },
    'export.gguf': async (p, ctx) => {
      await checkExecutableParams(executables, p, ctx.transport);
      return jobs.start('export.gguf', p);
    },
    'training.start': async (p, ctx) => {
      await checkExecutableParams(executables, p, ctx.transport);
      return jobs.start('training.run', p);
    },
    'training.metrics': (p) => {
      const job = jobs.get(p.jobId);
      const params = jobParams('training.run', job);
      if (!params) throw new AppError('NOT_FOUND', `Job ${p.jobId} is not a training run`);
      return readTrainingMetrics(runDirOf(dataDir, job.id, params));
    },
    ...taxonomyHandlers(taxonomy),
    ...sdgHandlers(sdg, jobs),
    ...chatHandlers({ library: models, chat, conversations, endpoint, bus }),
    'chat.checkpointModel': (p) => exportReuse.checkpointModel(p),
    ...modelsHandlers({ library: models, downloads, jobs, hfCache }),
    ...evalHandlers(evalStore, jobs),
    ...pipelineHandlers(pipeline, pipelineStore),
    'pipeline.start': async (p, ctx) => {
      await checkExecutableParams(executables, p, ctx.transport);
      return pipeline.start(p);
    },
    ...diagnosticsHandlers({
      dataDir,
      appVersion: APP_VERSION,
      databaseVersion: version,
      jobs,
      settings: kv,
      hardware,
      secretFiles: [endpointKeyFile],
      configuredPython: () => python.configuredPython(),
    }),
  };
  const router = new Router(handlers, bus);

  let disposed = false;
  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    await endpoint.dispose();
    await modelHost.dispose();
    hardware.dispose();
    await jobs.dispose();
    bus.dispose();
    db.close();
    access.release();
  };
  return {
    dataDir,
    access: readOnlyBeside ? { role: 'reader', owner: readOnlyBeside } : { role: 'owner' },
    db,
    bus,
    jobs,
    hardware,
    fit,
    python,
    taxonomy,
    models,
    downloads,
    modelHost,
    teachers,
    conversations,
    chat,
    endpoint,
    router,
    info,
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}
