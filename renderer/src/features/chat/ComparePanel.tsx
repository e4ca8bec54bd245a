import { Alert, Button, Group, Paper, Select, SimpleGrid, Stack, Text, Textarea, Title } from '@mantine/core';
import { IconPlayerStopFilled, IconSend } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import type { GenerationStats, ModelInfo, Sampling } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import classes from './Chat.module.css';
import { messageOf } from '../../components/message-of';
import { Markdown } from './Markdown';
import { statsLine } from './MessageView';

interface Side {
  text: string;
  stats: GenerationStats | null;
  error: string | null;
  running: boolean;
}

const empty: Side = { text: '', stats: null, error: null, running: false };

/** Two models answer the same prompt side by side (two streams at once, nothing stored). */
export function ComparePanel({
  models,
  systemPrompt,
  sampling,
  initial,
}: {
  models: ModelInfo[];
  systemPrompt: string;
  sampling: Sampling;
  /** The two model ids to start with (default: the first two of the library). */
  initial?: [string, string];
}) {
  const [picks, setPicks] = useState<[string | null, string | null]>(
    initial ?? [models[0]?.id ?? null, models[1]?.id ?? models[0]?.id ?? null],
  );
  const [prompt, setPrompt] = useState('');
  const [sides, setSides] = useState<[Side, Side]>([empty, empty]);
  const controllers = useRef<AbortController[]>([]);
  const buffers = useRef(['', '']);
  const frame = useRef<number | null>(null);

  useEffect(() => () => controllers.current.forEach((c) => c.abort()), []);

  const flush = (): void => {
    frame.current = null;
    const [a, b] = buffers.current;
    buffers.current = ['', ''];
    setSides((prev) => [
      { ...prev[0], text: prev[0].text + a },
      { ...prev[1], text: prev[1].text + b },
    ]);
  };
  const patch = (i: 0 | 1, p: Partial<Side>): void =>
    setSides((prev) => (i === 0 ? [{ ...prev[0], ...p }, prev[1]] : [prev[0], { ...prev[1], ...p }]));

  const run = (): void => {
    setSides([
      { ...empty, running: true },
      { ...empty, running: true },
    ]);
    controllers.current = [new AbortController(), new AbortController()];
    ([0, 1] as const).forEach((i) => {
      const model = picks[i];
      if (!model) return patch(i, { running: false, error: 'Pick a model' });
      const messages = [
        ...(systemPrompt.trim() ? [{ role: 'system' as const, content: systemPrompt }] : []),
        { role: 'user' as const, content: prompt },
      ];
      api
        .stream(
          'chat.generate',
          { model, messages, sampling },
          (p) => {
            if (p.type === 'token') {
              buffers.current[i] += p.text;
              frame.current ??= requestAnimationFrame(flush);
            } else if (p.type === 'stats') patch(i, { stats: p.stats });
          },
          { signal: controllers.current[i]!.signal },
        )
        .catch((e: unknown) => {
          if ((e as { code?: string }).code !== 'CANCELLED') patch(i, { error: messageOf(e) });
        })
        .finally(() => {
          flush();
          patch(i, { running: false });
        });
    });
  };
  const running = sides[0].running || sides[1].running;
  const data = models.map((m) => ({ value: m.id, label: m.name }));

  return (
    <Stack gap="md" className={classes.compare}>
      <SimpleGrid cols={2} spacing="md" className={classes.compareGrid}>
        {([0, 1] as const).map((i) => (
          <Paper key={i} withBorder radius="md" p="md" className={classes.compareColumn}>
            <Select
              label={i === 0 ? 'Model A' : 'Model B'}
              data={data}
              value={picks[i]}
              onChange={(v) => setPicks((p) => (i === 0 ? [v, p[1]] : [p[0], v]))}
              mb="sm"
              allowDeselect={false}
            />
            <div className={classes.compareOutput} aria-label={`Answer of model ${i === 0 ? 'A' : 'B'}`}>
              {sides[i].text ? (
                <Markdown text={sides[i].running ? `${sides[i].text}▍` : sides[i].text} />
              ) : (
                <Text c="dimmed" size="sm">
                  {sides[i].running ? 'Thinking…' : 'The answer appears here.'}
                </Text>
              )}
              {sides[i].error && <Alert color="red" variant="light" mt="sm" title={sides[i].error} />}
            </div>
            {sides[i].stats && (
              <Text size="xs" c="dimmed" mt="sm">
                {statsLine(sides[i].stats!)}
              </Text>
            )}
          </Paper>
        ))}
      </SimpleGrid>
      <Title order={2} size="h6" className={classes.visuallyHidden}>
        Prompt for both models
      </Title>
      <Group align="flex-end" wrap="nowrap">
        <Textarea
          className={classes.grow}
          autosize
          minRows={2}
          maxRows={8}
          placeholder="One prompt, two answers…"
          aria-label="Compare prompt"
          value={prompt}
          onChange={(e) => setPrompt(e.currentTarget.value)}
        />
        {running ? (
          <Button
            color="red"
            leftSection={<IconPlayerStopFilled size={16} />}
            onClick={() => controllers.current.forEach((c) => c.abort())}
          >
            Stop
          </Button>
        ) : (
          <Button leftSection={<IconSend size={16} />} disabled={!prompt.trim() || models.length === 0} onClick={run}>
            Compare
          </Button>
        )}
      </Group>
    </Stack>
  );
}
