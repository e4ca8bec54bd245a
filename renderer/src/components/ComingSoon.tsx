import { Badge, EmptyState, List, Paper, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { PageHeader } from './PageHeader';

interface Props {
  title: string;
  description: string;
  icon: ReactNode;
  /** What the page will let the user do, in plain words. */
  plans: string[];
  emptyTitle: string;
}

/** The honest placeholder for a page whose back end arrives in a later version. No fake data. */
export function ComingSoon({ title, description, icon, plans, emptyTitle }: Props) {
  return (
    <>
      <PageHeader title={title} description={description} />
      <Paper withBorder radius="md" p="xl">
        <EmptyState
          variant="light"
          size="lg"
          icon={icon}
          title={emptyTitle}
          description="This part of LabForge arrives in a later version. Nothing here is simulated: the page will fill in once the core can do the work."
        >
          <EmptyState.Actions>
            <Badge variant="light" color="gray" size="lg" radius="sm">
              Coming in a later version
            </Badge>
          </EmptyState.Actions>
        </EmptyState>
        <Text fw={600} size="sm" mt="xl" mb="xs" ta="center">
          What you will be able to do here
        </Text>
        <List size="sm" spacing={6} c="dimmed" maw={560} mx="auto">
          {plans.map((p) => (
            <List.Item key={p}>{p}</List.Item>
          ))}
        </List>
      </Paper>
    </>
  );
}
