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

/** `dataset-card.json` and `dataset-card.md`: what was made, from what, by whom, and what every filter did. */
export async function writeDatasetCard(out: string, c: CardInput): Promise<void> {
  const r = c.result;
  const card = {
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
  await writeFileAtomic(path.join(out, 'dataset-card.json'), `${JSON.stringify(card, null, 2)}\n`);
  const md: string[] = [
    '# Dataset card',
    '',
    `Generated ${card.created} in ${r.seconds} s by LabForge (${c.settings.pipeline} pipeline, scale ${c.settings.scale}).`,
    '',
    `- Teacher: ${c.teacher.model} (${c.teacher.kind}, ${c.teacher.source})`,
    `- Judge: ${c.judge.model} (${c.judge.kind}, ${c.judge.source})`,
    `- Taxonomy: ${c.settings.taxonomy} (base ${c.settings.base})`,
    `- Throughput: ${r.samples_per_min} samples/min, ${r.tokens_per_s} tokens/s; ${c.stats.calls} teacher calls, ${c.stats.cachedCalls} answers reused from the journal`,
    `- Files: ${r.files.knowledge ? path.basename(r.files.knowledge) : '(no knowledge set)'} (${c.mix.knowledgeRecords} records), ${r.files.skills ? path.basename(r.files.skills) : '(no skills set)'} (${c.mix.skillsRecords} records${c.mix.replayRecords ? `, ${c.mix.replayRecords} replayed` : ''})`,
    '',
    '| Leaf | Flow | Generated | Kept | Dropped |',
    '| --- | --- | ---: | ---: | --- |',
    ...c.leaves.map(
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
  for (const l of c.leaves) {
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
  if (r.warnings.length) md.push('', '## Warnings', '', ...r.warnings.map((w) => `- ${w}`));
  await writeFileAtomic(path.join(out, 'dataset-card.md'), `${md.join('\n')}\n`);
}
