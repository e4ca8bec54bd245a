import { Badge, Group, Paper, SimpleGrid, Text, Title } from '@mantine/core';
import type { HardwareReport } from '../../../../electron/shared/contract';

function Setting({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" tt="uppercase" fw={700} c="dimmed">
        {label}
      </Text>
      <Text size="sm" fw={600}>
        {value}
      </Text>
    </div>
  );
}

/** The profile this machine matches and the training settings the estimator picks for it (the training form starts from these). */
export function ProfileCard({ report }: { report: HardwareReport | null }) {
  if (!report) return null;
  const t = report.training;
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="profile-title">
      <Group justify="space-between" wrap="nowrap">
        <Title order={2} size="h4" id="profile-title">
          Profile
        </Title>
        <Badge variant="light" radius="sm" aria-label="Hardware profile">
          {report.profile.name}
        </Badge>
      </Group>
      <Text size="sm" c="dimmed" mt={4} mb="md">
        {report.profile.reason}
      </Text>
      {t ? (
        <>
          <Text size="sm" mb="sm">
            {t.reason}
          </Text>
          <SimpleGrid cols={{ base: 2, md: 4 }} spacing="md" verticalSpacing="sm">
            <Setting
              label="Method"
              value={
                t.method === 'full'
                  ? 'Full fine-tuning'
                  : t.method === 'lora'
                    ? `LoRA (rank ${t.loraRank})`
                    : `QLoRA 4-bit (rank ${t.loraRank})`
              }
            />
            <Setting label="Precision" value={t.precision} />
            <Setting label="GPUs" value={t.gpus > 1 ? `${t.gpus} (${t.sharding})` : String(t.gpus)} />
            <Setting label="max_batch_len" value={`${t.maxBatchLen.toLocaleString()} tokens`} />
            <Setting label="Effective batch" value={String(t.effectiveBatchSize)} />
            <Setting label="Checkpointing" value={t.gradientCheckpointing ? 'on' : 'off'} />
            <Setting label="Optimizer" value={t.offloadOptimizer ? 'offloaded to RAM' : 'on the GPU'} />
          </SimpleGrid>
        </>
      ) : (
        <Text size="sm">
          No training preset for the LAB student here: the trainer needs an NVIDIA or AMD GPU for 7–8B models. Chat,
          data generation and the workflow with tiny models still work.
        </Text>
      )}
    </Paper>
  );
}
