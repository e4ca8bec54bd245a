import { IconRoute } from '@tabler/icons-react';
import { ComingSoon } from '../../components/ComingSoon';

export function PipelinePage() {
  return (
    <ComingSoon
      title="Pipeline"
      description="The guided LAB workflow: from taxonomy to a model you can chat with."
      emptyTitle="The guided pipeline is not available yet"
      icon={<IconRoute size={32} />}
      plans={[
        'Pick a taxonomy commit, a base model, a teacher and a judge, with settings sized for your hardware.',
        'Generate synthetic data, train phase 1 (knowledge) and phase 2 (skills), evaluate each checkpoint.',
        'Export the best checkpoint to GGUF and open it in Chat.',
      ]}
    />
  );
}
