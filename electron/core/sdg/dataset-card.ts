import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SdgLeafProgress, SdgResult } from '../../shared/contract/sdg.js';
import type { TeacherInfo } from '../teacher/teacher.js';
import { writeFileAtomic } from '../util/fs.js';
import type { MixResult } from './mixer.js';
import type { CallStats } from './model-calls.js';
import type { RunSettings } from './sdg-run.js';

export interface CardInput {
  result: SdgResult;
  settings: RunSettings;
  leaves: SdgLeafProgress[];
  teacher: TeacherInfo;
  judge: TeacherInfo;
  stats: CallStats;
  mix: MixResult;
  startedAt: string;
}

/** The card as `dataset-card.json` holds it; the Markdown is rendered from this alone. */
export type DatasetCard = ReturnType<typeof cardOf>;

const cardJson = (out: string): string => path.join(out, 'dataset-card.json');

function cardOf(c: CardInput) {
  const r = c.result;
  return {
    version: 1,
    created: new Date().toISOString(),
    started: c.startedAt,
    seconds: r.seconds,
    teacher: c.teacher,
    judge: c.judge,
    settings: c.settings,
    throughput: {
      samples_per_min: r.samples_per_min,
      tokens_per_s: r.tokens_per_s,
      prompt_tokens: c.stats.promptTokens,
      completion_tokens: c.stats.completionTokens,
      teacher_calls: c.stats.calls,
      calls_from_journal: c.stats.cachedCalls,
    },
    files: {
      ...r.files,
      knowledge_records: c.mix.knowledgeRecords,
      skills_records: c.mix.skillsRecords,
      replay_records: c.mix.replayRecords,
    },
    totals: r.totals,
    leaves: c.leaves.map((l) => ({
      leaf: l.leaf,
      kind: l.kind,
      flow: l.flow,
      generated: l.generated,
      kept: l.kept,
      dropped: l.dropped,
      note: l.note,
      steps: l.steps,
    })),
    warnings: r.warnings,
  };
}

/** `dataset-card.json` and `dataset-card.md`: what was made, from what, by whom, and what every filter did. */
export async function writeDatasetCard(out: string, c: CardInput): Promise<void> {
  await writeCard(out, cardOf(c));
}

/**
 * After the user discards (or restores) samples: the card's training files, record counts and
 * discarded total follow the re-mixed sets. A run without a card yet is left alone.
 */
export async function updateCardAfterDiscards(out: string, mix: MixResult, discarded: number): Promise<void> {
  const card = await readFile(cardJson(out), 'utf8')
    .then((t) => JSON.parse(t) as DatasetCard)
    .catch(() => null);
  if (!card) return;
  card.files = {
    knowledge: mix.knowledge,
    skills: mix.skills,
    knowledge_records: mix.knowledgeRecords,
    skills_records: mix.skillsRecords,
    replay_records: mix.replayRecords,
  };
  card.totals = { ...card.totals, discarded };
  await writeCard(out, card);
}

async function writeCard(out: string, card: DatasetCard): Promise<void> {
  await writeFileAtomic(cardJson(out), `${JSON.stringify(card, null, 2)}\n`);
  const { settings, teacher, judge, throughput: t, files: f, totals } = card;
  const md: string[] = [
    '# Dataset card',
    '',
    `Generated ${card.created} in ${card.seconds} s by LabForge (${settings.pipeline} pipeline, scale ${settings.scale}).`,
    '',
    `- Teacher: ${teacher.model} (${teacher.kind}, ${teacher.source})`,
    `- Judge: ${judge.model} (${judge.kind}, ${judge.source})`,
    `- Taxonomy: ${settings.taxonomy} (base ${settings.base})`,
    `- Throughput: ${t.samples_per_min} samples/min, ${t.tokens_per_s} tokens/s; ${t.teacher_calls} teacher calls, ${t.calls_from_journal} answers reused from the journal`,
    `- Files: ${f.knowledge ? path.basename(f.knowledge) : '(no knowledge set)'} (${f.knowledge_records} records), ${f.skills ? path.basename(f.skills) : '(no skills set)'} (${f.skills_records} records${f.replay_records ? `, ${f.replay_records} replayed` : ''})`,
    `- Samples: ${totals.generated} generated, ${totals.kept} kept, ${totals.dropped} dropped by the filters, ${totals.discarded} discarded by hand`,
    '',
    '| Leaf | Flow | Generated | Kept | Dropped |',
    '| --- | --- | ---: | ---: | --- |',
    ...card.leaves.map(
      (l) =>
        `| ${l.leaf} | ${l.flow} | ${l.generated} | ${l.kept} | ${
          Object.entries(l.dropped)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || '-'
        } |`,
    ),
    '',
    '## Steps per leaf',
  ];
  for (const l of card.leaves) {
    md.push(
      '',
      `### ${l.leaf}`,
      '',
      '| Block | Type | In | Out | Dropped (reason) |',
      '| --- | --- | ---: | ---: | --- |',
    );
    for (const s of l.steps)
      md.push(
        `| ${s.block} | ${s.type} | ${s.in} | ${s.out} | ${
          Object.entries(s.dropped)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || '-'
        } |`,
      );
    if (l.note) md.push('', `**No samples**: ${l.note}.`);
  }
  if (card.warnings.length) md.push('', '## Warnings', '', ...card.warnings.map((w) => `- ${w}`));
  await writeFileAtomic(path.join(out, 'dataset-card.md'), `${md.join('\n')}\n`);
}
