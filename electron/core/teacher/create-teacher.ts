import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { LoadSettings, ModelInfo } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import type { ModelHost } from '../chat/model-host.js';
import { EndpointTeacher, type EndpointTeacherOptions } from './endpoint-teacher.js';
import { LocalTeacher, TEACHER_SEQUENCES } from './local-teacher.js';
import type { Teacher } from './teacher.js';
import type { SettingsStore } from './teacher-settings.js';

export interface TeacherDeps {
  host: ModelHost;
  /** The model library (`core.models`): library ids and names. */
  models: { find(idOrName: string): ModelInfo | null };
  /** App settings (KvStore): saved API keys, remembered endpoint output formats. */
  store?: SettingsStore;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface CreateTeacherOptions {
  /** The endpoint's served model (default: the first it lists). Ignored for a local GGUF. */
  model?: string;
  /** Environment variable holding the endpoint's API key. */
  apiKeyEnv?: string;
  /** Endpoint: requests in flight (default 8). Local: sequences decoded together (default 8). */
  concurrency?: number;
  /** Local: load settings (context size, GPU layers). */
  settings?: LoadSettings;
  /** Endpoint: timeouts and retries (tests shorten them). */
  endpoint?: Omit<EndpointTeacherOptions, 'url' | 'model' | 'apiKeyEnv' | 'concurrency' | 'store' | 'env'>;
}

const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);
const looksLikePath = (s: string): boolean => s.endsWith('.gguf') || s.includes('/') || s.includes(path.sep);

/**
 * `MODEL_OR_URL` → a teacher: an `http(s)://` value is an OpenAI-compatible endpoint; a `.gguf`
 * path or a model library id/name is a local GGUF in the model host. Judges are made the same way.
 */
export class Teachers {
  constructor(private readonly deps: TeacherDeps) {}

  async create(modelOrUrl: string, opts: CreateTeacherOptions = {}, signal?: AbortSignal): Promise<Teacher> {
    const value = modelOrUrl.trim();
    if (!value)
      throw new AppError(
        'INVALID_REQUEST',
        'No teacher given: name a library model, a GGUF path or an http(s):// endpoint.',
      );
    if (isUrl(value))
      return EndpointTeacher.open(
        {
          ...opts.endpoint,
          url: value,
          model: opts.model,
          apiKeyEnv: opts.apiKeyEnv,
          concurrency: opts.concurrency,
          store: this.deps.store,
          env: this.deps.env,
          log: opts.endpoint?.log ?? this.deps.log,
        },
        signal,
      );
    const { file, name, modelId } = this.resolveLocal(value);
    return LocalTeacher.open(
      {
        host: this.deps.host,
        model: { path: file, name, modelId },
        settings: { ...opts.settings, sequences: opts.concurrency ?? opts.settings?.sequences ?? TEACHER_SEQUENCES },
        source: value,
      },
      signal,
    );
  }

  private resolveLocal(value: string): { file: string; name: string; modelId: string | null } {
    const asPath = path.resolve(value);
    if (existsSync(asPath) && statSync(asPath).isFile())
      return { file: asPath, name: path.basename(asPath, '.gguf'), modelId: null };
    const m = this.deps.models.find(value);
    if (m) {
      if (m.format !== 'gguf')
        throw new AppError('INVALID_REQUEST', `${m.name} is a ${m.format} model; a local teacher needs a GGUF.`, {
          hint: 'Export it to GGUF first (labforge export), or name a GGUF model or an endpoint URL.',
        });
      if (!existsSync(m.path))
        throw new AppError('MODEL_NOT_FOUND', `The file of library model ${m.name} is missing: ${m.path}`);
      return { file: m.path, name: m.name, modelId: m.id };
    }
    if (looksLikePath(value))
      throw new AppError('MODEL_NOT_FOUND', `No GGUF file at ${asPath}`, { details: { path: asPath } });
    throw new AppError('MODEL_NOT_FOUND', `No model "${value}" in the library, and no such file.`, {
      hint: 'Name a library model (labforge models list), a .gguf path, or an http(s):// endpoint.',
    });
  }
}
