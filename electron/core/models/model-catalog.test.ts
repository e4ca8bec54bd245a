import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { catalogPath, loadCatalog } from './model-catalog.js';

describe('the curated catalog (resources/catalog.yaml)', () => {
  it('validates against the schema and holds the RHEL AI set plus small models', async () => {
    const c = await loadCatalog(catalogPath());
    const rhel = c.models.filter((m) => m.rhelAi);
    expect(rhel.map((m) => m.roles[0]).sort()).toEqual(['judge', 'student', 'teacher']);
    for (const role of ['student', 'teacher', 'judge', 'chat'] as const)
      expect(c.models.filter((m) => m.roles.includes(role)).length).toBeGreaterThanOrEqual(2);
    // Something that fits a CPU or a small GPU for every role but the teacher.
    expect(c.models.some((m) => m.roles.includes('student') && m.parameters < 2e9)).toBe(true);
    expect(c.models.some((m) => m.roles.includes('judge') && m.parameters < 8e9)).toBe(true);
    for (const m of c.models)
      for (const s of m.sources) {
        // Honest sizes: a GGUF file is at least 0.45 bytes per parameter (2-bit quants) and at most 2.1.
        if (s.kind === 'gguf') expect(s.sizeBytes / m.parameters).toBeGreaterThan(0.45);
        if (s.kind === 'gguf') expect(s.sizeBytes / m.parameters).toBeLessThan(2.1);
        if (s.kind === 'safetensors') expect(Math.abs(s.sizeBytes / (m.parameters * 2) - 1)).toBeLessThan(0.05);
      }
  });

  it('names the entry and field of a broken catalog', async () => {
    const dir = tempDir();
    const f = `${dir.path}/catalog.yaml`;
    writeFileSync(
      f,
      'version: 1\nmodels:\n  - id: x\n    name: X\n    family: f\n    roles: [student]\n    parameters: 10\n    licence: MIT\n    contextLength: 8\n    description: d\n    sources:\n      - kind: gguf\n        repo: not-a-repo\n        file: a.gguf\n        quantization: Q4\n        sizeBytes: 5\n',
    );
    await expect(loadCatalog(f)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('models.0.sources.0.repo'),
    });
    dir.remove();
  });
});
