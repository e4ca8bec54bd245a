import { Button, Drawer, Group, Input, NumberInput, SegmentedControl, Slider, Stack, Textarea } from '@mantine/core';
import { useState } from 'react';
import type { ConversationInfo, Sampling } from '../../../../electron/shared/contract';
import { applyPreset, presetOf, SAMPLING_DEFAULTS as DEFAULTS, SAMPLING_PRESETS } from './sampling-presets';

/** System prompt and sampling (a preset or custom values, and the seed) of one conversation. */
export function SettingsDrawer({
  conversation,
  opened,
  onClose,
  onSave,
}: {
  conversation: ConversationInfo;
  opened: boolean;
  onClose(): void;
  onSave(p: { systemPrompt: string; sampling: Sampling }): void;
}) {
  const [system, setSystem] = useState(conversation.systemPrompt);
  const [s, setS] = useState<Sampling>(conversation.sampling);
  const set = (k: keyof Sampling, v: number | string): void =>
    setS((prev) => {
      const next = { ...prev };
      if (v === '' || v === undefined) delete next[k];
      else next[k] = Number(v);
      return next;
    });
  return (
    <Drawer opened={opened} onClose={onClose} position="right" title="Conversation settings" size="md">
      <Stack gap="md">
        <Textarea
          label="System prompt"
          description="Sent before every message of this conversation."
          autosize
          minRows={3}
          maxRows={10}
          value={system}
          onChange={(e) => setSystem(e.currentTarget.value)}
        />
        <div>
          <Input.Label mb={6}>Sampling preset</Input.Label>
          <SegmentedControl
            fullWidth
            aria-label="Sampling preset"
            value={presetOf(s)?.name ?? 'Custom'}
            onChange={(v) => {
              const preset = SAMPLING_PRESETS.find((p) => p.name === v);
              if (preset) setS((prev) => applyPreset(prev, preset));
            }}
            data={[
              ...SAMPLING_PRESETS.map((p) => ({ value: p.name, label: p.name })),
              { value: 'Custom', label: 'Custom', disabled: true },
            ]}
          />
          <Input.Description mt={4}>
            {presetOf(s)?.description ?? 'Your own values below; pick a preset to replace them (the seed is kept).'}
          </Input.Description>
        </div>
        <div>
          <Input.Label>Temperature: {(s.temperature ?? DEFAULTS.temperature).toFixed(2)}</Input.Label>
          <Input.Description mb={6}>0 always picks the likeliest token; higher is more varied.</Input.Description>
          <Slider
            min={0}
            max={2}
            step={0.05}
            value={s.temperature ?? DEFAULTS.temperature}
            onChange={(v) => set('temperature', v)}
            aria-label="Temperature"
          />
        </div>
        <Group grow>
          <NumberInput
            label="Top P"
            min={0}
            max={1}
            step={0.05}
            decimalScale={2}
            placeholder={String(DEFAULTS.topP)}
            value={s.topP ?? ''}
            onChange={(v) => set('topP', v)}
          />
          <NumberInput
            label="Top K"
            min={0}
            max={1000}
            placeholder={String(DEFAULTS.topK)}
            value={s.topK ?? ''}
            onChange={(v) => set('topK', v)}
          />
        </Group>
        <Group grow>
          <NumberInput
            label="Max tokens"
            description="Longest answer"
            min={1}
            max={100000}
            placeholder={String(DEFAULTS.maxTokens)}
            value={s.maxTokens ?? ''}
            onChange={(v) => set('maxTokens', v)}
          />
          <NumberInput
            label="Seed"
            description="Same seed, same answer"
            min={0}
            max={2 ** 32 - 1}
            placeholder="random"
            value={s.seed ?? ''}
            onChange={(v) => set('seed', v)}
          />
        </Group>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setS({})}>
            Reset sampling
          </Button>
          <Button
            onClick={() => {
              onSave({ systemPrompt: system, sampling: s });
              onClose();
            }}
          >
            Save
          </Button>
        </Group>
      </Stack>
    </Drawer>
  );
}
