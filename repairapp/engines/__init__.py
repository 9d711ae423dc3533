"""Engine registry: `get(name)` returns an Engine; an unknown name lists the known ones.

Contract (see base.py): RGB uint8 (H, W, 3) + mask uint8 (H, W), 255 = fill, in;
RGB uint8 (H, W, 3) out, with every pixel outside the mask unchanged.
"""

from .base import Engine, EngineError, Param, composite
from .opencv import NS, TELEA
from .auto import AUTO
from .patch import PATCH

DEFAULT_ENGINE = "auto"

_REGISTRY: dict[str, Engine] = {}


def register(engine: Engine) -> Engine:
    _REGISTRY[engine.name] = engine
    return engine


def unregister(name: str) -> None:
    """Remove a registered engine (a test's temporary one); an unknown name is fine."""
    _REGISTRY.pop(name, None)


def get(name: str) -> Engine:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise EngineError(f"unknown engine {name!r}; known engines: {', '.join(names())}") from None


def names() -> list[str]:
    return sorted(_REGISTRY)


def choices() -> list[tuple[str, str]]:
    return [(e.name, e.description) for e in sorted(_REGISTRY.values(), key=lambda e: e.name)]


register(TELEA)
register(NS)
register(PATCH)
register(AUTO)

__all__ = ["DEFAULT_ENGINE", "Engine", "EngineError", "Param", "composite", "get", "names", "choices", "register",
           "unregister"]
