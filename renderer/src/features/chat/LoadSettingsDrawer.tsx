import { Alert, Badge, Button, Drawer, Group, Input, NumberInput, SegmentedControl, Stack, Text } from '@mantine/core';
import { IconAlertCircle, IconCircleCheck } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import type { FitResult, LoadedModelInfo, LoadSettings, ModelInfo } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import { messageOf } from '../../components/message-of';
import { useStore } from '../../store';

/** Sequences of a chat model when its settings leave them out (the model host's default). */
const DEFAULT_SEQUENCES = 4;

/** Bytes as the estimator writes them in its reasons (fit/machine.ts). */
const gib = (n: number): string => `${(n / 2 ** 30).toFixed(n >= 10 * 2 ** 30 ? 0 : 1)} GB`;

/** What a loaded model is running with, in one line. */
export function loadedLine(l: LoadedModelInfo): string {
  const where = l.gpuLayers > 0 ? `${l.gpuLayers}/${l.totalLayers} layers on ${l.gpu ?? 'the GPU'}` : 'on the CPU';
  const fa = l.flashAttention === undefined ? '' : ` · flash attention ${l.flashAttention ? 'on' : 'off'}`;
  return `${l.contextSize.toLocaleString('en')}-token context · ${where} · ${l.threads} thread${l.threads === 1 ? '' : 's'} · ${l.sequences} sequence${l.sequences === 1 ? '' : 's'}${fa}`;
}

type Origin = 'remembered' | 'estimate' | 'defaults';

interface Prefill {
  settings: LoadSettings;
  origin: Origin;
  error: string | null;
}

/** The remembered settings (unless `useRemembered` is false), else the estimator's preset for this machine. */
async function prefillOf(modelId: string, useRemembered: boolean): Promise<Prefill> {
  try {
    const r = await api.call('chat.loadSettings.get', { model: modelId });
    if (useRemembered && r.remembered) return { settings: r.settings, origin: 'remembered', error: null };
    const est = await api.call('hardware.fit', { model: modelId, task: 'chat' });
    const preset = est.preset && 'contextSize' in est.preset ? est.preset : null;
    return preset
      ? { settings: { contextSize: preset.contextSize, gpuLayers: preset.gpuLayers }, origin: 'estimate', error: null }
      : { settings: {}, origin: 'defaults', error: null };
  } catch (e) {
    return { settings: {}, origin: 'defaults', error: messageOf(e) };
  }
}

/**
 * How one model is loaded: context length, GPU layers, threads, parallel sequences and flash
 * attention. Prefilled from what was remembered for the model, else from the fit estimate;
 * every change is checked with `hardware.fit`, and settings that do not fit cannot be loaded.
 */
export function LoadSettingsDrawer({ model, opened, onClose }: { model: ModelInfo; opened: boolean; onClose(): void }) {
  const loaded = useStore((s) => s.chatHost?.loaded.find((l) => l.modelId === model.id) ?? null);
  const [settings, setSettings] = useState<LoadSettings | null>(null);
  const [origin, setOrigin] = useState<Origin>('defaults');
  const [fit, setFit] = useState<FitResult | null>(null);
  const [busy, setBusy] = useState<'load' | 'save' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const applyPrefill = (p: Prefill): void => {
    setSettings(p.settings);
    setOrigin(p.origin);
    setError(p.error);
    setSaved(null);
  };

  // Prefilled each time the drawer opens, for the model it opens for.
  useEffect(() => {
    if (!opened) return;
    let live = true;
    void prefillOf(model.id, true).then((p) => live && applyPrefill(p));
    return () => {
      live = false;
    };
  }, [opened, model.id]);

  // Every change is estimated again (debounced): the same estimator the core checks before loading.
  useEffect(() => {
    if (!opened || !settings) return;
    let live = true;
    const t = setTimeout(() => {
      api
        .call('hardware.fit', {
          model: model.id,
          task: 'chat',
          ...(typeof settings.contextSize === 'number' ? { context: settings.contextSize } : {}),
          ...(typeof settings.gpuLayers === 'number' ? { gpuLayers: settings.gpuLayers } : {}),
          sequences: settings.sequences ?? DEFAULT_SEQUENCES,
          ...(settings.flashAttention ? { flashAttention: true } : {}),
        })
        .then((r) => live && setFit(r))
        .catch(() => live && setFit(null));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [opened, settings, model.id]);

  const set = <K extends keyof LoadSettings>(k: K, v: LoadSettings[K] | undefined): void => {
    setSaved(null);
    setSettings((prev) => {
      const next = { ...prev };
      if (v === undefined) delete next[k];
      else next[k] = v;
      return next;
    });
  };
  const num = (v: string | number): number | undefined => (v === '' || v === undefined ? undefined : Number(v));
  const fits = fit?.fits ?? true;
  const largest = fit?.largest.context ?? null;

  const save = async (load: boolean): Promise<void> => {
    if (!settings) return;
    setBusy(load ? 'load' : 'save');
    setError(null);
    try {
      if (load) {
        const info = await api.call('chat.load', { model: model.id, settings });
        setSaved(`Loaded with these settings in ${(info.loadMs / 1000).toFixed(1)} s.`);
      } else {
        await api.call('chat.loadSettings.set', { model: model.id, settings });
        setSaved('Saved. They apply the next time this model is loaded.');
      }
      setOrigin('remembered');
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Drawer opened={opened} onClose={onClose} position="right" size="md" title={`Load settings · ${model.name}`}>
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {origin === 'remembered'
            ? 'Remembered for this model: Chat, Compare and labforge chat load it with these.'
            : origin === 'estimate'
              ? 'Prefilled from the fit estimate for this machine. Load or save to remember them for this model.'
              : 'The model host’s defaults. Load or save to remember settings for this model.'}
        </Text>
        {settings && (
          <>
            <NumberInput
              label="Context length"
              description={`Tokens the model sees at once, per sequence (empty: auto).${model.gguf?.contextLength ? ` Trained for ${model.gguf.contextLength.toLocaleString('en')}.` : ''}`}
              placeholder="auto"
              min={16}
              max={16_777_216}
              step={256}
              thousandSeparator=","
              value={typeof settings.contextSize === 'number' ? settings.contextSize : ''}
              onChange={(v) => set('contextSize', num(v))}
            />
            <NumberInput
              label="GPU layers"
              description="Layers offloaded to the GPU; 0 runs on the CPU (empty: as many as fit)."
              placeholder="auto"
              min={0}
              max={10_000}
              value={typeof settings.gpuLayers === 'number' ? settings.gpuLayers : ''}
              onChange={(v) => set('gpuLayers', num(v))}
            />
            <Group grow align="flex-start">
              <NumberInput
                label="CPU threads"
                description="Empty: physical cores"
                placeholder="default"
                min={1}
                max={1024}
                value={settings.threads ?? ''}
                onChange={(v) => set('threads', num(v))}
              />
              <NumberInput
                label="Parallel sequences"
                description="Answers decoded at once"
                placeholder={String(DEFAULT_SEQUENCES)}
                min={1}
                max={64}
                value={settings.sequences ?? ''}
                onChange={(v) => set('sequences', num(v))}
              />
            </Group>
            <Input.Wrapper
              label="Flash attention"
              description="Less memory for long contexts; auto turns it on where the model and backend support it."
            >
              <div style={{ marginTop: 6 }}>
                <SegmentedControl
                  aria-label="Flash attention"
                  value={settings.flashAttention === undefined ? 'auto' : settings.flashAttention ? 'on' : 'off'}
                  onChange={(v) => set('flashAttention', v === 'auto' ? undefined : v === 'on')}
                  data={[
                    { value: 'auto', label: 'Auto' },
                    { value: 'on', label: 'On' },
                    { value: 'off', label: 'Off' },
                  ]}
                />
              </div>
            </Input.Wrapper>
          </>
        )}
        {fit &&
          (fits ? (
            <Group gap={6} wrap="nowrap" align="flex-start" data-testid="load-fit">
              <IconCircleCheck size={18} color="var(--mantine-color-teal-6)" style={{ flexShrink: 0 }} />
              <Text size="sm">
                Fits: {gib(fit.requiredBytes)} of {gib(fit.availableBytes)} on {fit.device}.
              </Text>
            </Group>
          ) : (
            <Alert
              color="red"
              variant="light"
              icon={<IconAlertCircle size={18} />}
              title="These settings do not fit this machine"
              data-testid="load-fit"
            >
              <Stack gap="xs">
                <Text size="sm">{fit.reason}</Text>
                <Text size="sm">Lower the context length, GPU layers or parallel sequences.</Text>
                {largest !== null && (
                  <Group>
                    <Button size="xs" variant="light" color="red" onClick={() => set('contextSize', largest)}>
                      Use {largest.toLocaleString('en')} tokens (fits)
                    </Button>
                  </Group>
                )}
              </Stack>
            </Alert>
          ))}
        {error && (
          <Alert color="red" variant="light" icon={<IconAlertCircle size={18} />} title="Not loaded">
            {error}
          </Alert>
        )}
        {saved && !error && (
          <Text size="sm" c="teal.7">
            {saved}
          </Text>
        )}
        <div>
          <Group gap={6} mb={4}>
            <Text size="sm" fw={500}>
              Now
            </Text>
            <Badge size="sm" variant="light" color={loaded ? 'teal' : 'gray'}>
              {loaded ? 'loaded' : 'not loaded'}
            </Badge>
          </Group>
          <Text size="sm" c="dimmed" data-testid="loaded-line">
            {loaded ? loadedLine(loaded) : 'It loads with these settings on the next message.'}
          </Text>
        </div>
        <Group justify="space-between">
          <Button
            variant="subtle"
            onClick={() => void prefillOf(model.id, false).then(applyPrefill)}
            disabled={busy !== null}
          >
            Reset to estimate
          </Button>
          <Group gap="xs">
            <Button variant="default" onClick={() => void save(false)} loading={busy === 'save'} disabled={!fits}>
              Save
            </Button>
            <Button onClick={() => void save(true)} loading={busy === 'load'} disabled={!fits || busy !== null}>
              {loaded ? 'Reload' : 'Load'}
            </Button>
          </Group>
        </Group>
      </Stack>
    </Drawer>
  );
}
