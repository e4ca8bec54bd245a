import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FitParams, FitResult, HardwareInfo, ModelShape } from '../../shared/contract/index.js';
import { fitParamsSchema } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import { fitChat, layoutFromShape } from './chat-fit.js';
import { readGgufLayout, type GgufLayout } from './gguf-layout.js';
import { machineFromInfo, type Machine } from './machine.js';
import { completeShape, shapeFromHfConfig } from './model-shape.js';
import { machineOfProfile } from './profiles.js';
import { fitTraining } from './train-fit.js';

/** A catalog entry as the estimator needs it (the model library's catalog, issue #11). */
export interface CatalogModel {
  id: string;
  name: string;
  parameters: number;
  contextLength: number;
  /** Size of the GGUF the catalog would download for chat, when it lists one. */
  ggufBytes?: number;
}

export interface FitServiceDeps {
  /** This machine's last scan (scanning first when there is none). */
  hardware(): Promise<HardwareInfo>;
  /** A library model's path by id or name; null when there is none. */
  libraryPath(idOrName: string): string | null;
  /** A catalog entry by id; null when there is none (or no catalog yet). */
  catalog?(id: string): Promise<CatalogModel | null>;
}

type Resolved =
  | { kind: 'gguf'; layout: GgufLayout; source: string }
  | { kind: 'shape'; shape: ModelShape; source: string; ggufBits?: number };

/** One estimator behind `hardware.fit`, `labforge fit`, the Models page, the training form and the chat loader. */
export class FitService {
  constructor(private readonly deps: FitServiceDeps) {}

  async fit(input: FitParams): Promise<FitResult> {
    const p = fitParamsSchema.parse(input);
    const machine = await this.machine(p.profile);
    const model: Resolved = p.shape
      ? { kind: 'shape', shape: p.shape, source: 'shape' }
      : await this.resolve(p.model ?? '');
    const unknowns: string[] = [];
    if (p.task === 'chat') {
      let layout: GgufLayout;
      if (model.kind === 'gguf') layout = model.layout;
      else {
        const done = completeShape(model.shape);
        unknowns.push(...done.unknowns);
        if (!done.shape)
          return unestimated(p.task, model.shape.name ?? p.model ?? 'model', model.source, unknowns, machine);
        const bits = model.ggufBits ?? 16;
        if (model.ggufBits === undefined) unknowns.push('no GGUF file yet: estimated for an F16 GGUF export');
        layout = layoutFromShape(done.shape, bits);
      }
      const r = fitChat(
        layout,
        machine,
        { context: p.context, gpuLayers: p.gpuLayers, sequences: p.sequences, flashAttention: p.flashAttention },
        unknowns,
      );
      return { ...r, model: { ...r.model, source: model.source } };
    }
    const shape = model.kind === 'gguf' ? shapeOfGguf(model.layout) : model.shape;
    const done = completeShape(shape);
    unknowns.push(...done.unknowns);
    if (!done.shape) return unestimated(p.task, shape.name ?? p.model ?? 'model', model.source, unknowns, machine);
    const r = fitTraining(
      done.shape,
      machine,
      {
        method: p.method,
        context: p.context,
        batchSize: p.batchSize,
        gpus: p.gpus,
        gradientCheckpointing: p.gradientCheckpointing,
        sharding: p.sharding,
        offloadOptimizer: p.offloadOptimizer,
      },
      unknowns,
    );
    return { ...r, model: { ...r.model, source: model.source } };
  }

  private async machine(profile: string | undefined): Promise<Machine> {
    if (profile) {
      const m = machineOfProfile(profile);
      if (!m)
        throw new AppError('NOT_FOUND', `No hardware profile "${profile}"`, {
          hint: 'See `hardware.profiles` for the ids.',
        });
      return m;
    }
    return machineFromInfo(await this.deps.hardware());
  }

  /** A GGUF file, a Hugging Face folder (config.json), a library id/name or a catalog id. */
  private async resolve(ref: string): Promise<Resolved> {
    const st = await stat(ref).catch(() => null);
    if (st?.isFile()) {
      if (path.basename(ref) === 'config.json') return this.hfFolder(path.dirname(ref));
      return { kind: 'gguf', layout: await readGgufLayout(ref), source: 'gguf' };
    }
    if (st?.isDirectory()) return this.hfFolder(ref);
    const lib = this.deps.libraryPath(ref);
    if (lib) {
      const r = await this.resolve(lib);
      return { ...r, source: `library:${r.source}` } as Resolved;
    }
    const entry = (await this.deps.catalog?.(ref)) ?? null;
    if (entry)
      return {
        kind: 'shape',
        shape: { name: entry.name, parameters: entry.parameters, maxContext: entry.contextLength },
        source: 'catalog',
        ggufBits: entry.ggufBytes ? (entry.ggufBytes * 8) / entry.parameters : undefined,
      };
    throw new AppError(
      'MODEL_NOT_FOUND',
      `No model "${ref}": not a file, a folder with config.json, a library model or a catalog id`,
      {
        hint: 'Give a .gguf file, a Hugging Face folder, or an id from `labforge models list`.',
        details: { model: ref },
      },
    );
  }

  private async hfFolder(dir: string): Promise<Resolved> {
    const file = path.join(dir, 'config.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new AppError('MODEL_NOT_FOUND', `${dir} has no readable config.json`, {
        details: { path: file },
        cause: err,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new AppError('VALIDATION_FAILED', `${file} is not valid JSON: ${(err as Error).message}`, {
        details: { path: file },
        cause: err,
      });
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new AppError('VALIDATION_FAILED', `${file} is not a JSON object`, { details: { path: file } });
    return {
      kind: 'shape',
      shape: shapeFromHfConfig(json as Record<string, unknown>, path.basename(dir)),
      source: 'hf-config',
    };
  }
}

/** Training numbers from a GGUF's metadata (parameters counted from its tensors). */
function shapeOfGguf(g: GgufLayout): ModelShape {
  const headDim = g.keyLength ?? undefined;
  return {
    name: g.name,
    parameters: g.parameters,
    layers: g.layerBytes.length || undefined,
    hiddenSize: g.hiddenSize ?? undefined,
    intermediateSize: g.feedForward ?? undefined,
    heads: g.heads ?? undefined,
    kvHeads: g.kvHeads ?? undefined,
    headDim,
    vocabSize: g.vocabSize ?? undefined,
    tiedEmbeddings: g.tiedOutput,
    maxContext: g.trainContext ?? undefined,
  };
}

function unestimated(task: FitResult['task'], name: string, source: string, unknowns: string[], m: Machine): FitResult {
  return {
    fits: false,
    task,
    method: null,
    model: { name, parameters: null, source },
    requiredBytes: 0,
    availableBytes: m.trainGpus[0]?.availableBytes ?? m.ramBytes,
    device: m.trainGpus[0]?.name ?? 'RAM',
    gpus: 0,
    devices: [],
    breakdown: {},
    largest: { batchSize: null, context: null },
    preset: null,
    reason: `Could not estimate ${name}: ${unknowns[unknowns.length - 1] ?? 'its size is unknown'}.`,
    unknowns,
    hardware: m.source,
  };
}
