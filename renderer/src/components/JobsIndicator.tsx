import { Button, Loader } from '@mantine/core';
import { IconListCheck } from '@tabler/icons-react';
import { useStore } from '../store';
import { isActive } from '../store/jobs-slice';

export function JobsIndicator({ onOpen }: { onOpen: () => void }) {
  const running = useStore((s) => Object.values(s.jobsById).filter(isActive).length);
  return (
    <Button
      variant={running > 0 ? 'light' : 'subtle'}
      color={running > 0 ? 'blue' : 'gray'}
      onClick={onOpen}
      leftSection={running > 0 ? <Loader size={14} aria-hidden /> : <IconListCheck size={18} aria-hidden />}
      aria-label={`Jobs panel, ${running} running`}
      aria-haspopup="dialog"
    >
      {running > 0 ? `${running} running` : 'Jobs'}
    </Button>
  );
}
