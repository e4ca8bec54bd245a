import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptFinishedCheckpoints, newJournal } from './run-journal.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function checkpoint(root: string, name: string, manifest: object | null, state = true): string {
  const dir = path.join(root, 'checkpoints', name);
  mkdirSync(dir, { recursive: true });
  if (state) writeFileSync(path.join(dir, 'trainer_state.json'), '{}');
  if (manifest) writeFileSync(path.join(dir, 'labforge_checkpoint.json'), JSON.stringify(manifest));
  return dir;
}

describe('adoptFinishedCheckpoints', () => {
  it('adds what the trainer published after the last journal save, so the resume starts from the newest', () => {
    const phaseDir = mkdtempSync(path.join(os.tmpdir(), 'labforge-journal-'));
    dirs.push(phaseDir);
    const phase = newJournal(phaseDir, ['knowledge']).phases[0]!;
    const first = checkpoint(phaseDir, 'epoch-1', { step: 2, epoch: 1, eval_loss: 3.5, reason: 'epoch' });
    phase.checkpoints.push({ phase: 'knowledge', path: first, step: 2, epoch: 1, reason: 'epoch', evalLoss: 3.5 });
    phase.lastCheckpoint = first;
    const second = checkpoint(phaseDir, 'epoch-2', { step: 4, epoch: 2, eval_loss: 2.9, reason: 'epoch' });
    checkpoint(phaseDir, 'epoch-3.part', { step: 6, epoch: 3, eval_loss: null }); // still being written
    checkpoint(phaseDir, 'epoch-4', null); // no manifest: not finished
    checkpoint(phaseDir, 'step-5', { step: 5 }, false); // no trainer state: not resumable

    const found = adoptFinishedCheckpoints(phase, phaseDir);
    expect(found.map((c) => c.path)).toEqual([second]);
    expect(found[0]).toMatchObject({ step: 4, epoch: 2, evalLoss: 2.9, reason: 'epoch', phase: 'knowledge' });
    expect(phase.lastCheckpoint).toBe(second);
    expect(phase.checkpoints.map((c) => c.step)).toEqual([2, 4]);
    expect(adoptFinishedCheckpoints(phase, phaseDir)).toEqual([]); // nothing twice
  });

  it('does nothing for a phase that never wrote one', () => {
    const phaseDir = mkdtempSync(path.join(os.tmpdir(), 'labforge-journal-'));
    dirs.push(phaseDir);
    const phase = newJournal(phaseDir, ['skills']).phases[0]!;
    expect(adoptFinishedCheckpoints(phase, phaseDir)).toEqual([]);
    expect(phase.lastCheckpoint).toBeNull();
  });
});
