import { Badge, Group, SegmentedControl, Select, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { FitResult } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import { messageOf } from '../../components/message-of';
import { useStore } from '../../store';
import type { ModelChoice, SourceMode, TrainMethod } from './wizard-form';

const gb = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GB`;

/** "Fits this machine" from `hardware.fit` for a library model or a path (training for the student). */
function FitBadge({ model, task, method }: { model: string; task: 'chat' | 'train'; method: TrainMethod }) {
  const [fit, setFit] = useState<{ result: FitResult | null; error: string | null } | null>(null);
  useEffect(() => {
    if (!model) return;
    let live = true;
    const timer = setTimeout(() => {
      api.call('hardware.fit', { model, task, ...(task === 'train' && method !== 'osft' ? { method } : {}) }).then(
        (result) => live && setFit({ result, error: null }),
        (err: unknown) => live && setFit({ result: null, error: messageOf(err) }),
      );
    }, 400);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [model, task, method]);
  if (!model || !fit) return null;
  if (fit.error)
    return (
      <Tooltip label={fit.error} multiline w={280}>
        <Badge color="gray" variant="light">
          fit unknown
        </Badge>
      </Tooltip>
    );
  const r = fit.result!;
  return (
    <Badge color={r.fits ? 'teal' : 'red'} variant="light" aria-label={r.fits ? 'Fits this machine' : 'Does not fit'}>
      {r.fits ? 'Fits this machine' : 'Does not fit'} · {gb(r.requiredBytes)} of {gb(r.availableBytes)} on {r.device}
    </Badge>
  );
}

/** One model of the run: a library model, a path, or (teacher and judge) an OpenAI-compatible endpoint. */
export function ModelPicker({
  label,
  description,
  choice,
  onChange,
  format,
  method,
  optional = false,
}: {
  label: string;
  description: string;
  choice: ModelChoice;
  onChange: (c: ModelChoice) => void;
  format: 'gguf' | 'safetensors';
  method: TrainMethod;
  optional?: boolean;
}) {
  const models = useStore(useShallow((s) => Object.values(s.modelsById).filter((m) => m.format === format)));
  const data = useMemo(() => models.map((m) => ({ value: m.id, label: m.name })), [models]);
  const modes: { value: SourceMode; label: string }[] = [
    { value: 'library', label: 'Library' },
    { value: 'path', label: format === 'gguf' ? 'GGUF path' : 'Folder' },
    ...(format === 'gguf' ? [{ value: 'url' as const, label: 'OpenAI-compatible URL' }] : []),
  ];
  const set = (p: Partial<ModelChoice>): void => onChange({ ...choice, ...p });

  return (
    <Stack gap={6} role="group" aria-label={label}>
      <Group justify="space-between">
        <div>
          <Text fw={600} size="sm">
            {label}
            {optional ? ' (optional)' : ''}
          </Text>
          <Text size="xs" c="dimmed">
            {description}
          </Text>
        </div>
        {choice.mode !== 'url' && (
          <FitBadge model={choice.value} task={format === 'gguf' ? 'chat' : 'train'} method={method} />
        )}
      </Group>
      <SegmentedControl
        size="xs"
        data={modes}
        value={choice.mode}
        onChange={(v) => onChange({ mode: v as SourceMode, value: '', model: '' })}
        aria-label={`${label} source`}
        style={{ alignSelf: 'flex-start' }}
      />
      {choice.mode === 'library' && (
        <Select
          aria-label={`${label} model`}
          placeholder={data.length ? 'Pick a model' : 'No such model in the library yet'}
          data={data}
          value={choice.value || null}
          onChange={(v) => set({ value: v ?? '' })}
          searchable
          clearable={optional}
        />
      )}
      {choice.mode === 'path' && (
        <TextInput
          aria-label={`${label} path`}
          placeholder={format === 'gguf' ? '/models/teacher.Q4_K_M.gguf' : '/models/granite-3.3-2b-instruct'}
          value={choice.value}
          onChange={(e) => set({ value: e.currentTarget.value })}
        />
      )}
      {choice.mode === 'url' && (
        <Group grow>
          <TextInput
            aria-label={`${label} URL`}
            placeholder="http://localhost:8000/v1"
            value={choice.value}
            onChange={(e) => set({ value: e.currentTarget.value })}
          />
          <TextInput
            aria-label={`${label} model name`}
            placeholder="the endpoint's model name"
            value={choice.model}
            onChange={(e) => set({ model: e.currentTarget.value })}
          />
        </Group>
      )}
    </Stack>
  );
}
