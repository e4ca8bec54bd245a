import { Badge, List, Text } from '@mantine/core';
import type { PipelineRecord } from '../../../../electron/shared/contract';

/** The leaves a run trains, each with why the taxonomy diff selected it. */
export function LeavesList({ leaves }: { leaves: PipelineRecord['leaves'] }) {
  if (leaves.length === 0) return <Text size="sm">No leaves changed against this base: nothing to train.</Text>;
  return (
    <>
      <Text size="sm" fw={600}>
        {leaves.length === 1 ? 'This leaf' : `These ${leaves.length} leaves`} will be trained:
      </Text>
      <List size="sm" spacing={4} aria-label="Leaves to train">
        {leaves.map((l) => (
          <List.Item key={l.path}>
            <Badge size="xs" variant="light" mr={6} color={l.kind === 'knowledge' ? 'indigo' : 'teal'}>
              {l.kind}
            </Badge>
            <b>{l.leafId}</b>, because {l.reason}
          </List.Item>
        ))}
      </List>
    </>
  );
}
