"""Scenario overlays: change the plain YAML data by key path, then validate.

A scenario is applied to the data *before* validation, so a value it sets is
checked exactly like a value written in the model, and an error in it points at
the scenario's line (in the model file, or in the experiment file that gave the
scenario)::

    scenarios:
      more_reablement:
        set: {services.reablement.servers: 200}
      raid:
        interventions: [raid]

Key paths are dotted; list items are addressed by index
(``services.ed.routes.general.0.p``). Every step but the last must exist; the
last may add a key to a mapping. ``interventions`` are appended to
``active_interventions``. The scenario named ``baseline`` is the model as
written unless the model defines it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ..suggest import did_you_mean
from ..errors import ConfigError
from .load import load_data, validate_data
from .schema import Config
from .yaml_loader import Positions

__all__ = ["BASELINE", "Overlay", "apply_scenario", "scenario_names", "load_scenario", "validate_scenario"]

BASELINE = "baseline"
_SCENARIO_KEYS = ("description", "set", "interventions")


@dataclass
class Overlay:
    """Where overlaid values came from: target path -> (file, positions, source path)."""

    origins: list[tuple[tuple, str, Positions, tuple]] = field(default_factory=list)

    def locate(self, err: ConfigError) -> ConfigError:
        """Re-point an error inside an overlaid value at the line that set it."""
        if not err.path:
            return err
        parts = tuple(err.path.split("."))
        for target, file, pos, src in reversed(self.origins):
            t = tuple(str(x) for x in target)
            if parts[:len(t)] == t:
                suffix = tuple(int(x) if x.isdigit() else x for x in parts[len(t):])
                where = pos.find(src + suffix)
                return ConfigError(err.message, file=file, line=where[0] if where else None,
                                   column=where[1] if where else None, path=err.path)
        return err


def _err(msg: str, file: str | None, pos: Positions, path: tuple, key: bool = False) -> ConfigError:
    where = pos.find(path, key=key)
    return ConfigError(msg, file=file, line=where[0] if where else None, column=where[1] if where else None,
                       path=".".join(str(p) for p in path))


def scenario_names(data: Any, extra: dict | None = None) -> list[str]:
    """Scenario names a model offers (``baseline`` always), plus those of ``extra``."""
    names = [BASELINE]
    own = data.get("scenarios") if isinstance(data, dict) else None
    for src in (own if isinstance(own, dict) else {}, extra or {}):
        names += [n for n in src if n not in names]
    return names


def _resolve(data: dict, path: tuple, key_text: str, file, pos, src_path) -> tuple[Any, Any]:
    """The container and key that ``path`` names in ``data``; every step but the last must exist."""
    node: Any = data
    for i, step in enumerate(path):
        last = i == len(path) - 1
        if isinstance(node, list):
            if not (isinstance(step, int) and -len(node) <= step < len(node)):
                raise _err(f"'{key_text}': expected a list index below {len(node)} at "
                           f"'{'.'.join(map(str, path[:i]))}', found '{step}'", file, pos, src_path, key=True)
        elif isinstance(node, dict):
            step = str(step)
            if step not in node and not last:
                raise _err(f"'{key_text}': unknown key '{step}'" + did_you_mean(step, node)
                           + f" under '{'.'.join(map(str, path[:i])) or 'the top level'}'",
                           file, pos, src_path, key=True)
        else:
            raise _err(f"'{key_text}': expected a mapping or list at '{'.'.join(map(str, path[:i]))}', "
                       f"found a single value", file, pos, src_path, key=True)
        if last:
            return node, step
        node = node[step]
    raise _err("expected a non-empty key path", file, pos, src_path, key=True)


def _parse_path(text: str) -> tuple:
    return tuple(int(s) if s.lstrip("-").isdigit() else s for s in str(text).split("."))


def _check_scenario(spec: Any, name: str, file, pos, base: tuple) -> dict:
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise _err(f"expected a mapping (set, interventions, description), found {type(spec).__name__}",
                   file, pos, base)
    for k in spec:
        if k not in _SCENARIO_KEYS:
            raise _err(f"unknown key '{k}'" + (did_you_mean(k, _SCENARIO_KEYS) or "; expected one of "
                       + ", ".join(_SCENARIO_KEYS)), file, pos, base + (k,), key=True)
    if not isinstance(spec.get("set", {}) or {}, dict):
        raise _err("expected a mapping of key paths to values", file, pos, base + ("set",))
    ivs = spec.get("interventions", []) or []
    if not isinstance(ivs, list) or not all(isinstance(x, str) for x in ivs):
        raise _err("expected a list of intervention names", file, pos, base + ("interventions",))
    return spec


def apply_scenario(data: Any, positions: Positions, filename: str | None, name: str,
                   extra: dict | None = None, extra_positions: Positions | None = None,
                   extra_file: str | None = None, extra_base: tuple = ("scenarios",)):
    """Apply scenario ``name`` to a copy of the plain model data.

    Parameters
    ----------
    data, positions, filename
        The model as returned by ``load_data``.
    name : str
        The scenario; ``baseline`` is the model as written unless defined.
    extra : dict, optional
        Scenarios given elsewhere (an experiment file); they win over the model's.
    extra_positions, extra_file, extra_base
        Where ``extra`` came from, and the key path of ``extra`` in that file.

    Returns
    -------
    (data, positions, overlay)
        New data (the input is not changed), positions with overlaid values
        re-pointed, and an :class:`Overlay` to map errors back to their lines.

    Raises
    ------
    ConfigError
        Unknown scenario (with a suggestion), malformed scenario, bad key path.
    """
    if not isinstance(data, dict):
        return data, positions, Overlay()
    own = data.get("scenarios") or {}
    if extra and name in extra:
        spec, file, pos, base = extra[name], extra_file, extra_positions or Positions(), extra_base + (name,)
    elif isinstance(own, dict) and name in own:
        spec, file, pos, base = own[name], filename, positions, ("scenarios", name)
    elif name == BASELINE:
        return data, positions, Overlay()
    else:
        names = scenario_names(data, extra)
        raise ConfigError(f"unknown scenario '{name}'" + (did_you_mean(name, names) or "")
                          + f"; scenarios are {', '.join(names)}", file=filename, path="--scenario")
    spec = _check_scenario(spec, name, file, pos, base)
    out = copy.deepcopy(data)
    new_pos = Positions(values=dict(positions.values), keys=dict(positions.keys))
    overlay = Overlay()
    for key_text, value in (spec.get("set") or {}).items():
        src = base + ("set", key_text)
        path = _parse_path(key_text)
        container, step = _resolve(out, path, key_text, file, pos, src)
        container[step] = copy.deepcopy(value)
        target = tuple(path[:-1]) + (step,)
        overlay.origins.append((target, file, pos, src))
        if file == filename:  # same file: later errors find the scenario's line directly
            for table in (new_pos.values, new_pos.keys):
                for p in [p for p in table if p[:len(target)] == target]:
                    del table[p]
            for p, where in pos.values.items():
                if p[:len(src)] == src:
                    new_pos.values[target + p[len(src):]] = where
    ivs = list(spec.get("interventions") or [])
    if ivs:
        active = out.get("active_interventions")
        active = list(active) if isinstance(active, list) else []
        for j, iv in enumerate(ivs):
            overlay.origins.append((("active_interventions", len(active)), file, pos, base + ("interventions", j)))
            active.append(iv)
        out["active_interventions"] = active
    return out, new_pos, overlay


def validate_scenario(data: Any, positions: Positions, filename: str | None, name: str = BASELINE,
                      **extra) -> Config:
    """Apply a scenario and validate the result (errors point at the line that caused them)."""
    new, pos, overlay = apply_scenario(data, positions, filename, name, **extra)
    try:
        return validate_data(new, pos, filename)
    except ConfigError as e:
        raise overlay.locate(e) from None


def load_scenario(path, name: str = BASELINE) -> Config:
    """Load a model file with one of its scenarios applied.

    Parameters
    ----------
    path : str or os.PathLike
        The YAML model.
    name : str
        Scenario name (``baseline``: the model as written).

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        For any problem, pointing at the model line or the scenario line.
    """
    data, positions = load_data(path)
    if is_experiment(data):
        raise ConfigError("this is an experiment file (it names a model); run it with "
                          f"'flowsim experiment {path}'", file=str(path))
    return validate_scenario(data, positions, str(path), name)


def is_experiment(data) -> bool:
    """True for the data of an experiment file: it names a model and defines no services."""
    return isinstance(data, dict) and "model" in data and "services" not in data
