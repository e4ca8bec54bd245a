import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { JobParams } from '../../shared/contract/index.js';
import {
  sdgSampleSchema,
  sdgStatusSchema,
  type SdgFlowInfo,
  type SdgSample,
  type SdgStatus,
} from '../../shared/contract/sdg.js';
import { AppError } from '../../shared/errors.js';
import { defineJob } from '../jobs/job-kind.js';
import type { JobManager } from '../jobs/job-manager.js';
import type { EventBus } from '../rpc/event-bus.js';
import type { Teacher } from '../teacher/teacher.js';
import { writeFileAtomic } from '../util/fs.js';
import { builtinFlowsDir, loadFlowsDir, pickFlow } from './flow-loader.js';
import { selectLeaves } from './leaf-inputs.js';
import { updateCardAfterDiscards } from './dataset-card.js';
import { mixDatasets, type MixLeaf } from './mixer.js';
import { discardedFile, mixInputFile, readDiscarded, runGeneration, samplesFile, statusFile } from './sdg-run.js';
import { smallTeacherWarning } from './teacher-size.js';

export interface TeacherSpec {
  /** A library id, GGUF path or `http(s)://` URL (`MODEL_OR_URL`). */
  source: string;
  model?: string;
  apiKeyEnv?: string;
  concurrency?: number;
}

/** Turns `MODEL_OR_URL` into a Teacher (the teacher module's factory; tests pass their own). */
export type TeacherFactory = (spec: TeacherSpec, signal: AbortSignal) => Promise<Teacher>;

export interface SdgServiceDeps {
  dataDir: string;
  bus: EventBus;
  jobs: () => JobManager;
  createTeacher: TeacherFactory;
  /** The taxonomy the app has open (when the params name none). */
  taxonomyRoot: () => Promise<string | null>;
  /** A local GGUF teacher's parameter count from its metadata (null: unknown or not local). */
  localParameters?: (source: string) => Promise<number | null>;
}

type Params = JobParams<'sdg.generate'>;

/** Synthetic data generation: the `sdg.generate` job, its live status, the samples and discards, the flows. */
export class SdgService {
  private readonly live = new Map<string, SdgStatus>();
  private lastEvent = 0;
  private readonly trailing = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: SdgServiceDeps) {}

  outOf(jobId: string, params: { out?: string }): string {
    return params.out ? path.resolve(params.out) : path.join(this.deps.dataDir, 'runs', jobId, 'sdg');
  }

  private async taxonomyOf(p: { taxonomy?: string }): Promise<string> {
    const root = p.taxonomy ? path.resolve(p.taxonomy) : await this.deps.taxonomyRoot();
    if (!root)
      throw new AppError('NOT_FOUND', 'No taxonomy is open.', { hint: 'Open a taxonomy, or pass --taxonomy DIR.' });
    return root;
  }

  private async sizeWarning(source: string, model: string | undefined, t?: Teacher): Promise<string | null> {
    const local = !/^https?:\/\//i.test(source);
    const params = local ? ((await this.deps.localParameters?.(source)) ?? null) : null;
    const name = t?.info.model ?? model ?? (local ? path.basename(source) : '');
    return smallTeacherWarning({ kind: local ? 'local' : 'endpoint', model: name }, params);
  }

  /** The leaves and flows a run would use, and the warnings, without asking any model. */
  async preflight(
    p: Pick<Params, 'taxonomy' | 'base' | 'teacher' | 'teacherModel' | 'apiKeyEnv' | 'pipeline' | 'flowsDir'>,
  ) {
    const flows = await loadFlowsDir(p.flowsDir ?? builtinFlowsDir());
    const { leaves, base } = await selectLeaves(await this.taxonomyOf(p), p.base);
    const warnings: string[] = [];
    if (p.pipeline === 'full') {
      // An endpoint named without its model: ask it (its /models), so the warning comes before the run.
      let served = p.teacherModel;
      if (!served && /^https?:\/\//i.test(p.teacher)) {
        const t = await this.deps.createTeacher(
          { source: p.teacher, apiKeyEnv: p.apiKeyEnv },
          AbortSignal.timeout(15_000),
        );
        served = t.info.model;
        await t.dispose();
      }
      const w = await this.sizeWarning(p.teacher, served);
      if (w) warnings.push(w);
    }
    return {
      base,
      leaves: leaves.map((l) => ({
        leaf: l.id,
        kind: l.kind,
        flow: path.basename(pickFlow(flows, l.kind, p.pipeline).file),
      })),
      warnings,
    };
  }

  async flows(dir?: string): Promise<SdgFlowInfo[]> {
    return (await loadFlowsDir(dir ?? builtinFlowsDir())).map((f) => ({
      name: f.flow.name,
      file: path.basename(f.file),
      description: f.flow.description,
      appliesTo: f.flow.applies_to,
      pipeline: f.flow.pipeline,
      blocks: f.flow.blocks.map((b) => ({ name: b.name, type: b.type, model: 'model' in b ? b.model : null })),
      text: f.text,
    }));
  }

  readonly job = defineJob('sdg.generate', {
    title: (p) => `Generate data (${p.pipeline}) with ${p.teacherModel ?? p.teacher}`,
    resumable: true,
    run: async (ctx) => {
      const p = ctx.params;
      const jobStarted = Date.now();
      const out = this.outOf(ctx.id, p);
      ctx.saveResumeState({ out });
      const taxonomy = await this.taxonomyOf(p);
      const flows = await loadFlowsDir(p.flowsDir ?? builtinFlowsDir());
      ctx.report({ stage: 'Validating the taxonomy', fraction: 0 });
      const { leaves, base } = await selectLeaves(taxonomy, p.base);
      const plan = leaves.map((leaf) => ({ leaf, flow: pickFlow(flows, leaf.kind, p.pipeline) }));
      ctx.report({ stage: 'Connecting to the teacher' });
      const teacher = await this.deps.createTeacher(
        { source: p.teacher, model: p.teacherModel, apiKeyEnv: p.apiKeyEnv, concurrency: p.concurrency },
        ctx.signal,
      );
      let judge: Teacher = teacher;
      try {
        if (p.judge)
          judge = await this.deps.createTeacher(
            { source: p.judge, model: p.judgeModel, apiKeyEnv: p.apiKeyEnv, concurrency: p.concurrency },
            ctx.signal,
          );
        const warnings: string[] = [];
        if (p.pipeline === 'full') {
          const w = await this.sizeWarning(p.teacher, p.teacherModel, teacher);
          if (w) {
            warnings.push(w);
            ctx.log(w, 'warn');
          }
        }
        return await runGeneration({
          settings: {
            out,
            taxonomy,
            base,
            pipeline: p.pipeline,
            scale: p.scale,
            concurrency: p.concurrency ?? teacher.info.concurrency,
            replay: p.replay ? path.resolve(p.replay) : null,
          },
          leaves: plan,
          teacher,
          judge,
          warnings,
          signal: ctx.signal,
          cacheDir: path.join(this.deps.dataDir, 'cache', 'document-repos'),
          log: (l, level) => ctx.log(l, level ?? 'info'),
          onSamples: (leaf, samples) => this.deps.bus.emit('sdg.sampled', { jobId: ctx.id, leaf, samples }),
          onArrived: (leaf, items) => this.deps.bus.emit('sdg.arrived', { jobId: ctx.id, leaf, items }),
          onStatus: (s, final) => {
            const status: SdgStatus = { jobId: ctx.id, ...s };
            this.live.set(ctx.id, status);
            const fractions = s.leaves.map((l) =>
              l.state === 'done'
                ? 1
                : l.state === 'pending'
                  ? 0
                  : (l.blockIndex + (l.total ? l.done / l.total : 0)) / l.blocks,
            );
            const fraction = fractions.reduce((a, b) => a + b, 0) / Math.max(1, fractions.length);
            const running = s.leaves.find((l) => l.state === 'running');
            const r1 = (n: number): number => Math.round(n * 10) / 10;
            const metrics: Record<string, number> = {
              samplesPerMin: r1(s.samplesPerMin),
              tokensPerSec: r1(s.tokensPerSec),
              leaves: s.leaves.length,
              leavesDone: s.leaves.filter((l) => l.state === 'done').length,
            };
            s.leaves.forEach((l, i) => {
              metrics[`leaf${i}.fraction`] = Math.round(fractions[i]! * 1000) / 1000;
              metrics[`leaf${i}.kept`] = l.kept;
              metrics[`leaf${i}.samplesPerMin`] = r1(l.samplesPerMin);
              if (l.etaSeconds !== null) metrics[`leaf${i}.etaSeconds`] = l.etaSeconds;
            });
            const elapsed = (Date.now() - jobStarted) / 1000;
            ctx.report({
              fraction,
              stage: running ? `${running.leaf}: ${running.block ?? ''}` : final ? 'Done' : 'Mixing',
              etaSeconds: fraction > 0.02 && !final ? Math.round((elapsed / fraction) * (1 - fraction)) : null,
              metrics,
            });
            // At most one event per 200 ms, and the last status is always sent (a teacher that
            // goes quiet must not leave the page showing an older one).
            clearTimeout(this.trailing.get(ctx.id));
            this.trailing.delete(ctx.id);
            const wait = 200 - (Date.now() - this.lastEvent);
            if (final || wait <= 0) {
              this.lastEvent = Date.now();
              this.deps.bus.emit('sdg.progress', status);
            } else
              this.trailing.set(
                ctx.id,
                setTimeout(() => {
                  this.trailing.delete(ctx.id);
                  this.lastEvent = Date.now();
                  this.deps.bus.emit('sdg.progress', this.live.get(ctx.id) ?? status);
                }, wait),
              );
            if (final) void writeFileAtomic(statusFile(out), JSON.stringify(status)).catch(() => undefined);
          },
        });
      } finally {
        clearTimeout(this.trailing.get(ctx.id));
        this.trailing.delete(ctx.id);
        if (judge !== teacher) await judge.dispose().catch(() => undefined);
        await teacher.dispose().catch(() => undefined);
        const st = this.live.get(ctx.id);
        if (st) await writeFileAtomic(statusFile(out), JSON.stringify(st)).catch(() => undefined);
      }
    },
  });

  private jobOut(jobId: string): string {
    const job = this.deps.jobs().get(jobId);
    if (job.kind !== 'sdg.generate') throw new AppError('NOT_FOUND', `Job ${jobId} is not a data generation job`);
    return this.outOf(jobId, (job.params ?? {}) as { out?: string });
  }

  async status(jobId: string): Promise<SdgStatus> {
    const out = this.jobOut(jobId);
    const live = this.live.get(jobId);
    if (live) return live;
    const text = await fs.readFile(statusFile(out), 'utf8').catch(() => null);
    if (!text) throw new AppError('NOT_FOUND', `Job ${jobId} has no progress yet`);
    return sdgStatusSchema.parse(JSON.parse(text));
  }

  private async readSamples(out: string): Promise<SdgSample[]> {
    const text = await fs.readFile(samplesFile(out), 'utf8').catch(() => '');
    const discarded = await readDiscarded(out);
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => ({ ...sdgSampleSchema.parse(JSON.parse(l)), discarded: false }))
      .map((s) => ({ ...s, discarded: discarded.has(s.id) }));
  }

  async samples(jobId: string, o: { leaf?: string; offset: number; limit: number }) {
    const all = (await this.readSamples(this.jobOut(jobId))).filter((s) => !o.leaf || s.leaf === o.leaf);
    return { total: all.length, samples: all.slice(o.offset, o.offset + o.limit) };
  }

  /** Marks samples discarded (or not) and, once the run has finished, mixes the training sets again without them. */
  async discard(jobId: string, ids: string[], discarded: boolean) {
    const out = this.jobOut(jobId);
    const set = await readDiscarded(out);
    for (const id of ids) {
      if (discarded) set.add(id);
      else set.delete(id);
    }
    await writeFileAtomic(discardedFile(out), JSON.stringify([...set]));
    const input = await fs.readFile(mixInputFile(out), 'utf8').catch(() => null);
    if (!input) return { discarded: set.size, files: { knowledge: null, skills: null } };
    const m = JSON.parse(input) as { ts: string; replay: string | null; leaves: MixLeaf[] };
    const samples = await this.readSamples(out);
    const leaves = m.leaves.map((l) => ({ ...l, samples: samples.filter((s) => s.leaf === l.leaf) }));
    const r = await mixDatasets({ out, ts: m.ts, leaves, replay: m.replay, discarded: set });
    await updateCardAfterDiscards(out, r, samples.filter((x) => set.has(x.id)).length);
    return { discarded: set.size, files: { knowledge: r.knowledge, skills: r.skills } };
  }
}
