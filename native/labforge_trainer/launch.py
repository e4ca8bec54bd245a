"""Command lines that start the worker: one process, or torchrun for several GPUs / nodes.

The one place that knows torchrun's arguments: LabForge runs
``python -m labforge_trainer.launch --exec --config C [--nproc-per-node N ...]`` and this module
replaces itself with the worker (or torchrun) command. No torch import here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LaunchSpec:
    config_path: str
    python: str = "python"
    nproc_per_node: int = 1
    nnodes: int = 1
    node_rank: int = 0
    master_addr: str | None = None
    master_port: int | None = None


def build_command(spec: LaunchSpec) -> list[str]:
    """``python -m labforge_trainer.worker`` alone, or under torchrun when more than one process.

    torchrun is invoked as ``python -m torch.distributed.run`` (the same program as the
    ``torchrun`` script) so the venv's interpreter is used even when its bin/ is not on PATH.
    """
    if spec.nproc_per_node < 1 or spec.nnodes < 1:
        raise ValueError("nproc_per_node and nnodes must be >= 1")
    if not 0 <= spec.node_rank < spec.nnodes:
        raise ValueError("node_rank must be in [0, nnodes)")
    worker = ["-m", "labforge_trainer.worker", "--config", spec.config_path]
    if spec.nproc_per_node == 1 and spec.nnodes == 1:
        return [spec.python, *worker]
    cmd = [spec.python, "-m", "torch.distributed.run", "--nproc-per-node", str(spec.nproc_per_node)]
    if spec.nnodes > 1:
        if not spec.master_addr:
            raise ValueError("master_addr is required with more than one node")
        cmd += ["--nnodes", str(spec.nnodes), "--node-rank", str(spec.node_rank)]
        cmd += ["--master-addr", spec.master_addr, "--master-port", str(spec.master_port or 29500)]
    elif spec.master_port is not None:
        cmd += ["--master-port", str(spec.master_port)]
    return [*cmd, *worker]


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os
    import shlex
    import subprocess
    import sys

    p = argparse.ArgumentParser(description="Print (or with --exec, run) the worker command line.")
    p.add_argument("--config", required=True)
    p.add_argument("--python", default=None, help="interpreter (default: this one)")
    p.add_argument("--nproc-per-node", type=int, default=1)
    p.add_argument("--nnodes", type=int, default=1)
    p.add_argument("--node-rank", type=int, default=0)
    p.add_argument("--master-addr")
    p.add_argument("--master-port", type=int)
    p.add_argument("--exec", action="store_true", help="replace this process with the command")
    a = p.parse_args(argv)
    spec = LaunchSpec(
        a.config,
        a.python or sys.executable,
        a.nproc_per_node,
        a.nnodes,
        a.node_rank,
        a.master_addr,
        a.master_port,
    )
    try:
        cmd = build_command(spec)
    except ValueError as e:
        p.error(str(e))
    if not a.exec:
        print(shlex.join(cmd))
        return 0
    from .orphan import set_parent_death_signal

    set_parent_death_signal()  # kept across exec: torchrun, too, ends with its parent
    sys.stdout.flush()
    if os.name == "posix":
        os.execv(cmd[0], cmd)
    return subprocess.call(cmd)  # Windows has no real exec; stdio is inherited


if __name__ == "__main__":
    raise SystemExit(main())
