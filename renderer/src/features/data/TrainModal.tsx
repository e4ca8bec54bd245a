import { Alert, Autocomplete, Button, Group, Modal, SegmentedControl, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { SdgResult } from '../../../../electron/shared/contract';
import type { AppError } from '../../../../electron/shared/errors';
import { api } from '../../api/connection';
import { hrefFor } from '../../routes';

/** "Train on this dataset": a training run on the generated files, in one click after picking the base model. */
export function TrainModal({ opened, onClose, result }: { opened: boolean; onClose: () => void; result: SdgResult }) {
  const [base, setBase] = useState('');
  const [method, setMethod] = useState<'lora' | 'qlora' | 'full'>('lora');
  const [models, setModels] = useState<string[]>([]);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!opened) return;
    api
      .call('models.list', { format: 'safetensors' })
      .then((ms) => setModels(ms.map((m) => m.path)))
      .catch(() => setModels([]));
  }, [opened]);
  const phases = [
    ...(result.files.knowledge ? ['knowledge' as const] : []),
    ...(result.files.skills ? ['skills' as const] : []),
  ];
  const start = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await api.call('training.start', { data: result.out, baseModel: base, method, phases });
      onClose();
      window.location.hash = hrefFor('runs');
    } catch (err) {
      setError(err as AppError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Train on this dataset" size="lg">
      <Stack>
        <Text size="sm">
          Phases: {phases.join(' then ') || 'none'} · data {result.out}
        </Text>
        <Autocomplete
          label="Base model"
          description="A Hugging Face model folder, or a safetensors model from the library"
          data={models}
          value={base}
          onChange={setBase}
          required
        />
        <SegmentedControl
          aria-label="Method"
          value={method}
          onChange={(v) => setMethod(v as typeof method)}
          data={[
            { value: 'lora', label: 'LoRA' },
            { value: 'qlora', label: 'QLoRA' },
            { value: 'full', label: 'Full' },
          ]}
        />
        {error && (
          <Alert color="red" title={error.message}>
            {error.hint}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button onClick={() => void start()} loading={busy} disabled={!base.trim() || phases.length === 0}>
            Start training
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
