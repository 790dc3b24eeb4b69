"""Warm start: begin a run from a bed census instead of an empty system.

- ``census_file``: the census CSV (read with errors that name file, row and column; write).
- ``census_draws``: Draws with the census patients first, their residual stays drawn
  from the ``census`` streams, so the source patients' draws are unchanged.
- ``snapshot``: the census of a run at a given time, from its event log (``flowsim census``).
"""

from .census_file import CENSUS_COLUMNS, Census, read_census, write_census
from .census_draws import CensusDraws, census_draws

__all__ = ["CENSUS_COLUMNS", "Census", "read_census", "write_census", "CensusDraws", "census_draws"]
