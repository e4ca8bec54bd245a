import { Alert, Button, Group, Text } from '@mantine/core';
import { IconCpu } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import type { FitResult, TrainingPreset } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import { messageOf } from '../../components/message-of';
import type { RunFormValues } from './run-form';

const gb = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GB`;

/** The preset fields the form can take over (the rest, such as GPU count and offload, are shown). */
export function presetValues(p: TrainingPreset, cuda: boolean): Partial<RunFormValues> {
  return {
    method: p.method,
    maxBatchLen: String(p.maxBatchLen),
    gradientCheckpointing: p.gradientCheckpointing,
    precision: cuda ? p.precision : 'auto',
  };
}

const isTrainingPreset = (p: FitResult['preset']): p is TrainingPreset => p !== null && 'method' in p;

/**
 * What the fit estimator says about training `baseModel` here (`hardware.fit`): fits or not, bytes
 * needed vs available, the preset for this hardware with its reason, and a button that fills the
 * form with it. Asked again when the model or the method changes (OSFT is estimated as full).
 * `onPreset` gets each new preset as it arrives (the form takes it for the fields nobody edited).
 */
export function TrainingFit({
  baseModel,
  method,
  cuda,
  onApply,
  onPreset,
}: {
  baseModel: string;
  method: RunFormValues['method'];
  cuda: boolean;
  onApply(values: Partial<RunFormValues>): void;
  onPreset?(values: Partial<RunFormValues>): void;
}) {
  // Keyed by what was asked, so an answer for an earlier model or method is never shown.
  const [fit, setFit] = useState<{ key: string; result: FitResult | null; error: string | null } | null>(null);
  const model = baseModel.trim();
  const key = `${model}\u0000${method}`;
  useEffect(() => {
    if (!model) return;
    let live = true;
    const timer = setTimeout(() => {
      api.call('hardware.fit', { model, task: 'train', method: method === 'osft' ? 'full' : method }).then(
        (result) => live && setFit({ key, result, error: null }),
        (err: unknown) => live && setFit({ key, result: null, error: messageOf(err) }),
      );
    }, 400);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [model, method, key]);
  const arrived = fit?.key === key && fit.result && isTrainingPreset(fit.result.preset) ? fit.result.preset : null;
  useEffect(() => {
    if (arrived) onPreset?.(presetValues(arrived, cuda));
    // Once per answer: `onPreset` is a new function on every render of the form.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [arrived, cuda]);
  if (!model || !fit || fit.key !== key) return null;
  if (fit.error)
    return (
      <section aria-label="Training fit">
        <Alert color="gray" variant="light" title="Memory estimate unavailable">
          <Text size="sm">{fit.error}</Text>
        </Alert>
      </section>
    );
  const r = fit.result!;
  const preset = isTrainingPreset(r.preset) ? r.preset : null;
  return (
    <section aria-label="Training fit">
      <Alert
        color={r.fits ? 'teal' : 'red'}
        variant="light"
        icon={<IconCpu size={18} />}
        title={`${r.fits ? 'Fits this machine' : 'Does not fit'}: ${gb(r.requiredBytes)} of ${gb(r.availableBytes)} on ${r.device}`}
      >
        <Text size="sm">{r.reason}</Text>
        {preset && (
          <Group gap="sm" mt="xs" wrap="nowrap" align="flex-start">
            <Text size="xs" c="dimmed" style={{ flex: 1 }}>
              Preset for this hardware: {preset.method.toUpperCase()}, {preset.precision}, max batch length{' '}
              {preset.maxBatchLen}, effective batch {preset.effectiveBatchSize}, gradient checkpointing{' '}
              {preset.gradientCheckpointing ? 'on' : 'off'},{' '}
              {preset.gpus === 0 ? 'on the CPU' : `${preset.gpus} GPU${preset.gpus === 1 ? '' : 's'}`}
              {preset.sharding !== 'none' ? ` (${preset.sharding})` : ''}
              {preset.offloadOptimizer ? ', optimizer offloaded to RAM' : ''}. {preset.reason}
            </Text>
            <Button size="xs" variant="light" onClick={() => onApply(presetValues(preset, cuda))}>
              Use preset
            </Button>
          </Group>
        )}
        {r.unknowns.length > 0 && (
          <Text size="xs" c="dimmed" mt={4}>
            Assumed: {r.unknowns.join('; ')}
          </Text>
        )}
      </Alert>
    </section>
  );
}
