import { useEffect, useState } from 'react';
import type { GpuStats, HardwareInfo, HardwareReport } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';

/** The readiness report (checks, profile, preset) of the scan on screen; refetched when a new scan arrives. */
export function useHardwareReport(hw: HardwareInfo | null): HardwareReport | null {
  const [report, setReport] = useState<HardwareReport | null>(null);
  useEffect(() => {
    if (!hw) return;
    let live = true;
    api.call('hardware.report', {}).then(
      (r) => live && setReport(r),
      () => undefined, // the card keeps the last report; a reconnect refetches the scan and with it this
    );
    return () => {
      live = false;
    };
  }, [hw]);
  return hw ? report : null;
}

const visible = (): boolean => typeof document === 'undefined' || document.visibilityState === 'visible';

/**
 * Live GPU utilisation and memory, polled every `everyMs` only while `enabled` (a job runs) and the
 * page is visible: a hidden window or another page costs nothing.
 */
export function useGpuStats(enabled: boolean, everyMs = 2000): GpuStats | null {
  const [stats, setStats] = useState<GpuStats | null>(null);
  const [shown, setShown] = useState(visible());
  useEffect(() => {
    const onChange = (): void => setShown(visible());
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  }, []);
  useEffect(() => {
    if (!enabled || !shown) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = (): void => {
      api.call('hardware.gpuStats', {}).then(
        (s) => {
          if (!live) return;
          setStats(s);
          timer = setTimeout(tick, everyMs);
        },
        () => {
          if (live) timer = setTimeout(tick, everyMs * 2);
        },
      );
    };
    tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [enabled, shown, everyMs]);
  return enabled ? stats : null;
}
