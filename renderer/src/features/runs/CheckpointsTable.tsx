import { Badge, Table, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import { IconStarFilled } from '@tabler/icons-react';
import type { CheckpointInfo } from '../../../../electron/shared/contract';
import { formatLoss, formatNumber } from './chart-data';
import { ChatWithCheckpoint } from './ChatWithCheckpoint';

/** The last two path parts (`phase1-knowledge/…/epoch-2`) are what tells checkpoints apart. */
const shortPath = (p: string): string => p.split(/[\\/]/).filter(Boolean).slice(-2).join('/');

const reasonLabel: Record<string, string> = { epoch: 'End of epoch', cancel: 'On cancel', final: 'Last epoch' };

export function CheckpointsTable({ checkpoints, best }: { checkpoints: CheckpointInfo[]; best: Set<string> }) {
  if (checkpoints.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No checkpoint yet: one is written and scored on the held-out samples at the end of every epoch.
      </Text>
    );
  }
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table verticalSpacing={6} horizontalSpacing="sm" aria-label="Checkpoints" striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Phase</Table.Th>
            <Table.Th>Epoch</Table.Th>
            <Table.Th>Step</Table.Th>
            <Table.Th>Held-out loss</Table.Th>
            <Table.Th>Checkpoint</Table.Th>
            <Table.Th>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {checkpoints.map((c) => {
            const isBest = best.has(c.path);
            return (
              <Table.Tr key={`${c.path}-${c.step}`} fw={isBest ? 600 : undefined}>
                <Table.Td tt="capitalize">{c.phase}</Table.Td>
                <Table.Td style={{ fontVariantNumeric: 'tabular-nums' }}>{formatNumber(c.epoch, 3)}</Table.Td>
                <Table.Td style={{ fontVariantNumeric: 'tabular-nums' }}>{c.step}</Table.Td>
                <Table.Td style={{ fontVariantNumeric: 'tabular-nums' }}>
                  {formatLoss(c.evalLoss)}
                  {isBest && (
                    <Badge
                      ml="xs"
                      size="sm"
                      color="teal"
                      variant="light"
                      radius="sm"
                      leftSection={<IconStarFilled size={10} aria-hidden />}
                    >
                      best
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td maw={320}>
                  <Tooltip label={c.path} openDelay={300} multiline maw={480}>
                    <Text size="xs" ff="monospace" truncate>
                      {shortPath(c.path)}
                    </Text>
                  </Tooltip>
                  {c.reason !== 'epoch' && (
                    <Text size="xs" c="dimmed">
                      {reasonLabel[c.reason] ?? c.reason}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <ChatWithCheckpoint checkpoint={c.path} label={shortPath(c.path)} />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
