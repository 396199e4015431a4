"""seed_everything: one call that makes a run repeatable."""

import os
import random

__all__ = ["seed_everything"]


def seed_everything(seed: int) -> int:
    """Seed Python's `random` (the only generator minigrad draws from) and fix str hashing
    for any child process. Returns the seed."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be a whole number, got {seed!r}")
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    return seed
