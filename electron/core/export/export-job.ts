import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { ExportResult } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import { defineJob, type DefinedJobKind } from '../jobs/job-kind.js';
import { findNativeDir, findTrainerPython } from '../training/native-paths.js';
import { writeFileAtomic } from '../util/fs.js';
import type { Launcher } from '../util/launcher.js';
import { checkGguf } from './gguf-verify.js';
import { ensureLlamaCppSource } from './llama-cpp-source.js';
import { runPythonTool } from './python-run.js';

const DEFAULT_PROMPTS = [
  'Hello! Who are you?',
  'What can you tell me about your training?',
  'Write one sentence about the sea.',
];
const CHECK_TOKENS = 16;

interface Reference {
  base_model: string | null;
  method: string | null;
  chat_template: string | null;
  answers: Array<{ prompt: string; prompt_text: string; prompt_ids: number[]; output_ids: number[]; text: string }>;
}

/** Where a registered export goes: the exporter hands it to the model library. */
export type RegisterExport = (r: ExportResult) => Promise<string | null> | string | null;

/**
 * Checkpoint → GGUF: merge a LoRA adapter into its base, convert with llama.cpp's converter (the
 * source bundled in node-llama-cpp, same commit as its runtime), then check the file: it must
 * carry the chat template, and its greedy answers are compared with the checkpoint's own.
 */
/** A name safe as a file name: letters, digits, `.`, `_`, `-`; no leading dots, no path. */
export function safeModelName(name: string): string {
  const clean = name
    .replace(/\.{2,}/g, '')
    .replace(/[^\w.-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 120);
  return clean || 'model';
}

/**
 * Where an export goes: an absolute `out` as given; otherwise inside `<data dir>/models`, which a
 * relative `out` or a crafted `name` (`../../x`) can never leave.
 */
export function exportTarget(
  dataDir: string,
  checkpoint: string,
  p: { out?: string; name?: string; quant: string },
): string {
  const modelsDir = path.join(dataDir, 'models');
  if (p.out && path.isAbsolute(p.out)) return path.resolve(p.out);
  const fallback = `${path.basename(path.dirname(path.dirname(checkpoint)))}-${path.basename(checkpoint)}-${p.quant}`;
  const file = p.out
    ? path.resolve(modelsDir, p.out)
    : path.join(modelsDir, `${safeModelName(p.name ?? fallback)}.gguf`);
  if (!file.startsWith(modelsDir + path.sep)) {
    throw new AppError('PATH_OUTSIDE_ROOT', `${p.out} would leave the models folder.`, {
      hint: 'Give an absolute --out path to write elsewhere.',
    });
  }
  return file;
}

export function exportJob(deps: {
  dataDir: string;
  configuredPython(): string | null;
  register?: RegisterExport;
  /** Starts the GGUF check's Node child (Electron's utilityProcess in the desktop app). */
  launcher?: Launcher;
}): DefinedJobKind<'export.gguf'> {
  return defineJob('export.gguf', {
    title: (p) => `Export ${path.basename(p.checkpoint)} to GGUF (${p.quant})`,
    run: async (ctx) => {
      const p = ctx.params;
      const checkpoint = path.resolve(p.checkpoint);
      if (!existsSync(checkpoint)) {
        throw new AppError('NOT_FOUND', `No checkpoint at ${p.checkpoint}.`, { details: { path: checkpoint } });
      }
      const out = exportTarget(deps.dataDir, checkpoint, p);
      if (existsSync(out) && !p.overwrite) {
        throw new AppError('CONFLICT', `${out} exists already; nothing was overwritten.`, {
          hint: 'Pick another --name or --out, or pass --overwrite to replace it.',
          details: { path: out },
        });
      }
      await fs.mkdir(path.dirname(out), { recursive: true });
      const nativeDir = findNativeDir();
      const python = findTrainerPython({
        explicit: p.python ?? deps.configuredPython() ?? undefined,
        dataDir: deps.dataDir,
        nativeDir,
      });
      const work = path.join(deps.dataDir, 'tmp', `export-${ctx.id}`);
      await fs.rm(work, { recursive: true, force: true });
      await fs.mkdir(work, { recursive: true });
      const part = `${out}.part`;
      try {
        ctx.report({ stage: 'converter', fraction: 0.02 });
        const tools = await ensureLlamaCppSource(path.join(deps.dataDir, 'tools'));
        ctx.log(`llama.cpp converter at ${tools.dir} (commit ${tools.commit.slice(0, 12)})`);
        ctx.signal.throwIfAborted();

        ctx.report({ stage: 'merge', fraction: 0.1 });
        const merged = path.join(work, 'merged');
        const promptsFile = path.join(work, 'prompts.json');
        const refFile = path.join(work, 'reference.json');
        await fs.writeFile(promptsFile, JSON.stringify(p.prompts ?? DEFAULT_PROMPTS));
        await runPythonTool(
          python,
          [
            '-m',
            'labforge_trainer.export_prep',
            '--checkpoint',
            checkpoint,
            '--out',
            merged,
            '--prompts',
            promptsFile,
            '--reference',
            refFile,
            '--max-new-tokens',
            String(CHECK_TOKENS),
          ],
          {
            pythonPath: nativeDir,
            signal: ctx.signal,
            onLine: (l) => ctx.log(l, 'debug'),
            what: 'Merging the checkpoint',
            code: 'VALIDATION_FAILED',
            gpus: p.gpus,
          },
        );
        const ref = JSON.parse(await fs.readFile(refFile, 'utf8')) as Reference;

        ctx.report({ stage: 'convert', fraction: 0.4 });
        await runPythonTool(
          python,
          [path.join(tools.dir, 'convert_hf_to_gguf.py'), merged, '--outfile', part, '--outtype', p.quant],
          {
            pythonPath: path.join(tools.dir, 'gguf-py'),
            signal: ctx.signal,
            onLine: (l) => {
              ctx.log(l, 'debug');
              const m = /Writing:\s+(\d+)%/.exec(l);
              if (m) ctx.report({ fraction: 0.4 + (0.3 * Number(m[1])) / 100 });
            },
            what: 'The GGUF conversion',
          },
        );

        ctx.report({ stage: 'verify', fraction: 0.75 });
        const check = await checkGguf(
          part,
          ref.answers.map((a) => ({ ids: a.prompt_ids, text: a.prompt_text })),
          { maxTokens: CHECK_TOKENS, signal: ctx.signal, workDir: work, launcher: deps.launcher },
        );
        if (!check.chatTemplate) {
          throw new AppError(
            'VALIDATION_FAILED',
            'The exported GGUF has no chat template; chat apps would format prompts wrongly.',
            {
              hint: 'Give the base model a tokenizer with a chat_template and export again.',
            },
          );
        }
        const answers = ref.answers.map((a, i) => {
          const got = check.outputs[i] ?? [];
          let agree = 0;
          while (agree < Math.min(got.length, a.output_ids.length) && got[agree] === a.output_ids[agree]) agree++;
          return {
            prompt: a.prompt,
            expected: a.output_ids.length,
            agreeingTokens: agree,
            identical: agree === a.output_ids.length && got.length === a.output_ids.length,
          };
        });
        const identical = answers.filter((a) => a.identical).length;
        for (const a of answers)
          ctx.log(
            `Check "${a.prompt}": ${a.identical ? 'identical greedy answer' : `first ${a.agreeingTokens}/${a.expected} tokens agree`}`,
          );
        // Rounding to 8 bits may flip a near-tie; full-precision exports must reproduce the checkpoint.
        const lossless = p.quant === 'f32';
        if (lossless && identical < answers.length) {
          throw new AppError(
            'VALIDATION_FAILED',
            `The GGUF answers differently from the checkpoint (${identical}/${answers.length} prompts identical).`,
            {
              details: { answers },
            },
          );
        }
        if (!check.tokenizationMatches.every(Boolean)) {
          ctx.log(
            "llama.cpp tokenizes the chat-formatted prompts differently from the checkpoint's tokenizer (often a space " +
              'prefix after special tokens); answers in GGUF apps may differ slightly from the checkpoint.',
            'warn',
          );
        }
        await fs.rename(part, out);
        const stat = await fs.stat(out);
        const result: ExportResult = {
          path: out,
          sizeBytes: stat.size,
          quant: p.quant,
          chatTemplate: check.chatTemplate,
          check: {
            prompts: answers.length,
            identical,
            answers,
            tokenizationMatches: check.tokenizationMatches.every(Boolean),
          },
          lineage: {
            checkpoint,
            baseModel: ref.base_model,
            method: ref.method,
            llamaCppCommit: tools.commit,
            taxonomyCommit: p.taxonomyCommit ?? null,
            runId: p.runId ?? null,
          },
          modelId: null,
        };
        result.modelId = (await deps.register?.(result)) ?? null;
        await writeFileAtomic(`${out}.labforge.json`, JSON.stringify(result, null, 2));
        ctx.log(`Exported ${out} (${(stat.size / 2 ** 20).toFixed(1)} MiB)`);
        return result;
      } finally {
        await fs.rm(part, { force: true });
        await fs.rm(work, { recursive: true, force: true });
      }
    },
  });
}
