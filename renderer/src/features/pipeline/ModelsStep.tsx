import { Anchor, Stack, Text, TextInput } from '@mantine/core';
import { hrefFor } from '../../routes';
import { ModelPicker } from './ModelPicker';
import { ProblemList, StepIntro } from './StepIntro';
import type { FormStepProps } from './usePipelineCheck';

const WHAT =
  'Chooses the student (the model tuned), the teacher (writes the synthetic data) and the judge (filters it and scores the evaluation).';
const FIELDS = ['student', 'teacher', 'judge', 'apiKeyEnv'];

export function ModelsStep({ form, patch, check, record }: FormStepProps) {
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
