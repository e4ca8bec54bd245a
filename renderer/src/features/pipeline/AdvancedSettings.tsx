import { Accordion, MultiSelect, NumberInput, Select, SimpleGrid } from '@mantine/core';
import { benchmarkNameSchema, type BenchmarkName } from '../../../../electron/shared/contract';
import type { WizardForm } from './wizard-form';

type NumberField = 'effectiveBatchSize' | 'maxBatchLen' | 'minSeqLen' | 'warmupSteps';
/** Empty fields take the LAB defaults of each phase; the max batch length comes from the fit preset when there is one. */
const NUMBERS: { field: NumberField; label: string; description: string; min: number }[] = [
  { field: 'effectiveBatchSize', label: 'Effective batch size', description: 'Sequences per step', min: 1 },
  {
    field: 'maxBatchLen',
    label: 'Max batch length',
    description: 'Tokens per GPU per micro-step (the fit preset fills it)',
    min: 16,
  },
  { field: 'minSeqLen', label: 'Min sequence length', description: 'Shorter samples are dropped', min: 1 },
  { field: 'warmupSteps', label: 'Warmup steps', description: 'Learning-rate warm-up', min: 0 },
];

/** The rest of the run's settings, folded away: phases, batch shape, benchmarks, the GGUF's quantisation. */
export function AdvancedSettings({ form, patch }: { form: WizardForm; patch: (p: Partial<WizardForm>) => void }) {
  return (
    <Accordion variant="contained">
      <Accordion.Item value="advanced">
        <Accordion.Control>Advanced settings</Accordion.Control>
        <Accordion.Panel>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <MultiSelect
              label="Phases"
              data={[
                { value: 'knowledge', label: 'Knowledge' },
                { value: 'skills', label: 'Skills' },
              ]}
              value={form.phases}
              onChange={(v) => v.length > 0 && patch({ phases: v as WizardForm['phases'] })}
            />
            {NUMBERS.map((n) => (
              <NumberInput
                key={n.field}
                label={n.label}
                description={n.description}
                placeholder="LAB default"
                min={n.min}
                value={form[n.field]}
                onChange={(v) => patch({ [n.field]: typeof v === 'number' ? v : '' })}
              />
            ))}
            <MultiSelect
              label="Benchmarks"
              data={benchmarkNameSchema.options}
              value={form.benchmarks}
              onChange={(v) => v.length > 0 && patch({ benchmarks: v as BenchmarkName[] })}
            />
            <NumberInput
              label="Max new tokens"
              description="Per evaluation answer"
              min={1}
              max={4096}
              value={form.maxNewTokens}
              onChange={(v) => typeof v === 'number' && patch({ maxNewTokens: v })}
            />
            <Select
              label="GGUF quantisation"
              data={['q8_0', 'f16', 'bf16', 'f32']}
              value={form.quant}
              onChange={(v) => v && patch({ quant: v as WizardForm['quant'] })}
              allowDeselect={false}
            />
          </SimpleGrid>
        </Accordion.Panel>
      </Accordion.Item>
    </Accordion>
  );
}
