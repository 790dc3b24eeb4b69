"""Load a config file: YAML -> plain data -> validated, checked :class:`Config`.

:func:`validate_data` is the single place where data becomes a Config: it runs
the pydantic schema and then the whole-model checks of ``config.checks``, and
turns every problem into a :class:`ConfigError` that says where (file, line,
column, key path as the user wrote it), what was expected and what was found.
When there are several problems the first in file order is raised and the
message says how many more there are.
"""

from __future__ import annotations

import os
import re
import stat
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import ConfigError
from ..suggest import did_you_mean
from . import checks
from .schema import DIST_NAMES, Config
from .yaml_loader import KeyPath, Positions, load_yaml

__all__ = ["load_config", "parse_config", "load_data", "validate_data"]


def load_data(path) -> tuple[Any, Positions]:
    """Read a YAML config file into plain data and a position map.

    Parameters
    ----------
    path : str or os.PathLike
        The config file.

    Returns
    -------
    data : Any
        Plain YAML data (dicts, lists, scalars).
    positions : Positions
        1-based line and column of every value and key, by key path.

    Raises
    ------
    ConfigError
        If the file cannot be read or is not valid, safe YAML.
    """
    text = _read_text(path)
    return load_yaml(text, str(path))


# The largest bundled config is ~20 kB; parsing 10 MB of YAML takes seconds.
MAX_BYTES = 10_000_000
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _read_text(path) -> str:
    """The text of a regular file of at most ``MAX_BYTES``, or a ConfigError naming the file."""
    def fail(what: str) -> ConfigError:
        return ConfigError(f"expected a config file, found {what}", file=str(path))
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise fail(f"no file at '{path}'") from None
    except OSError as exc:
        raise fail(f"a file that cannot be opened ({exc.strerror})") from None
    info = os.fstat(fd)
    limit = f"(a config is at most {MAX_BYTES / 1e6:g} MB)"
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
        os.close(fd)
        if stat.S_ISREG(info.st_mode):
            raise fail(f"{info.st_size / 1e6:.1f} MB at '{path}' {limit}")
        what = next((name for test, name in _KINDS if test(info.st_mode)), "something that is not a regular file")
        raise fail(f"{what} at '{path}' (only regular files are read)")
    with os.fdopen(fd, "rb") as fh:
        try:
            raw = fh.read(MAX_BYTES + 1)  # never more than the bound, whatever the size said
        except OSError as exc:
            raise fail(f"a file that cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_BYTES:  # its size said otherwise (a file under /proc, or one still growing)
        raise fail(f"more than {MAX_BYTES / 1e6:g} MB at '{path}' {limit}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"expected a UTF-8 text file, found a byte that is not UTF-8 at offset {exc.start}",
                          file=str(path)) from None


def load_config(path) -> Config:
    """Load, validate and check a config file.

    Parameters
    ----------
    path : str or os.PathLike
        The YAML config file.

    Returns
    -------
    Config
        The validated, frozen config (times in minutes, rates per minute).

    Raises
    ------
    ConfigError
        For any problem with the file, naming file, line, column and key path.
    """
    data, positions = load_data(path)
    return validate_data(data, positions, str(path))


def parse_config(text: str, filename: str = "<string>") -> Config:
    """Validate and check a config given as YAML text.

    Parameters
    ----------
    text : str
        The YAML document.
    filename : str
        Name used in error messages.

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        As :func:`load_config`.
    """
    data, positions = load_yaml(text, filename)
    return validate_data(data, positions, filename)


def validate_data(data: Any, positions: Positions | None = None, filename: str | None = None) -> Config:
    """Turn plain data into a checked Config, mapping every error to its place.

    Parameters
    ----------
    data : Any
        Plain data as returned by :func:`load_data` (possibly with overlays).
    positions : Positions, optional
        Where values came from; without it errors carry no line numbers.
    filename : str, optional
        Name used in error messages.

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        The first problem in file order; its message counts any further ones.
    """
    positions = positions if positions is not None else Positions()
    if not isinstance(data, dict):
        found = "an empty file" if data is None else _describe(data)
        pos = positions.find(())
        raise ConfigError(f"expected a mapping of keys (name, services, sources, ...) at the top level, "
                          f"found {found}", file=filename, line=pos[0] if pos else None,
                          column=pos[1] if pos else None)
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(err, data) for err in exc.errors()]
        raise _first(problems, positions, filename) from None
    problems = checks.find_problems(config)
    if problems:
        raise _first(problems, positions, filename)
    return config


# ------------------------------------------------------------------ error mapping
def _first(problems: list[checks.Problem], positions: Positions, filename: str | None) -> ConfigError:
    # One misspelt distribution, say, fails once for each of its parameters.
    problems = list(dict.fromkeys(problems))
    located = []
    for i, pr in enumerate(problems):
        pos = positions.find(pr.path, key=pr.at_key)
        located.append(((pos or (10**9, 0)), i, pr, pos))
    # a key reported missing next to an unknown one is usually the same key misspelt: report the unknown one
    misspelt = {pr.path[:-1] for pr in problems if pr.message.startswith("unknown key")}
    located.sort(key=lambda t: (t[2].message.startswith("missing required key") and t[2].path[:-1] in misspelt,
                                t[0], t[1]))
    _, _, pr, pos = located[0]
    message = pr.message
    more = len(problems) - 1
    if more:
        message += f" (and {more} more error{'s' if more > 1 else ''})"
    return ConfigError(message, file=filename, line=pos[0] if pos else None, column=pos[1] if pos else None,
                       path=".".join(str(p) for p in pr.path) or None)


def _data_path(loc: tuple, data: Any, keep_last: bool) -> KeyPath:
    """Drop pydantic's union tags from ``loc``, keeping only keys present in the data."""
    path: list = []
    node = data
    for i, el in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, dict) and el in node:
            path.append(el)
            node = node[el]
        elif isinstance(node, list) and isinstance(el, int) and 0 <= el < len(node):
            path.append(el)
            node = node[el]
        elif last and keep_last:
            path.append(el)
    return tuple(path)


def _unwrap(t: Any) -> Any:
    while typing.get_origin(t) is typing.Annotated:
        t = typing.get_args(t)[0]
    return t


def _members(t: Any) -> list:
    t = _unwrap(t)
    if typing.get_origin(t) in (typing.Union, types.UnionType):
        return list(typing.get_args(t))
    return [t]


def _step(t: Any, el: Any) -> Any:
    """The type found one step along ``loc`` from type ``t`` (tags select union members)."""
    for m in _members(t):
        if typing.get_origin(m) is typing.Annotated:
            for meta in typing.get_args(m)[1:]:
                if getattr(meta, "tag", None) == el:
                    return typing.get_args(m)[0]
        inner = _unwrap(m)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            if el in inner.model_fields:
                return inner.model_fields[el].annotation
            kind = inner.model_fields.get("kind")
            if kind is not None and el in typing.get_args(kind.annotation):
                return inner
    for m in _members(t):
        origin = typing.get_origin(_unwrap(m))
        if origin is dict:
            return typing.get_args(_unwrap(m))[1]
        if origin is list and isinstance(el, int):
            return typing.get_args(_unwrap(m))[0]
    return None


def _allowed_keys(loc: tuple) -> list[str]:
    t: Any = Config
    for el in loc:
        t = _step(t, el)
        if t is None:
            return []
    for m in _members(t):
        m = _unwrap(m)
        if isinstance(m, type) and issubclass(m, BaseModel):
            return list(m.model_fields)
    return []


def _describe(v: Any) -> str:
    if v is None:
        return "nothing (null)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f"'{v}'"
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, (int, float)):
        return f"{v!r}"
    return f"{v!r}"


# names users write for a key flowsim spells otherwise (too far apart for difflib)
_SYNONYMS = {"stdev": "sd", "std": "sd", "stddev": "sd", "sigma": "sd", "average": "mean", "mu": "mean",
             "capacity": "servers", "beds": "servers", "probability": "p", "prob": "p", "dest": "to"}
_DIST_EXAMPLE = "a distribution such as {fixed: {value: 10 min}} or {lognormal: {mean: 3 h, sd: 2 h}}"


def _suggest(word: Any, choices) -> str:
    return did_you_mean(word, choices, _SYNONYMS)


def _quoted(text: str) -> list[str]:
    return re.findall(r"'([^']*)'", text or "")


_TYPE_WORDS = {
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "float_type": "a number", "float_parsing": "a number", "finite_number": "a finite number",
    "bool_type": "true or false", "bool_parsing": "true or false",
    "string_type": "text", "dict_type": "a mapping", "model_type": "a mapping",
    "model_attributes_type": "a mapping", "list_type": "a list",
}
_BOUNDS = {"greater_than_equal": (">=", "ge"), "greater_than": (">", "gt"),
           "less_than_equal": ("<=", "le"), "less_than": ("<", "lt")}


def _problem(err: dict, data: Any) -> checks.Problem:
    kind, loc, ctx, value = err["type"], tuple(err["loc"]), err.get("ctx") or {}, err.get("input")
    path = _data_path(loc, data, keep_last=kind in ("missing", "extra_forbidden"))
    if kind == "missing":
        return checks.Problem(path, f"missing required key '{loc[-1]}'")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        if len(loc) >= 3 and loc[-3] == "cohorts" and tuple(allowed) == DIST_NAMES:
            # ``duration: {lognormel: {...}}`` reads as a by-cohort spec with a
            # cohort named 'lognormel'; a misspelt distribution is likelier.
            hint = _suggest(loc[-2], DIST_NAMES)
            if hint or loc[-1] not in DIST_NAMES:  # {poisson: {mean: ..}}: the distribution is unknown
                hint = hint or "; expected one of " + ", ".join(DIST_NAMES)
                return checks.Problem(path[:-1], f"unknown distribution '{loc[-2]}'{hint}", at_key=True)
        msg = f"unknown key '{loc[-1]}'" + _suggest(loc[-1], allowed)
        if allowed:
            msg += "" if "did you mean" in msg else "; expected one of " + ", ".join(allowed)
        return checks.Problem(path, msg, at_key=True)
    if kind == "union_tag_invalid":
        tags = _quoted(ctx.get("expected_tags", ""))
        return checks.Problem(path + ("kind",), f"expected kind to be one of {', '.join(tags)}, "
                              f"found {_describe(ctx.get('tag'))}" + _suggest(ctx.get("tag"), tags))
    if kind == "union_tag_not_found":
        return checks.Problem(path, "missing required key 'kind' (queue, booking or delay)")
    if kind == "literal_error":
        options = _quoted(ctx.get("expected", ""))
        at_key = loc[-1] == "[key]"
        found = path[-1] if at_key and path else value
        return checks.Problem(path, f"expected one of {', '.join(options)}, found {_describe(found)}"
                              + _suggest(found, options), at_key=at_key)
    if kind in ("value_error", "assertion_error"):
        return checks.Problem(path, str(ctx.get("error", err["msg"])))
    if kind in _BOUNDS:
        op, key = _BOUNDS[kind]
        what = "a whole number" if isinstance(value, int) and not isinstance(value, bool) else "a number"
        if loc and loc[-1] == "p":
            what = "a probability"
        bound = ctx.get(key)
        bound = f"{bound:g}" if isinstance(bound, (int, float)) else bound
        return checks.Problem(path, f"expected {what} {op} {bound}, found {_describe(value)}")
    if kind in ("too_short", "too_long"):
        n, actual = ctx.get("min_length" if kind == "too_short" else "max_length"), ctx.get("actual_length")
        word = "at least" if kind == "too_short" else "at most"
        items = "entries" if isinstance(value, dict) else "items"
        return checks.Problem(path, f"expected {word} {n} {items}, found {actual}")
    if kind in _TYPE_WORDS:
        what = _TYPE_WORDS[kind]
        if what == "a mapping" and any(k in ("duration", "patience", "hold") for k in loc if isinstance(k, str)):
            what = _DIST_EXAMPLE
        return checks.Problem(path, f"expected {what}, found {_describe(value)}")
    return checks.Problem(path, f"expected a valid value, found {_describe(value)} ({err['msg']})")
