"""``flowsim fit``: from an episode extract to a draft model (docs/fit.md).

    result = fit_extract("episodes.csv")
    Path("draft.yaml").write_text(result.yaml)
"""

from .draft import FitResult, fit_extract
from .extract import read_extract

__all__ = ["FitResult", "fit_extract", "read_extract"]
