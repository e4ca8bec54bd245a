import { Alert, Group, MultiSelect, NumberInput, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useStore } from '../../store';
import { useHardwareReport } from '../dashboard/hardware-hooks';
import { AdvancedSettings } from './AdvancedSettings';
import { ProblemList, StepIntro, estimateOf } from './StepIntro';
import type { FormStepProps } from './usePipelineCheck';
import type { TrainMethod, WizardForm } from './wizard-form';

const WHAT = 'Sizes training for this machine: the preset the hardware report suggests, which you can change.';
const METHODS = [
  { value: 'lora', label: 'LoRA (adapters, little memory)' },
  { value: 'qlora', label: 'QLoRA (4-bit base, least memory)' },
  { value: 'full', label: 'Full fine-tuning' },
  { value: 'osft', label: 'OSFT (adds knowledge, keeps what it knows)' },
];
const PINNED = ['train', 'evaluate', 'export'] as const;

export function HardwareStep({ form, patch, check, record }: FormStepProps) {
  const hardware = useStore((s) => s.hardware);
  const report = useHardwareReport(hardware);
  const gpus = hardware?.gpus ?? [];
  const preset = report?.training;

  const summary = !report ? (
    <Text size="sm" c="dimmed">
      {hardware ? 'Reading the hardware report…' : 'Scanning the hardware…'}
    </Text>
  ) : (
    <Alert color="blue" variant="light" title={`Profile: ${report.profile.name}`}>
      <Text size="sm">{report.profile.reason}</Text>
      {preset ? (
        <Text size="sm" mt={4}>
          Suggested: {preset.method}, {preset.precision}
          {preset.quantization === 'nf4' ? ', 4-bit base' : ''}, effective batch {preset.effectiveBatchSize},{' '}
          {preset.gpus} GPU{preset.gpus === 1 ? '' : 's'}. {preset.reason}
        </Text>
      ) : (
        <Text size="sm" mt={4}>
          Training is not possible with the LAB defaults here; a small student on the CPU may still work.
        </Text>
      )}
    </Alert>
  );

  if (record) {
    const t = record.params.train;
    return (
      <Stack gap="sm">
        <StepIntro what={WHAT} />
        {summary}
        <Text size="sm">
          {t?.method ?? 'lora'} on {t?.device ?? 'auto'}
          {t?.epochs ? ` · ${t.epochs} epochs` : ''}
          {t?.learningRate ? ` · learning rate ${t.learningRate}` : ''}
          {record.params.gpus
            ? ` · GPUs ${PINNED.map((s) => `${s} ${record.params.gpus?.[s]?.join(',') ?? 'all'}`).join(', ')}`
            : ''}
        </Text>
      </Stack>
    );
  }

  const problems =
    check.check?.problems.filter((p) => ['train', 'gpus', 'evaluate', 'export'].some((f) => p.field.startsWith(f))) ??
    [];
  return (
    <Stack gap="sm">
      <StepIntro what={WHAT} estimate={estimateOf(check.check, 'train')} />
      {summary}
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Select
          label="Method"
          data={METHODS}
          value={form.method}
          onChange={(v) => v && patch({ method: v as TrainMethod })}
          allowDeselect={false}
        />
        <Select
          label="Device"
          data={[
            { value: 'auto', label: 'Automatic' },
            { value: 'cuda', label: 'GPU (CUDA)' },
            { value: 'cpu', label: 'CPU' },
          ]}
          value={form.device}
          onChange={(v) => v && patch({ device: v as WizardForm['device'] })}
          allowDeselect={false}
        />
        <NumberInput
          label="Epochs"
          description="Every phase's epochs (LAB defaults: knowledge 7, skills 10)"
          placeholder="LAB defaults"
          min={1}
          max={1000}
          value={form.epochs}
          onChange={(v) => patch({ epochs: typeof v === 'number' ? v : '' })}
        />
        <TextInput
          label="Learning rate"
          description="LAB defaults 2e-5 and 6e-6; tiny models need about 1e-3"
          placeholder="LAB defaults"
          value={form.learningRate}
          onChange={(e) => patch({ learningRate: e.currentTarget.value })}
        />
      </SimpleGrid>
      {gpus.length > 0 && (
        <Group grow align="flex-start">
          {PINNED.map((stage) => (
            <MultiSelect
              key={stage}
              label={`GPUs for ${stage}`}
              placeholder="All"
              data={gpus.map((g) => ({ value: String(g.index), label: `${g.index}: ${g.model}` }))}
              value={form.gpus[stage].map(String)}
              onChange={(v) => patch({ gpus: { ...form.gpus, [stage]: v.map(Number) } })}
            />
          ))}
        </Group>
      )}
      <AdvancedSettings form={form} patch={patch} />
      <ProblemList problems={problems} title="Training settings" />
    </Stack>
  );
}
