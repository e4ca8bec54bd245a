import {
  ActionIcon,
  Alert,
  Button,
  Group,
  Paper,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
  Tooltip,
} from '@mantine/core';
import { IconAlertCircle, IconPlus, IconTrash } from '@tabler/icons-react';
import {
  applyForm,
  emptySeed,
  readForm,
  type QnaForm,
  type QnaStats,
  type SeedForm,
} from '../../../../electron/shared/taxonomy';
import { AskModelButton } from './AskModelButton';
import { SeedCounters } from './LimitCounters';

interface Props {
  text: string;
  kind: 'knowledge' | 'skill';
  stats: QnaStats | null;
  onChange(text: string): void;
  onAddDocument?: () => void;
}

/** The form view of a qna.yaml; every edit goes back into the YAML through the Document API (comments and order kept). */
export function QnaFormView({ text, kind, stats, onChange, onAddDocument }: Props) {
  const form = readForm(text, kind);
  if (!form)
    return (
      <Alert color="red" icon={<IconAlertCircle />} title="The form needs valid YAML">
        The YAML has a syntax error. Fix it in the YAML view (the problem list shows where), then come back.
      </Alert>
    );
  const update = (fn: (f: QnaForm) => void): void => {
    const next = structuredClone(form);
    fn(next);
    onChange(applyForm(text, next));
  };
  const seed = (i: number, fn: (s: SeedForm) => void): void => update((f) => fn(f.seed_examples[i]!));
  const area = { autosize: true, minRows: 2, maxRows: 12 } as const;

  return (
    <Stack gap="md">
      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          <TextInput
            label="Created by"
            description="Your name or GitHub user name"
            value={form.created_by}
            onChange={(e) => update((f) => (f.created_by = e.currentTarget.value))}
          />
          {kind === 'knowledge' ? (
            <>
              <TextInput
                label="Domain"
                description="The subject, e.g. astronomy (goes into the prompts)"
                value={form.domain}
                onChange={(e) => update((f) => (f.domain = e.currentTarget.value))}
              />
              <Textarea
                label="Document outline"
                description="A short summary of the document (goes into the prompts)"
                {...area}
                value={form.document_outline}
                onChange={(e) => update((f) => (f.document_outline = e.currentTarget.value))}
              />
            </>
          ) : (
            <Textarea
              label="Task description"
              description="What the skill does, in one sentence"
              {...area}
              value={form.task_description}
              onChange={(e) => update((f) => (f.task_description = e.currentTarget.value))}
            />
          )}
        </Stack>
      </Paper>

      {kind === 'knowledge' && (
        <Paper withBorder p="md" radius="md" component="section" aria-label="Document source">
          <Group justify="space-between" mb="xs">
            <Title order={3} size="h5">
              Document source
            </Title>
            {onAddDocument && (
              <Button size="xs" variant="light" onClick={onAddDocument}>
                Add document…
              </Button>
            )}
          </Group>
          <Stack gap="xs">
            <TextInput
              label="Repository"
              value={form.document.repo}
              onChange={(e) => update((f) => (f.document.repo = e.currentTarget.value))}
            />
            <Group grow>
              <TextInput
                label="Commit"
                value={form.document.commit}
                onChange={(e) => update((f) => (f.document.commit = e.currentTarget.value))}
              />
              <TextInput
                label="Patterns"
                description="Comma-separated, e.g. *.md"
                value={form.document.patterns.join(', ')}
                onChange={(e) =>
                  update(
                    (f) =>
                      (f.document.patterns = e.currentTarget.value
                        .split(',')
                        .map((s) => s.trim())
                        .filter(Boolean)),
                  )
                }
              />
            </Group>
          </Stack>
        </Paper>
      )}

      <Group justify="space-between">
        <Title order={3} size="h5">
          Seed examples ({form.seed_examples.length})
        </Title>
        <Button
          size="xs"
          variant="light"
          leftSection={<IconPlus size={14} />}
          onClick={() => update((f) => f.seed_examples.push(emptySeed(kind)))}
        >
          Add seed example
        </Button>
      </Group>
      {form.seed_examples.map((s, i) => (
        <Paper key={i} withBorder p="md" radius="md" component="section" aria-label={`Seed example ${i + 1}`}>
          <Group justify="space-between" mb="xs">
            <Text fw={600} size="sm">
              Seed example {i + 1}
            </Text>
            <Group gap="sm">
              <SeedCounters stats={stats} index={i} />
              <Tooltip label="Remove this seed example">
                <ActionIcon
                  variant="subtle"
                  color="red"
                  aria-label={`Remove seed example ${i + 1}`}
                  onClick={() => update((f) => f.seed_examples.splice(i, 1))}
                >
                  <IconTrash size={16} />
                </ActionIcon>
              </Tooltip>
            </Group>
          </Group>
          <Stack gap="xs">
            <Textarea
              label={kind === 'knowledge' ? 'Context' : 'Context (optional: makes the skill grounded)'}
              description={kind === 'knowledge' ? 'An excerpt of the document, up to 500 words' : undefined}
              {...area}
              value={s.context}
              onChange={(e) => seed(i, (x) => (x.context = e.currentTarget.value))}
            />
            {kind === 'skill' ? (
              <>
                <Textarea
                  label="Question"
                  {...area}
                  value={s.question}
                  onChange={(e) => seed(i, (x) => (x.question = e.currentTarget.value))}
                />
                <AskModelButton question={s.question} />
                <Textarea
                  label="Answer"
                  {...area}
                  value={s.answer}
                  onChange={(e) => seed(i, (x) => (x.answer = e.currentTarget.value))}
                />
              </>
            ) : (
              s.questions_and_answers.map((p, j) => (
                <Paper key={j} p="xs" radius="sm" bg="var(--mantine-color-default-hover)">
                  <Group justify="space-between" mb={4}>
                    <Text size="xs" fw={600} c="dimmed">
                      Question and answer {j + 1}
                      {j >= 3 ? ' (not used: SDG reads the first 3)' : ''}
                    </Text>
                    <ActionIcon
                      size="sm"
                      variant="subtle"
                      color="red"
                      aria-label={`Remove pair ${j + 1} of seed ${i + 1}`}
                      onClick={() => seed(i, (x) => x.questions_and_answers.splice(j, 1))}
                    >
                      <IconTrash size={14} />
                    </ActionIcon>
                  </Group>
                  <Stack gap={6}>
                    <Textarea
                      aria-label={`Seed ${i + 1} question ${j + 1}`}
                      placeholder="Question"
                      {...area}
                      minRows={1}
                      value={p.question}
                      onChange={(e) => seed(i, (x) => (x.questions_and_answers[j]!.question = e.currentTarget.value))}
                    />
                    <AskModelButton question={p.question} />
                    <Textarea
                      aria-label={`Seed ${i + 1} answer ${j + 1}`}
                      placeholder="Answer"
                      {...area}
                      minRows={1}
                      value={p.answer}
                      onChange={(e) => seed(i, (x) => (x.questions_and_answers[j]!.answer = e.currentTarget.value))}
                    />
                  </Stack>
                </Paper>
              ))
            )}
            {kind === 'knowledge' && (
              <Button
                size="compact-xs"
                variant="subtle"
                leftSection={<IconPlus size={12} />}
                onClick={() => seed(i, (x) => x.questions_and_answers.push({ question: '', answer: '' }))}
                style={{ alignSelf: 'flex-start' }}
              >
                Add question and answer
              </Button>
            )}
          </Stack>
        </Paper>
      ))}
    </Stack>
  );
}
