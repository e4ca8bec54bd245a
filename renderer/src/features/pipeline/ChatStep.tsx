import { Alert, Button, Group, Paper, SimpleGrid, Stack, Text, Textarea, Title } from '@mantine/core';
import { IconPlayerStopFilled, IconSend } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { LAB_SYSTEM_PROMPT, type PipelineRecord } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import { messageOf } from '../../components/message-of';
import { Markdown } from '../chat/Markdown';
import { useStore } from '../../store';
import { useShallow } from 'zustand/react/shallow';

interface Answer {
  text: string;
  error: string | null;
  running: boolean;
}
const idle: Answer = { text: '', error: null, running: false };
const SIDES = [
  { key: 'tuned', title: 'Tuned model', label: 'Tuned answer' },
  { key: 'base', title: 'Base model', label: 'Base answer' },
] as const;

/** One question, two answers: the run's tuned GGUF beside its base (greedy, so the difference is the tuning). */
export function ChatStep({ record }: { record: PipelineRecord | null }) {
  const models = [record?.modelId ?? null, record?.baseModelId ?? null] as const;
  const names = useStore(useShallow((s) => models.map((id) => (id ? (s.modelsById[id]?.name ?? id) : 'not exported'))));
  const [question, setQuestion] = useState('');
  const [answers, setAnswers] = useState<[Answer, Answer]>([idle, idle]);
  const controllers = useRef<AbortController[]>([]);
  useEffect(() => () => controllers.current.forEach((c) => c.abort()), []);

  const patch = (i: 0 | 1, p: (a: Answer) => Partial<Answer>): void =>
    setAnswers((prev) =>
      i === 0 ? [{ ...prev[0], ...p(prev[0]) }, prev[1]] : [prev[0], { ...prev[1], ...p(prev[1]) }],
    );

  const ask = (): void => {
    controllers.current = [new AbortController(), new AbortController()];
    setAnswers([
      { ...idle, running: models[0] !== null },
      { ...idle, running: models[1] !== null },
    ]);
    ([0, 1] as const).forEach((i) => {
      const model = models[i];
      if (!model) return patch(i, () => ({ error: 'This run has no such model (it was not exported).' }));
      api
        .stream(
          'chat.generate',
          {
            model,
            // The training data carry upstream's system prompt, so the tuned model is asked with it (the base too).
            messages: [
              { role: 'system', content: LAB_SYSTEM_PROMPT },
              { role: 'user', content: question },
            ],
            sampling: { temperature: 0, maxTokens: 256 },
          },
          (p) => {
            if (p.type === 'token') patch(i, (a) => ({ text: a.text + p.text }));
          },
          { signal: controllers.current[i]!.signal },
        )
        .catch((e: unknown) => {
          if ((e as { code?: string }).code !== 'CANCELLED') patch(i, () => ({ error: messageOf(e) }));
        })
        .finally(() => patch(i, () => ({ running: false })));
    });
  };
  const running = answers[0].running || answers[1].running;

  if (!record?.modelId) {
    return (
      <Text size="sm" c="dimmed">
        Once the run has exported its GGUF, ask the tuned model and its base the same question here.
      </Text>
    );
  }
  return (
    <Stack gap="md">
      <Text size="sm">Ask one question: the tuned model and its base answer side by side.</Text>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {SIDES.map((side, i) => (
          <Paper key={side.key} withBorder radius="md" p="md" component="section" aria-label={side.label}>
            <Title order={3} size="h6" mb="xs">
              {side.title}
            </Title>
            <Text size="xs" c="dimmed" mb="xs" style={{ wordBreak: 'break-all' }}>
              {names[i]}
            </Text>
            <div aria-live="polite">
              {answers[i]!.text ? (
                <Markdown text={answers[i]!.running ? `${answers[i]!.text}▍` : answers[i]!.text} />
              ) : (
                <Text c="dimmed" size="sm">
                  {answers[i]!.running ? 'Thinking…' : 'The answer appears here.'}
                </Text>
              )}
            </div>
            {answers[i]!.error && <Alert color="red" variant="light" mt="sm" title={answers[i]!.error} />}
          </Paper>
        ))}
      </SimpleGrid>
      <Group align="flex-end" wrap="nowrap">
        <Textarea
          style={{ flex: 1 }}
          autosize
          minRows={2}
          maxRows={6}
          label="Question for both models"
          placeholder="Ask something the taxonomy taught it…"
          value={question}
          onChange={(e) => setQuestion(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && question.trim() && !running) {
              e.preventDefault();
              ask();
            }
          }}
        />
        {running ? (
          <Button
            color="red"
            leftSection={<IconPlayerStopFilled size={16} aria-hidden />}
            onClick={() => controllers.current.forEach((c) => c.abort())}
          >
            Stop
          </Button>
        ) : (
          <Button leftSection={<IconSend size={16} aria-hidden />} disabled={!question.trim()} onClick={ask}>
            Ask both
          </Button>
        )}
      </Group>
    </Stack>
  );
}
