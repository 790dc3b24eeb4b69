"""The config language: YAML -> validated, frozen :class:`Config`.

``load_config`` reads a file, ``parse_config`` reads text; ``load_data`` and
``validate_data`` split the two steps so that an experiment can overlay
changes on the plain data before validating. Every problem is a
:class:`flowsim.errors.ConfigError` that names file, line, column and key path.
"""

from .load import load_config, load_data, parse_config, validate_data
from .schema import Config

__all__ = ["Config", "load_config", "load_data", "parse_config", "validate_data"]
