"""Every URL pattern of the project, enumerated from the URLconf (not a hand-kept list)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, e.g. "contacts:index"
    kwargs: tuple[str, ...]

    @property
    def namespace(self) -> str:
        return self.name.rpartition(":")[0]


def _kwarg_names(pattern) -> list[str]:
    converters = getattr(pattern, "converters", None)
    if converters:
        return list(converters)
    return list(pattern.regex.groupindex)


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, namespace: str, kwargs: list[str]) -> None:
        for entry in patterns:
            names = kwargs + _kwarg_names(entry.pattern)
            if isinstance(entry, URLResolver):
                ns = entry.namespace
                walk(entry.url_patterns, f"{namespace}{ns}:" if ns else namespace, names)
            elif isinstance(entry, URLPattern):
                if entry.name is None:
                    # Only Django admin's catch-all has no name; ours must all be named.
                    assert namespace == "admin:", f"unnamed URL pattern {entry.pattern}"
                    continue
                routes.append(Route(f"{namespace}{entry.name}", tuple(dict.fromkeys(names))))

    walk(get_resolver().url_patterns, "", [])
    return routes


def practice_routes() -> list[Route]:
    return [route for route in all_routes() if "practice_slug" in route.kwargs]
