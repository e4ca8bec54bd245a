import {
  Alert,
  Button,
  Checkbox,
  Collapse,
  Group,
  Input,
  Modal,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { IconAlertCircle, IconChevronDown, IconChevronRight, IconPlayerPlay } from '@tabler/icons-react';
import { useState, type ChangeEvent, type FormEvent } from 'react';
import type { JobInfo } from '../../../../electron/shared/contract';
import type { AppError } from '../../../../electron/shared/errors';
import { api } from '../../api/connection';
import { useStore } from '../../store';
import {
  emptyRunForm,
  fieldErrorsFrom,
  labDefaults,
  suggestedMethod,
  toTrainingParams,
  validateRunForm,
  type RunFormErrors,
  type RunFormValues,
} from './run-form';
import { TrainingFit } from './TrainingFit';

/** The fields typed in as plain text (free-form strings, parsed on submit). */
type TextField =
  'data' | 'baseModel' | 'epochs' | 'learningRate' | 'effectiveBatchSize' | 'maxBatchLen' | 'warmupSteps';

const phaseText = {
  knowledge: 'Knowledge (phase 1: facts from your documents)',
  skills: 'Skills (phase 2: how to answer, from phase 1’s best checkpoint)',
};

/** The "New training run" form; `onStarted` gets the new job so the page can select it. */
export function NewRunModal({
  opened,
  onClose,
  onStarted,
  cuda,
}: {
  opened: boolean;
  onClose: () => void;
  onStarted: (job: JobInfo) => void;
  cuda: boolean;
}) {
  const [values, setValues] = useState<RunFormValues>(emptyRunForm);
  const [errors, setErrors] = useState<RunFormErrors>({});
  const [apiError, setApiError] = useState<AppError | null>(null);
  const [advanced, setAdvanced] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [methodTouched, setMethodTouched] = useState(false);
  // Fields the user edited: a preset from the fit estimator fills only the others.
  const [edited, setEdited] = useState<ReadonlySet<keyof RunFormValues>>(new Set());
  const modelsById = useStore((s) => s.modelsById);
  const suggestion = suggestedMethod(values.baseModel, values.phases, Object.values(modelsById));
  // Adding knowledge to a model LabForge already tuned: offer OSFT (keeps what it learned) until the
  // user picks a method.
  const method = !methodTouched && suggestion ? suggestion : values.method;
  const form: RunFormValues = { ...values, method };

  const set = <K extends keyof RunFormValues>(key: K, value: RunFormValues[K]): void => {
    setValues((v) => ({ ...v, [key]: value }));
    setEdited((e) => (e.has(key) ? e : new Set([...e, key])));
    if (errors[key]) setErrors((e) => ({ ...e, [key]: undefined }));
  };
  const text = (key: TextField) => ({
    value: values[key],
    error: errors[key],
    onChange: (e: ChangeEvent<HTMLInputElement>) => set(key, e.currentTarget.value),
  });

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const found = validateRunForm(form, { cuda });
    setErrors(found);
    setApiError(null);
    if (Object.keys(found).length > 0) {
      if (found.effectiveBatchSize || found.maxBatchLen || found.warmupSteps || found.device || found.precision)
        setAdvanced(true);
      return;
    }
    setSubmitting(true);
    try {
      const job = await api.call('training.start', toTrainingParams(form));
      onStarted(job);
      onClose();
    } catch (err) {
      const appErr = err as AppError;
      setErrors(fieldErrorsFrom(appErr.details));
      setApiError(appErr);
    } finally {
      setSubmitting(false);
    }
  };

  const only = values.phases.length === 1 ? values.phases[0] : null;
  const epochsHint = only
    ? `${labDefaults[only].epochs} (LAB default)`
    : `${labDefaults.knowledge.epochs} / ${labDefaults.skills.epochs} (LAB defaults)`;
  const lrHint = only
    ? `${labDefaults[only].learningRate} (LAB default)`
    : `${labDefaults.knowledge.learningRate} / ${labDefaults.skills.learningRate}`;
  const ebsHint = only
    ? String(labDefaults[only].effectiveBatchSize)
    : `${labDefaults.knowledge.effectiveBatchSize} / ${labDefaults.skills.effectiveBatchSize}`;

  const methods = [
    { value: 'lora', label: 'LoRA' },
    {
      value: 'qlora',
      disabled: !cuda,
      label: cuda ? (
        'QLoRA'
      ) : (
        <Tooltip label="QLoRA (4-bit) needs an NVIDIA GPU with CUDA in the training environment" withArrow>
          <span style={{ pointerEvents: 'auto' }}>QLoRA</span>
        </Tooltip>
      ),
    },
    { value: 'full', label: 'Full' },
    { value: 'osft', label: 'OSFT' },
  ];

  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={700}>New training run</Text>} size="lg" centered>
      <form onSubmit={(e) => void submit(e)} noValidate aria-label="New training run">
        <Stack gap="md">
          <TextInput
            label="Training data folder"
            description="The folder with knowledge_train_msgs_*.jsonl and skills_train_msgs_*.jsonl from data generation."
            placeholder="/home/me/labforge/datasets/2025-01-01"
            withAsterisk
            spellCheck={false}
            data-autofocus
            {...text('data')}
          />
          <TextInput
            label="Base model"
            description="A Hugging Face model folder (config.json, safetensors weights, a tokenizer with a chat template), or the id of a safetensors model in the library."
            placeholder="/home/me/models/granite-3.1-8b-instruct"
            withAsterisk
            spellCheck={false}
            {...text('baseModel')}
          />
          <Input.Wrapper
            label="Method"
            description={
              cuda
                ? 'LoRA trains small adapters; QLoRA does the same on a 4-bit base to save memory; Full updates every weight; OSFT adds knowledge to an already tuned model without overwriting what it knows.'
                : 'LoRA trains small adapters; Full updates every weight; OSFT adds knowledge to an already tuned model without overwriting what it knows. QLoRA needs CUDA.'
            }
            error={errors.method}
          >
            {suggestion === 'osft' && (
              <Text size="xs" c="blue" mt={4} aria-label="Method suggestion">
                This model was already tuned by LabForge: OSFT adds the new knowledge without overwriting what it
                learned.
              </Text>
            )}
            <SegmentedControl
              mt={6}
              data={methods}
              value={method}
              onChange={(v) => {
                setMethodTouched(true);
                set('method', v as RunFormValues['method']);
              }}
              aria-label="Method"
            />
          </Input.Wrapper>
          <TrainingFit
            baseModel={values.baseModel}
            method={method}
            cuda={cuda}
            onApply={(preset) => {
              setValues((v) => ({ ...v, ...preset }));
              if (preset.method) setMethodTouched(true);
              setAdvanced(true);
            }}
            onPreset={(preset) =>
              // The preset was asked for the chosen method: it fills the settings, not the method.
              setValues((v) => ({
                ...v,
                ...Object.fromEntries(
                  Object.entries(preset).filter(([k]) => k !== 'method' && !edited.has(k as keyof RunFormValues)),
                ),
              }))
            }
          />
          <Checkbox.Group
            label="Phases"
            description="LAB trains knowledge first, then skills starting from the best knowledge checkpoint."
            value={values.phases}
            onChange={(v) => set('phases', v as RunFormValues['phases'])}
            error={errors.phases}
          >
            <Stack gap={6} mt={6}>
              <Checkbox value="knowledge" label={phaseText.knowledge} />
              <Checkbox value="skills" label={phaseText.skills} />
            </Stack>
          </Checkbox.Group>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
            <TextInput label="Epochs" inputMode="numeric" placeholder={epochsHint} {...text('epochs')} />
            <TextInput
              label="Learning rate"
              inputMode="decimal"
              placeholder={lrHint}
              description="Tiny test models need about 1e-3."
              {...text('learningRate')}
            />
          </SimpleGrid>

          <UnstyledButton
            onClick={() => setAdvanced((a) => !a)}
            aria-expanded={advanced}
            aria-controls="run-advanced"
            style={{ alignSelf: 'flex-start' }}
          >
            <Group gap={4}>
              {advanced ? <IconChevronDown size={16} aria-hidden /> : <IconChevronRight size={16} aria-hidden />}
              <Text size="sm" fw={600}>
                Advanced
              </Text>
            </Group>
          </UnstyledButton>
          <Collapse expanded={advanced} id="run-advanced">
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
              <TextInput
                label="Effective batch size"
                inputMode="numeric"
                placeholder={`${ebsHint} (LAB)`}
                description="Samples per optimizer step. Left empty, it is fitted to small datasets (several steps per epoch)."
                {...text('effectiveBatchSize')}
              />
              <TextInput
                label="Max batch length"
                inputMode="numeric"
                placeholder={`${labDefaults.maxBatchLen} tokens`}
                description="Tokens per micro-batch; lower it when memory runs out."
                {...text('maxBatchLen')}
              />
              <TextInput
                label="Warmup steps"
                inputMode="numeric"
                placeholder={String(labDefaults.warmupSteps)}
                description="Left empty: at most 10% of the run's steps."
                {...text('warmupSteps')}
              />
              <Input.Wrapper label="Device" error={errors.device} description="Auto picks CUDA when there is one.">
                <SegmentedControl
                  mt={6}
                  fullWidth
                  aria-label="Device"
                  data={[
                    { value: 'auto', label: 'Auto' },
                    { value: 'cpu', label: 'CPU' },
                    { value: 'cuda', label: 'CUDA', disabled: !cuda },
                  ]}
                  value={values.device}
                  onChange={(v) => set('device', v as RunFormValues['device'])}
                />
              </Input.Wrapper>
              <Input.Wrapper
                label="Precision"
                error={errors.precision}
                description="Auto: bf16 where the GPU has it, else fp16; fp32 on CPU."
              >
                <SegmentedControl
                  mt={6}
                  fullWidth
                  aria-label="Precision"
                  data={[
                    { value: 'auto', label: 'Auto' },
                    { value: 'bf16', label: 'bf16', disabled: !cuda },
                    { value: 'fp16', label: 'fp16', disabled: !cuda },
                    { value: 'fp32', label: 'fp32' },
                  ]}
                  value={values.precision}
                  onChange={(v) => set('precision', v as RunFormValues['precision'])}
                />
              </Input.Wrapper>
              <Input.Wrapper
                label={method === 'osft' ? 'OSFT layers' : 'LoRA layers'}
                description={
                  method === 'full'
                    ? 'Full fine-tuning trains every layer.'
                    : 'Attention projections (LAB default) or every linear layer (more capacity).'
                }
              >
                <SegmentedControl
                  mt={6}
                  fullWidth
                  aria-label="Adapter layers"
                  disabled={method === 'full'}
                  data={[
                    { value: 'attention', label: 'Attention' },
                    { value: 'all-linear', label: 'All linear' },
                  ]}
                  value={values.loraTargets}
                  onChange={(v) => set('loraTargets', v as RunFormValues['loraTargets'])}
                />
              </Input.Wrapper>
              <Checkbox
                mt="xs"
                label="Gradient checkpointing"
                description="Recomputes activations: much less memory, about a third slower."
                checked={values.gradientCheckpointing}
                onChange={(e) => set('gradientCheckpointing', e.currentTarget.checked)}
              />
            </SimpleGrid>
          </Collapse>

          {apiError && (
            <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} title={apiError.message}>
              {apiError.hint ?? `Error code ${apiError.code}.`}
            </Alert>
          )}
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={onClose}>
              Close
            </Button>
            <Button type="submit" loading={submitting} leftSection={<IconPlayerPlay size={16} aria-hidden />}>
              Start training
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
