"""Entry point: ``python -m labforge_trainer.worker --config CONFIG.json``.

Exit codes: 0 done, 1 error (an ``error`` event was emitted), 3 cancelled (a ``cancelled`` event).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback

from .events import CancelFlag, Emitter, take_stdout
from .orphan import die_with_parent
from .protocol import EXIT_ERROR, ConfigError, Error, TrainerError, load_config

OOM_HINT = (
    "Lower max_batch_len (tokens per micro-batch), enable gradient_checkpointing, "
    "or switch to method 'lora' / 'qlora'."
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="labforge_trainer.worker")
    ap.add_argument("--config", required=True)
    args = ap.parse_args(argv)

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the trainer never downloads anything
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    rank = int(os.environ.get("RANK", "0"))
    proto = take_stdout()
    em = Emitter(proto, enabled=rank == 0)
    cancel = CancelFlag()
    cancel.install(read_stdin=rank == 0)
    die_with_parent(cancel.set)  # a killed parent: checkpoint and exit, never an orphan on the GPU
    try:
        cfg = load_config(args.config)
        from .runtime import dist_from_env
        from .trainer import Trainer

        return Trainer(cfg, em, cancel, dist_from_env()).run()
    except ConfigError as e:
        em.emit(Error(code="INVALID_CONFIG", message=str(e), hint=None))
        return EXIT_ERROR
    except TrainerError as e:
        logging.getLogger("labforge_trainer").error("%s: %s", e.code, e.message)
        em.emit(Error(code=e.code, message=e.message, hint=e.hint))
        return EXIT_ERROR
    except Exception as e:
        traceback.print_exc(file=sys.stderr)
        if _is_oom(e):
            em.emit(Error(code="OUT_OF_MEMORY", message=str(e).splitlines()[0], hint=OOM_HINT))
        else:
            em.emit(Error(code="WORKER_CRASHED", message=f"{type(e).__name__}: {e}", hint=None))
        return EXIT_ERROR
    finally:
        _shutdown_dist()


def _is_oom(e: BaseException) -> bool:
    try:
        import torch

        if isinstance(e, torch.cuda.OutOfMemoryError):
            return True
    except ImportError:
        pass
    return "CUDA out of memory" in str(e)


def _shutdown_dist() -> None:
    mod = sys.modules.get("torch.distributed")
    if mod is not None and mod.is_available() and mod.is_initialized():
        mod.destroy_process_group()


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    # skip interpreter teardown: the stdin reader thread may still block on read
    os._exit(code)
