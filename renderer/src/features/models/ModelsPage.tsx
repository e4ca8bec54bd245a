import { IconBox } from '@tabler/icons-react';
import { ComingSoon } from '../../components/ComingSoon';

export function ModelsPage() {
  return (
    <ComingSoon
      title="Models"
      description="Base, teacher and judge models on this machine, and the models you train."
      emptyTitle="No models yet"
      icon={<IconBox size={32} />}
      plans={[
        'Download base, teacher and judge models from a model hub, resumable if the connection drops.',
        'See size, format (safetensors or GGUF), quantization and whether it fits your GPU or RAM.',
        'Export a trained model to GGUF for fast offline chat.',
      ]}
    />
  );
}
