"""``flowsim fit EPISODES.csv -o draft.yaml``: the command's work (cli.py only registers it)."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ConfigError
from .draft import fit_extract

__all__ = ["cmd_fit"]


def cmd_fit(args) -> int:
    """Fit, write the draft atomically, print the report; exit 0."""
    out = Path(args.output)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise ConfigError(f"expected an output path ending in .yaml, found {str(out)!r}", path="-o")
    if not out.parent.is_dir() if str(out.parent) else False:
        raise ConfigError(f"expected an existing folder for the draft, found no folder '{out.parent}'", path="-o")
    if out.exists() and not args.force:
        raise ConfigError(f"{out} already exists; pass --force to overwrite it", path="-o")
    res = fit_extract(args.episodes, name=args.name)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(res.yaml, encoding="utf-8")
    os.replace(tmp, out)
    for line in res.report:
        print(line)
    print(f"draft config written to {out}; check it, then: flowsim run {out}")
    return 0
