"""When a test whose tools are missing may skip: never under a CI.

CI systems set CI=true, CI=1 or their own name; a check that fails only when CI is exactly "true" lets every other
CI go green without it. tests/java.ts `underCi` reads CI the same way for the Java-backed checks.
"""

from __future__ import annotations

import os
from typing import Mapping


def under_ci(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether CI is set to anything but empty, "false" or "0"."""
    return environ.get("CI", "").strip().lower() not in ("", "false", "0")
