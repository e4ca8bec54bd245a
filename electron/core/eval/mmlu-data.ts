import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors.js';
import type { ChoiceTask } from './answers.js';
import { LETTERS } from './eval-items.js';

/** One MMLU question: `question, A, B, C, D, answer` (the standard CSV layout, no header). */
export interface MmluRow {
  question: string;
  options: string[];
  answer: number;
}

/** RFC 4180 CSV (quoted fields, doubled quotes, newlines inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += ch;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

function toRows(text: string, file: string): MmluRow[] {
  return parseCsv(text).map((r, n) => {
    const letter = (r[5] ?? '').trim().toUpperCase();
    const answer = LETTERS.indexOf(letter as (typeof LETTERS)[number]);
    if (r.length < 6 || answer < 0)
      throw new AppError('DATASET_INVALID', `${file}:${n + 1}: expected "question,A,B,C,D,answer" with answer A-D`, {
        details: { file, line: n + 1 },
      });
    return { question: r[0]!, options: r.slice(1, 5), answer };
  });
}

const format = (r: MmluRow, withAnswer: boolean): string =>
  `${r.question}\n${r.options.map((o, i) => `${LETTERS[i]}. ${o}`).join('\n')}\nAnswer:${withAnswer ? ` ${LETTERS[r.answer]}\n\n` : ''}`;

export interface MmluItem extends ChoiceTask {
  subject: string;
  question: string;
  answerIndex: number;
}

/**
 * MMLU 5-shot from a folder the user provides (`dev/<subject>_dev.csv` for the shots,
 * `test/<subject>_test.csv`, or `val/` when there is no `test/`): the prompt is the standard
 * header, five solved dev questions and the test question; the options ` A`..` D` are scored as
 * raw continuations. Nothing is downloaded.
 */
export async function loadMmlu(dir: string, opts: { limitPerSubject?: number } = {}): Promise<MmluItem[]> {
  const dev = path.join(dir, 'dev');
  const test = existsSync(path.join(dir, 'test')) ? path.join(dir, 'test') : path.join(dir, 'val');
  if (!existsSync(dev) || !existsSync(test))
    throw new AppError(
      'NOT_FOUND',
      `${dir} is not an MMLU data folder (dev/ and test/ with <subject>_dev.csv, <subject>_test.csv).`,
      {
        hint: 'Point --mmlu-data at the extracted "data" folder of the MMLU release.',
      },
    );
  const items: MmluItem[] = [];
  const files = (await fs.readdir(test)).filter((f) => f.endsWith('.csv')).sort();
  for (const f of files) {
    const subject = f.replace(/_(test|val)\.csv$/, '');
    const devFile = path.join(dev, `${subject}_dev.csv`);
    const shots = existsSync(devFile) ? toRows(await fs.readFile(devFile, 'utf8'), devFile).slice(0, 5) : [];
    const header = `The following are multiple choice questions (with answers) about ${subject.replace(/_/g, ' ')}.\n\n`;
    const prefix = header + shots.map((s) => format(s, true)).join('');
    const rows = toRows(await fs.readFile(path.join(test, f), 'utf8'), path.join(test, f));
    rows.slice(0, opts.limitPerSubject ?? rows.length).forEach((r, n) =>
      items.push({
        id: `mmlu:${subject}#${n}`,
        subject,
        question: r.question,
        prompt: prefix + format(r, false),
        options: LETTERS.map((l) => ` ${l}`),
        chat: false,
        answerIndex: r.answer,
      }),
    );
  }
  return items;
}
