"""multistore_core: the event-sourced write side of a multi-store retail chain."""

from multistore_core.application import MultiStore
from multistore_core.context import CommandContext
from multistore_core.settings import Settings

__all__ = ["CommandContext", "MultiStore", "Settings"]
