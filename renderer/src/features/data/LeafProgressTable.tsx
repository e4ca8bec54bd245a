import { Badge, Progress, Table, Text } from '@mantine/core';
import type { SdgLeafProgress } from '../../../../electron/shared/contract';
import { formatDuration } from '../../components/format';

const fractionOf = (l: SdgLeafProgress): number =>
  l.state === 'done' ? 1 : l.state === 'pending' ? 0 : (l.blockIndex + (l.total ? l.done / l.total : 0)) / l.blocks;

/** One row per leaf: its flow, the block running now, samples/min, ETA and the counts. */
export function LeafProgressTable({ leaves }: { leaves: SdgLeafProgress[] }) {
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table verticalSpacing="xs" aria-label="Progress per leaf">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Leaf</Table.Th>
            <Table.Th>Flow</Table.Th>
            <Table.Th w={220}>Progress</Table.Th>
            <Table.Th ta="right">Samples/min</Table.Th>
            <Table.Th ta="right">ETA</Table.Th>
            <Table.Th ta="right">Generated</Table.Th>
            <Table.Th ta="right">Kept</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {leaves.map((l) => (
            <Table.Tr key={l.leaf}>
              <Table.Td>
                <Text size="sm" fw={500}>
                  {l.leaf}
                </Text>
                {l.note && (
                  <Text size="xs" c="red">
                    0 samples: {l.note}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Badge variant="light" size="sm">
                  {l.flow}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Progress
                  value={fractionOf(l) * 100}
                  size="sm"
                  color={l.state === 'done' ? 'teal' : 'blue'}
                  aria-label={`${l.leaf} progress`}
                />
                <Text size="xs" c="dimmed">
                  {l.state === 'running' ? `${l.block ?? ''} ${l.done}/${l.total}` : l.state}
                </Text>
              </Table.Td>
              <Table.Td ta="right">{l.samplesPerMin.toFixed(1)}</Table.Td>
              <Table.Td ta="right">{l.etaSeconds === null ? '–' : formatDuration(l.etaSeconds)}</Table.Td>
              <Table.Td ta="right">{l.generated}</Table.Td>
              <Table.Td ta="right">{l.kept}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
