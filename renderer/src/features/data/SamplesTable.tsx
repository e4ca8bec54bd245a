import { Badge, Button, Group, Pagination, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import type { SdgSample } from '../../../../electron/shared/contract';

const PAGE = 10;

/** The kept samples as they arrive; a discarded one is left out of the mixed training sets. */
export function SamplesTable({
  samples,
  onDiscard,
}: {
  samples: SdgSample[];
  onDiscard: (s: SdgSample, discarded: boolean) => void;
}) {
  const [page, setPage] = useState(1);
  const pages = Math.max(1, Math.ceil(samples.length / PAGE));
  const shown = samples.slice((page - 1) * PAGE, page * PAGE);
  if (samples.length === 0)
    return (
      <Text size="sm" c="dimmed">
        The kept samples show up here as each leaf finishes its filters.
      </Text>
    );
  return (
    <Stack gap="xs">
      <Table.ScrollContainer minWidth={720}>
        <Table verticalSpacing="xs" aria-label="Generated samples">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Question</Table.Th>
              <Table.Th>Answer</Table.Th>
              <Table.Th>Leaf</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((s, i) => (
              <Table.Tr key={s.id} style={s.discarded ? { opacity: 0.5 } : undefined}>
                <Table.Td maw={360}>
                  <Text size="sm" lineClamp={3} td={s.discarded ? 'line-through' : undefined}>
                    {s.question}
                  </Text>
                </Table.Td>
                <Table.Td maw={360}>
                  <Text size="sm" lineClamp={3} td={s.discarded ? 'line-through' : undefined}>
                    {s.answer}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {s.leaf}
                  </Text>
                  {Object.entries(s.scores).map(([k, v]) => (
                    <Badge key={k} size="xs" variant="outline" mr={4}>
                      {k} {String(v)}
                    </Badge>
                  ))}
                </Table.Td>
                <Table.Td>
                  <Button
                    size="compact-xs"
                    variant={s.discarded ? 'default' : 'light'}
                    color={s.discarded ? 'gray' : 'red'}
                    aria-label={`${s.discarded ? 'Keep' : 'Discard'} sample ${(page - 1) * PAGE + i + 1}`}
                    onClick={() => onDiscard(s, !s.discarded)}
                  >
                    {s.discarded ? 'Keep' : 'Discard'}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Group justify="space-between">
        <Text size="xs" c="dimmed">
          {samples.length} samples, {samples.filter((s) => s.discarded).length} discarded
        </Text>
        {pages > 1 && <Pagination size="sm" total={pages} value={page} onChange={setPage} />}
      </Group>
    </Stack>
  );
}
