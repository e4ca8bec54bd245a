import { Anchor, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { hrefFor } from '../../routes';
import { useStore } from '../../store';
import { TrainingFit } from '../runs/TrainingFit';
import { ModelPicker } from './ModelPicker';
import { ProblemList, StepIntro } from './StepIntro';
import type { FormStepProps } from './usePipelineCheck';

const WHAT =
  'Chooses the student (the model tuned), the teacher (writes the synthetic data) and the judge (filters it and scores the evaluation).';
const FIELDS = ['student', 'teacher', 'judge', 'apiKeyEnv'];

export function ModelsStep({ form, patch, check, record }: FormStepProps) {
  const cuda = useStore((s) => s.pythonStatus?.env?.cuda === true);
  // The max batch length the fit preset for the student filled in: a newer preset (another student
  // or method) replaces it; a value the user typed stays.
  const [filled, setFilled] = useState<number | null>(null);
  const takePreset = (v: string | undefined, force: boolean): void => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) return;
    if (!force && form.maxBatchLen !== '' && form.maxBatchLen !== filled) return;
    setFilled(n);
    patch({ maxBatchLen: n });
  };
  if (record) {
    const p = record.params;
    return (
      <Stack gap="sm">
        <StepIntro what={WHAT} />
        <Text size="sm">
          Student <b>{p.student}</b> ({record.studentPath})
        </Text>
        <Text size="sm">
          Teacher <b>{p.teacher}</b>
          {p.teacherModel ? ` (${p.teacherModel})` : ''}
        </Text>
        <Text size="sm">
          Judge <b>{p.judge ?? 'the teacher'}</b>
          {p.judgeModel ? ` (${p.judgeModel})` : ''}
        </Text>
      </Stack>
    );
  }
  const problems = check.check?.problems.filter((p) => FIELDS.some((f) => p.field.startsWith(f))) ?? [];
  const usesUrl = form.teacher.mode === 'url' || form.judge.mode === 'url';
  return (
    <Stack gap="md">
      <StepIntro what={WHAT} />
      <Text size="xs" c="dimmed">
        Missing one? <Anchor href={hrefFor('models')}>Download models on the Models page</Anchor>.
      </Text>
      <ModelPicker
        label="Student"
        description="A Hugging Face model (safetensors) to fine-tune"
        format="safetensors"
        method={form.method}
        choice={form.student}
        onChange={(student) => patch({ student })}
      />
      {form.student.value.trim() && form.method !== 'osft' && (
        <TrainingFit
          baseModel={form.student.value}
          method={form.method}
          cuda={cuda}
          onPreset={(v) => takePreset(v.maxBatchLen, false)}
          onApply={(v) => {
            if (v.method && v.method !== form.method) patch({ method: v.method });
            takePreset(v.maxBatchLen, true);
          }}
        />
      )}
      <ModelPicker
        label="Teacher"
        description="Writes the questions and answers (a GGUF served here, or an endpoint)"
        format="gguf"
        method={form.method}
        choice={form.teacher}
        onChange={(teacher) => patch({ teacher })}
      />
      <ModelPicker
        label="Judge"
        description="Filters the samples and judges the evaluation; default: the teacher"
        format="gguf"
        method={form.method}
        optional
        choice={form.judge}
        onChange={(judge) => patch({ judge })}
      />
      {usesUrl && (
        <TextInput
          label="API key environment variable"
          description="The variable that holds the endpoint's key (the key itself is never stored)"
          placeholder="OPENAI_API_KEY"
          value={form.apiKeyEnv}
          onChange={(e) => patch({ apiKeyEnv: e.currentTarget.value })}
        />
      )}
      <ProblemList problems={problems} title="Models" />
    </Stack>
  );
}
