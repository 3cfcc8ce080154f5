"""The datagen connector's rows (spec §9): plans, field strategies and per-type defaults.

Rows are JSON objects in the default JSON spellings, so they enter a table through the same
decoder as an ingress with `update_format=raw`. Row i of a plan is a pure function of i (and
the seed), so any worker can generate any stretch of rows.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Mapping
from typing import Any

from app.dataplane.relations import Relation

INTEGERS = {
    "TINYINT": 2**7,
    "SMALLINT": 2**15,
    "INTEGER": 2**31,
    "BIGINT": 2**63,
    "UTINYINT": 2**8,
    "USMALLINT": 2**16,
    "UINTEGER": 2**32,
    "UBIGINT": 2**64,
}
FLOATS = ("REAL", "DOUBLE")
STRINGS = ("CHAR", "VARCHAR")
EPOCH = dt.datetime(1970, 1, 1)
DAY_MS = 86_400_000
WORDS = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt "
    "ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco"
).split()
FIRST_NAMES = ("Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John")
LAST_NAMES = ("Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus")
# Rows a plan without a rate produces per second of simulated time.
UNLIMITED_RATE = 10_000


class DatagenError(ValueError):
    """A plan that cannot generate a column (a fatal connector error at run time)."""


def plans(config: Mapping[str, Any]) -> list[dict]:
    """The connector's plans (one default plan when none is given)."""
    return list(config.get("plan") or [{}])


def total_rows(config: Mapping[str, Any]) -> int | None:
    """Rows all plans produce together; None when a plan is unlimited."""
    total = 0
    for plan in plans(config):
        if plan.get("limit") is None:
            return None
        total += plan["limit"]
    return total


def rate(config: Mapping[str, Any], produced: int) -> float:
    """Rows per second of the plan that row number `produced` belongs to."""
    plan, _ = locate(config, produced)
    return float(plan.get("rate") or UNLIMITED_RATE) if plan is not None else UNLIMITED_RATE


def locate(config: Mapping[str, Any], row: int) -> tuple[dict | None, int]:
    """The plan that produces overall row `row`, and the row's index within that plan."""
    for plan in plans(config):
        limit = plan.get("limit")
        if limit is None or row < limit:
            return plan, row
        row -= limit
    return None, row


def missing_field(relation: Relation, config: Mapping[str, Any]) -> str | None:
    """The first `plan[].fields` key that names no column (unquoted keys match any case)."""
    for plan in plans(config):
        for key in plan.get("fields") or {}:
            if not any(
                key == c.name or (not c.case_sensitive and key.lower() == c.name)
                for c in relation.columns
            ):
                return key
    return None


def _field_settings(plan: Mapping[str, Any], name: str) -> dict:
    fields = plan.get("fields") or {}
    for key, value in fields.items():
        if key == name or key.lower() == name.lower():
            return dict(value or {})
    return {}


def rows(relation: Relation, config: Mapping[str, Any], start: int, count: int) -> list[dict]:
    """Rows number `start` to `start + count - 1` across the plans, as JSON objects."""
    out = []
    seed = config.get("seed")
    for row in range(start, start + count):
        plan, index = locate(config, row)
        if plan is None:
            break
        out.append(
            {
                c.name: value(c.ctype, _field_settings(plan, c.name), index, seed, c.name)
                for c in relation.columns
            }
        )
    return out


def _rng(seed: int | None, index: int, name: str) -> random.Random:
    return random.Random(f"{seed or 0}:{index}:{name}")


def _bounds(settings: Mapping[str, Any], default: tuple[int, int], name: str) -> tuple[int, int]:
    span = settings.get("range")
    low, high = (span[0], span[1]) if span else default
    if low >= high:
        raise DatagenError(f'Empty range, min >= max for field "{name}"')
    return low, high


def _number(settings: Mapping[str, Any], index: int, seed, name, default) -> int:
    low, high = _bounds(settings, default, name)
    strategy = settings.get("strategy") or "increment"
    scale = settings.get("scale") or 1
    if strategy == "uniform":
        return _rng(seed, index, name).randrange(low, high)
    if strategy == "zipf":
        exponent = float(settings.get("e") or 1)
        weights = [1 / (k**exponent) for k in range(1, min(high - low, 1000) + 1)]
        return low + _rng(seed, index, name).choices(range(len(weights)), weights)[0]
    if settings.get("range") is None:
        return index * scale
    return low + (index * scale) % (high - low)


def _text(strategy: str, index: int, seed, name: str) -> str:
    rng = _rng(seed, index, name)
    if strategy in ("word", "buzzword", "bs_noun", "bs_verb", "bs_adj"):
        return rng.choice(WORDS)
    if strategy in ("words", "sentence", "sentences", "paragraph", "paragraphs", "catch_phrase"):
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8)))
    if strategy == "first_name":
        return rng.choice(FIRST_NAMES)
    if strategy in ("last_name", "company_name"):
        return rng.choice(LAST_NAMES)
    if strategy in ("name", "name_with_title"):
        return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    if strategy in ("email", "username"):
        user = f"{rng.choice(FIRST_NAMES).lower()}{rng.randint(1, 999)}"
        return f"{user}@example.com" if strategy == "email" else user
    if strategy in ("ipv4", "ip"):
        return ".".join(str(rng.randint(1, 254)) for _ in range(4))
    if strategy in ("phone_number", "cell_number"):
        return f"+1-555-{rng.randint(1000, 9999)}"
    if strategy in ("city_name", "country_name", "state_name", "street_name"):
        return rng.choice(WORDS).capitalize()
    return rng.choice(WORDS)


def value(ctype: Mapping[str, Any], settings: Mapping[str, Any], index: int, seed, name: str):
    """Column value number `index` (spec §9.2 defaults; §9.1 settings)."""
    nulls = settings.get("null_percentage")
    if nulls and _rng(seed, index, name + "/null").randrange(100) < nulls:
        return None
    values = settings.get("values")
    if values:
        if (settings.get("strategy") or "increment") == "increment":
            return values[index % len(values)]
        return _rng(seed, index, name).choice(values)
    kind = ctype.get("type")
    strategy = settings.get("strategy") or "increment"
    if kind in INTEGERS:
        modulus = INTEGERS[kind]
        number = _number(settings, index, seed, name, (0, modulus))
        return number % modulus if settings.get("range") is None else number
    if kind in FLOATS or kind == "DECIMAL":
        return _number(settings, index, seed, name, (0, 2**53))
    if kind == "BOOLEAN":
        if strategy == "uniform":
            return _rng(seed, index, name).random() < 0.5
        return index % 2 == 1
    if kind in STRINGS:
        if strategy not in ("increment", "uniform", "zipf"):
            return _text(strategy, index, seed, name)
        if settings.get("range") is not None:
            low, high = _bounds(settings, (0, 25), name)
            return "x" * _number(settings, index, seed, name, (low, high))
        return str(_number(settings, index, seed, name, (0, 2**63)))
    if kind == "TIMESTAMP":
        millis = _number(settings, index, seed, name, (0, 4102444800000))
        moment = EPOCH + dt.timedelta(milliseconds=millis)
        return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    if kind == "DATE":
        days = _number(settings, index, seed, name, (0, 54787))
        return (EPOCH + dt.timedelta(days=days)).strftime("%Y-%m-%d")
    if kind == "TIME":
        millis = _number(settings, index, seed, name, (0, DAY_MS)) % DAY_MS
        moment = EPOCH + dt.timedelta(milliseconds=millis)
        return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    if kind == "UUID":
        return str(uuid.UUID(int=index % 2**128))
    if kind == "ARRAY":
        component = ctype.get("component") or {}
        inner = dict(settings.get("value") or {})
        return [value(component, inner, j, seed, f"{name}[]") for j in range(index % 5)]
    if kind == "MAP":
        return {}
    if kind == "STRUCT":
        return {
            f["name"]: value(f["columntype"], {}, index, seed, f"{name}.{f['name']}")
            for f in ctype.get("fields") or []
        }
    if kind in ("BINARY", "VARBINARY"):
        return [index % 256] * (index % 5)
    return None  # VARIANT, INTERVAL, NULL
