"""Shortest round-trip float text in the layout of Rust's `ryu` (`1.0`, `1.5`, `1e20`)."""

from __future__ import annotations

import math
import struct
from decimal import Decimal

# ryu prints plain decimals while the decimal point stays within this many digits.
_MAX_PLAIN = 16


def _shortest_f32(value: float) -> str:
    target = struct.unpack("f", struct.pack("f", value))[0]
    for precision in range(1, 10):
        text = f"{target:.{precision - 1}e}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == target:
            return text
    return repr(target)


def format_float(value: float, single: bool = False) -> str:
    """Render a finite float as ryu does; `single` rounds to REAL (f32) precision first."""
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    text = _shortest_f32(value) if single else repr(value)
    sign, digit_tuple, exponent = Decimal(text).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    length = len(digits)
    point = length + exponent  # where the decimal point sits relative to the digits
    if 0 <= exponent and point <= _MAX_PLAIN:
        body = digits + "0" * exponent + ".0"
    elif 0 < point <= _MAX_PLAIN:
        body = digits[:point] + "." + digits[point:]
    elif -5 < point <= 0:
        body = "0." + "0" * -point + digits
    elif length == 1:
        body = f"{digits}e{point - 1}"
    else:
        body = f"{digits[0]}.{digits[1:]}e{point - 1}"
    return ("-" if sign else "") + body
