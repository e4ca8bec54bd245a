import { Badge, Group, Progress, Stack, Text, Tooltip } from '@mantine/core';
import { QNA_LIMITS, type QnaStats } from '../../../../electron/shared/taxonomy';

function Meter({ label, value, max, min }: { label: string; value: number; max?: number; min?: number }) {
  const over = max !== undefined && value > max;
  const under = min !== undefined && value < min;
  const color = over || under ? 'orange' : 'teal';
  return (
    <Tooltip label={max !== undefined ? `Advisory limit: ${max}` : `Advisory minimum: ${min}`}>
      <Stack gap={2} w={130}>
        <Group justify="space-between" gap={4}>
          <Text size="xs" c="dimmed">
            {label}
          </Text>
          <Text size="xs" fw={600} c={over || under ? 'orange.7' : undefined}>
            {value}/{max ?? min}
          </Text>
        </Group>
        <Progress
          size="xs"
          value={Math.min(100, (value / (max ?? min ?? 1)) * 100)}
          color={color}
          aria-label={`${label} ${value} of ${max ?? min}`}
        />
      </Stack>
    </Tooltip>
  );
}

/** Live word and character counts against the taxonomy's advisory limits. */
export function LimitCounters({ stats }: { stats: QnaStats | null }) {
  if (!stats) return null;
  const knowledge = stats.kind === 'knowledge';
  return (
    <Group gap="lg" wrap="wrap" aria-label="Limits">
      <Badge variant="light" color={stats.seeds.length >= QNA_LIMITS.minSeedExamples ? 'teal' : 'orange'}>
        {stats.seeds.length}/{QNA_LIMITS.minSeedExamples} seed examples
      </Badge>
      {!knowledge && (
        <>
          <Meter label="Total words" value={stats.totalWords} max={QNA_LIMITS.maxSkillWords} />
          {stats.grounded && <Badge variant="light">grounded skill</Badge>}
        </>
      )}
      {knowledge && (
        <>
          <Meter
            label="Longest context"
            value={Math.max(0, ...stats.seeds.map((s) => s.contextWords))}
            max={QNA_LIMITS.maxContextWords}
          />
          <Meter
            label="Most Q&A words"
            value={Math.max(0, ...stats.seeds.map((s) => s.qnaWords))}
            max={QNA_LIMITS.maxSeedQnaWords}
          />
        </>
      )}
    </Group>
  );
}

/** One seed's counters, for the form view. */
export function SeedCounters({ stats, index }: { stats: QnaStats | null; index: number }) {
  const s = stats?.seeds[index];
  if (!s) return null;
  if (stats.kind === 'knowledge')
    return (
      <Group gap="md">
        <Meter label="Context words" value={s.contextWords} max={QNA_LIMITS.maxContextWords} />
        <Meter label="Q&A words" value={s.qnaWords} max={QNA_LIMITS.maxSeedQnaWords} />
      </Group>
    );
  return (
    <Group gap="md">
      <Meter label="Question chars" value={s.questionChars} max={QNA_LIMITS.maxSkillQuestionChars} />
      <Meter label="Answer chars" value={s.answerChars} min={QNA_LIMITS.minSkillAnswerChars} />
    </Group>
  );
}
