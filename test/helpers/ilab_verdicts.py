"""Verdicts of InstructLab's own taxonomy parser (the `instructlab-schema` package) on qna.yaml files.

Called the way `ilab taxonomy diff` and the SDG read a taxonomy: each file's own schema version
(`schema_version=0`), yamllint with the default config, yamllint warnings counted as errors.
Usage: python ilab_verdicts.py FILE...  ->  one JSON object {file: {errors, warnings, version, messages}}
(FILE relative to the working directory). ilab refuses a file when errors > 0.
"""

import json
import logging
import os
import pathlib
import shutil
import sys

# The parser runs `yamllint` from PATH: make it the one installed next to this interpreter.
os.environ["PATH"] = (
    os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
)

from instructlab.schema.taxonomy import (
    TaxonomyMessageFormat,
    TaxonomyParser,
    TaxonomyReadingException,
)


class Collect(logging.Handler):
    """Keeps the parser's reports, without the file name it starts each one with."""

    def __init__(self, file: str) -> None:
        super().__init__(logging.WARNING)
        self.prefix = f"{pathlib.Path(file)}:"
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info is None:
            self.messages.append(
                f"{record.levelname}: {record.getMessage().replace(self.prefix, '', 1)}"
            )


def main(files: list[str]) -> None:
    if shutil.which("yamllint") is None:  # the parser would skip linting silently
        sys.exit("yamllint is not installed next to this Python")
    log = logging.getLogger("instructlab.schema")
    log.propagate = False
    out = {}
    for f in files:
        handler = Collect(f)
        log.addHandler(handler)
        parser = TaxonomyParser(
            schema_version=0,
            message_format=TaxonomyMessageFormat.LOGGING,
            yamllint_strict=True,
        )
        parser.yq_available = (
            False  # line numbers come from yq; verdicts do not depend on them
        )
        try:
            t = parser.parse(f)
            out[f] = {
                "errors": t.errors,
                "warnings": t.warnings,
                "version": t.version,
                "messages": handler.messages,
            }
        except TaxonomyReadingException as e:  # PyYAML could not read the file
            out[f] = {
                "errors": 1,
                "warnings": 0,
                "version": 0,
                "messages": [f"ERROR: {e}"],
            }
        log.removeHandler(handler)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
