"""``flowsim fit EPISODES.csv -o draft.yaml``: the command's work (cli.py only registers it)."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..outputs import check_output_path, write_atomically
from .draft import fit_extract

__all__ = ["cmd_fit"]


def cmd_fit(args) -> int:
    """Fit, write the draft atomically, print the report; exit 0."""
    check_output_path(args.output, (".yaml", ".yml"), "-o")  # before reading the extract, not after
    if Path(args.output).exists() and not args.force:
        raise UsageError(f"{args.output} already exists; pass --force to overwrite it", argument="-o")
    res = fit_extract(args.episodes, name=args.name)
    write_atomically(args.output, lambda tmp: tmp.write_text(res.yaml, encoding="utf-8"), "-o")
    for line in res.report:
        print(line)
    print(f"draft config written to {args.output}; check it, then: flowsim run {args.output}")
    return 0
