import { Grid, Stack } from '@mantine/core';
import { useShallow } from 'zustand/react/shallow';
import { PageHeader } from '../../components/PageHeader';
import { useStore } from '../../store';
import type { JobInfo } from '../../../../electron/shared/contract';
import { DiskSpeedCard } from './DiskSpeedCard';
import { HardwareCard } from './HardwareCard';
import { ReadinessCard } from './ReadinessCard';

function latest(jobs: Record<string, JobInfo>, kind: string, succeeded = false): JobInfo | undefined {
  let best: JobInfo | undefined;
  for (const j of Object.values(jobs)) {
    if (j.kind !== kind || (succeeded && j.state !== 'succeeded')) continue;
    if (!best || j.createdAt > best.createdAt) best = j;
  }
  return best;
}

export function DashboardPage() {
  const { hw, loaded, scan, bench, lastGoodBench } = useStore(
    useShallow((s) => ({
      hw: s.hardware,
      loaded: s.hardwareLoaded,
      scan: latest(s.jobsById, 'system.scan'),
      bench: latest(s.jobsById, 'system.benchmarkDisk'),
      lastGoodBench: latest(s.jobsById, 'system.benchmarkDisk', true),
    })),
  );
  return (
    <>
      <PageHeader
        title="Dashboard"
        description="This machine at a glance: its hardware and what it is ready to do in the LAB workflow."
      />
      <Stack gap="lg">
        <Grid gap="lg" align="stretch">
          <Grid.Col span={{ base: 12, lg: 7 }}>
            <HardwareCard hw={hw} loaded={loaded} scan={scan} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 5 }}>
            <ReadinessCard hw={hw} />
          </Grid.Col>
        </Grid>
        <DiskSpeedCard job={bench} lastGood={lastGoodBench} />
      </Stack>
    </>
  );
}
