import { useEffect, useState } from 'react';
import type { PipelineCheck, PipelineParams, PipelineRecord } from '../../../../electron/shared/contract';
import type { WizardForm } from './wizard-form';
import { api } from '../../api/connection';
import { messageOf } from '../../components/message-of';

export interface CheckState {
  check: PipelineCheck | null;
  error: string | null;
  pending: boolean;
}

/** `pipeline.check` on the form as it is, a moment after the last change (it reads the taxonomy and models). */
export function usePipelineCheck(params: PipelineParams, enabled: boolean): CheckState {
  const key = JSON.stringify(params);
  const [answer, setAnswer] = useState<{ key: string; check: PipelineCheck | null; error: string | null } | null>(null);
  // The check needs the models too (`student` and `teacher` are required).
  const wanted = enabled && !!params.taxonomy && !!params.student && !!params.teacher;
  useEffect(() => {
    if (!wanted) return;
    let live = true;
    const timer = setTimeout(() => {
      api.call('pipeline.check', JSON.parse(key) as PipelineParams).then(
        (check) => live && setAnswer({ key, check, error: null }),
        (err: unknown) => live && setAnswer({ key, check: null, error: messageOf(err) }),
      );
    }, 500);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, wanted]);
  // The last answer stays on screen while the next one is on its way.
  return { check: answer?.check ?? null, error: answer?.error ?? null, pending: wanted && answer?.key !== key };
}

/** Whatever `pipeline.start` refused with: the problems of its INVALID_REQUEST, if any. */
export function problemsOf(err: unknown): PipelineCheck['problems'] {
  const details = (err as { details?: { problems?: unknown } }).details;
  return Array.isArray(details?.problems) ? (details.problems as PipelineCheck['problems']) : [];
}

/** What the form steps (taxonomy, hardware, models) take. */
export interface FormStepProps {
  form: WizardForm;
  patch: (p: Partial<WizardForm>) => void;
  check: CheckState;
  record: PipelineRecord | null;
}
