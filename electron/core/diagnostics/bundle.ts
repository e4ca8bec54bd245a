import { promises as fs } from 'node:fs';
import path from 'node:path';
import type {
  DiagnosticsResult,
  HardwareInfo,
  HardwareReport,
  JobInfo,
  JobLogLine,
} from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import { mkdirs, writeFileAtomic } from '../util/fs.js';
import { Redactor, REDACTED, SECRET_KEY } from './redact.js';
import { collectVersions, type VersionSources } from './versions.js';
import { zipSync, type ZipEntry } from './zip.js';

/** Log lines kept per job (the newest); a longer log is cut and the manifest says so. */
export const MAX_LOG_LINES = 20_000;
const READ_LOG_LINES = 1_000_000;
const MAX_JOBS = 1000;
/** The stored scan's key; it goes to hardware/scan.json, not to the settings. */
const HARDWARE_KEY = 'hardware.last';

export interface DiagnosticsSources extends VersionSources {
  dataDir: string;
  jobs: {
    list(o: { limit?: number }): JobInfo[];
    log(id: string, afterSeq?: number, limit?: number): JobLogLine[];
  };
  settings: { entries(): Array<{ key: string; value: unknown; updatedAt: number }> };
  hardware: { last(): HardwareInfo | null; report(): HardwareReport | null };
  /** Files whose whole content is a secret (the endpoint's API key): masked wherever it appears. */
  secretFiles: string[];
}

export const defaultDiagnosticsPath = (dataDir: string, at: Date): string =>
  path.join(
    dataDir,
    'diagnostics',
    `labforge-diagnostics-${at
      .toISOString()
      .replace(/\.\d+Z$/, 'Z')
      .replace(/:/g, '-')}.zip`,
  );

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;
const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

async function readSecrets(files: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    const s = await fs.readFile(f, 'utf8').catch(() => null);
    if (s?.trim()) out.push(s.trim());
  }
  return out;
}

/** One job as the bundle shows it: params and result without the user's text, secrets masked. */
function jobEntry(r: Redactor, j: JobInfo, log: { file: string; lines: number; truncated: boolean }): unknown {
  return {
    id: j.id,
    kind: j.kind,
    title: r.text(j.title),
    state: j.state,
    createdAt: iso(j.createdAt),
    startedAt: iso(j.startedAt),
    endedAt: iso(j.endedAt),
    usesGpu: j.usesGpu,
    resumable: j.resumable,
    progress: r.content(j.progress),
    params: r.content(j.params),
    result: r.content(j.result),
    error: r.value(j.error),
    log,
  };
}

/**
 * Collects the bundle's entries: `versions.json`, `jobs.json` and `jobs/<id>.log`,
 * `hardware/scan.json` and `hardware/report.json`, `settings.json`, and `MANIFEST.json` (first)
 * listing them with what was redacted. Taxonomy files, knowledge documents, chat conversations
 * and resume states are never read.
 */
export async function collectDiagnostics(
  src: DiagnosticsSources,
  at: Date,
): Promise<{ entries: ZipEntry[]; redactor: Redactor; manifest: unknown }> {
  const r = new Redactor(await readSecrets(src.secretFiles));
  const entries: ZipEntry[] = [];
  const add = (name: string, data: string): void => void entries.push({ name, data });

  add('versions.json', json(r.value(await collectVersions(src))));

  const jobs = src.jobs.list({ limit: MAX_JOBS });
  const truncatedLogs: string[] = [];
  const jobRows: unknown[] = [];
  for (const j of jobs) {
    const all = src.jobs.log(j.id, -1, READ_LOG_LINES);
    const truncated = all.length > MAX_LOG_LINES;
    const lines = truncated ? all.slice(-MAX_LOG_LINES) : all;
    if (truncated) truncatedLogs.push(j.id);
    const file = `jobs/${j.id.replace(/[^\w.-]/g, '_')}.log`;
    add(
      file,
      lines
        .map((l) => `${new Date(l.time).toISOString()} ${l.level.toUpperCase().padEnd(5)} ${r.text(l.message)}\n`)
        .join(''),
    );
    jobRows.push(jobEntry(r, j, { file, lines: lines.length, truncated }));
  }
  add('jobs.json', json(jobRows));

  add('hardware/scan.json', json(r.value(src.hardware.last())));
  add('hardware/report.json', json(r.value(src.hardware.report())));

  const settings: Record<string, unknown> = {};
  for (const { key, value } of src.settings.entries()) {
    if (key === HARDWARE_KEY) continue;
    if (SECRET_KEY.test(key)) {
      settings[key] = REDACTED;
      r.counts.secretKeys++;
    } else settings[key] = r.value(value);
  }
  add('settings.json', json(settings));

  const manifest = {
    app: 'LabForge',
    createdAt: at.toISOString(),
    files: ['MANIFEST.json', ...entries.map((e) => e.name)],
    jobs: jobs.length,
    truncatedLogs,
    redacted: { ...r.counts, total: r.total },
    left_out: [
      'taxonomy files (qna.yaml) and knowledge documents',
      'text fields of job params and results (questions, answers, contexts, samples)',
      'chat conversations',
      'job resume states',
      'values of settings and fields named like key/token/secret/password/auth',
    ],
  };
  entries.unshift({ name: 'MANIFEST.json', data: json(manifest) });
  return { entries, redactor: r, manifest };
}

/** Writes the bundle as a zip (`.part`, flushed, renamed into place) and says what is inside. */
export async function createDiagnostics(src: DiagnosticsSources, out?: string): Promise<DiagnosticsResult> {
  const at = new Date();
  const file = path.resolve(out ?? defaultDiagnosticsPath(src.dataDir, at));
  if ((await fs.stat(file).catch(() => null))?.isDirectory()) {
    throw new AppError('INVALID_REQUEST', `${file} is a folder`, {
      hint: 'Name the zip file to write, e.g. --out bug.zip.',
    });
  }
  const { entries, redactor } = await collectDiagnostics(src, at);
  const zip = zipSync(entries, at);
  await mkdirs(path.dirname(file));
  await writeFileAtomic(file, zip);
  return { path: file, bytes: zip.length, files: entries.map((e) => e.name), redacted: redactor.total };
}
