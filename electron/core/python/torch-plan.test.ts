import { describe, expect, it } from 'vitest';
import { lockWithoutTorch, pinnedTorch, torchPlan } from './torch-plan.js';

describe('torchPlan', () => {
  it('uses PyPI without a GPU and for CUDA 13 drivers', () => {
    expect(torchPlan(null)).toEqual({ source: 'pypi' });
    expect(torchPlan('13.0')).toEqual({ source: 'pypi' });
    expect(torchPlan('13.2')).toEqual({ source: 'pypi' });
  });

  it("picks PyTorch's CUDA 12 build an older driver can run", () => {
    expect(torchPlan('12.9')).toMatchObject({ source: 'index', variant: 'cu128' });
    expect(torchPlan('12.8')).toMatchObject({ source: 'index', variant: 'cu128' });
    expect(torchPlan('12.6')).toMatchObject({
      source: 'index',
      variant: 'cu126',
      url: 'https://download.pytorch.org/whl/cu126',
    });
  });

  it('refuses a driver too old for any build, saying what to do', () => {
    expect(() => torchPlan('11.8')).toThrow(/CUDA 11\.8.*12\.6 or newer/);
  });

  it('splits the lock into torch and the rest', () => {
    const lock =
      '# c\naccelerate==1.0\nnvidia-cublas==13.4\ncuda-toolkit==13.2\ntorch==2.15.0\ntriton==3.9.0\npeft==0.21.2\n';
    expect(lockWithoutTorch(lock)).toBe('# c\naccelerate==1.0\npeft==0.21.2\n');
    expect(pinnedTorch(lock)).toBe('torch==2.15.0');
  });
});
