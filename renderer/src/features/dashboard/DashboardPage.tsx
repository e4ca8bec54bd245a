import { Grid, Stack } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { PageHeader } from '../../components/PageHeader';
import { useStore } from '../../store';
import { isActive } from '../../store/jobs-slice';
import type { JobInfo } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import { DiagnosticsCard } from './DiagnosticsCard';
import { DiskSpeedCard } from './DiskSpeedCard';
import { HardwareCard } from './HardwareCard';
import { useGpuStats, useHardwareReport } from './hardware-hooks';
import { ProfileCard } from './ProfileCard';
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
  const { hw, loaded, jobsLoaded, scan, bench, lastGoodBench, busy } = useStore(
    useShallow((s) => ({
      hw: s.hardware,
      loaded: s.hardwareLoaded,
      jobsLoaded: s.jobsLoaded,
      scan: latest(s.jobsById, 'system.scan'),
      bench: latest(s.jobsById, 'system.benchmarkDisk'),
      lastGoodBench: latest(s.jobsById, 'system.benchmarkDisk', true),
      busy: Object.values(s.jobsById).some(isActive),
    })),
  );
  const report = useHardwareReport(hw);
  const stats = useGpuStats(busy && (hw?.gpus.length ?? 0) > 0);

  // A first launch scans by itself: no scan stored and none ever started.
  const started = useRef(false);
  useEffect(() => {
    if (started.current || !loaded || !jobsLoaded || hw !== null || scan !== undefined) return;
    started.current = true;
    api.call('system.scan', {}).catch(() => {
      started.current = false;
    });
  }, [loaded, jobsLoaded, hw, scan]);

  return (
    <>
      <PageHeader
        title="Dashboard"
        description="This machine at a glance: its hardware and what it is ready to do in the LAB workflow."
      />
      <Stack gap="lg">
        <Grid gap="lg" align="stretch">
          <Grid.Col span={{ base: 12, lg: 7 }}>
            <Stack gap="lg">
              <HardwareCard hw={hw} loaded={loaded} scan={scan} live={stats?.gpus ?? null} />
              <ProfileCard report={report} />
            </Stack>
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 5 }}>
            <ReadinessCard report={report} scanned={hw !== null} />
          </Grid.Col>
        </Grid>
        <DiskSpeedCard job={bench} lastGood={lastGoodBench} />
        <DiagnosticsCard />
      </Stack>
    </>
  );
}
