"""Route keys (``"METHOD /path"``), written once: parsed and checked against API Gateway's rules for
methods, path segments and path parameters, for every pattern that takes a map of routes."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..errors import Problems

__all__ = ["METHODS", "Route", "parameter_problems", "parse_route", "parse_routes", "route_id"]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
_SEGMENT = re.compile(r"^([A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\+?\})$")
S = TypeVar("S")


@dataclass
class Route(Generic[S]):
    """One route: its key as given, its method and path, and what serves it."""

    key: str
    method: str
    path: str
    spec: S

    @property
    def segments(self) -> list[str]:
        return [] if self.path == "/" else self.path[1:].split("/")

    @property
    def path_parameters(self) -> list[str]:
        """The names of the path's parameters (``{id}``, ``{proxy+}``), in order."""
        return [s[1:-1].rstrip("+") for s in self.segments if s.startswith("{")]


def parse_route(key: str, spec: S, problems: Problems) -> Route[S] | None:
    """The route of ``key``, or None with its problem added to ``problems``."""
    parts = key.split(" ") if isinstance(key, str) else []
    if len(parts) != 2:
        problems.add(f"routes: keys must be 'METHOD /path', got {key!r}")
        return None
    method, path = parts[0].upper(), parts[1]
    if method not in METHODS:
        problems.add(f"routes: method in {key!r} must be one of {', '.join(METHODS)}, got {parts[0]!r}")
        return None
    if not path.startswith("/") or (path != "/" and path.endswith("/")):
        problems.add(f"routes: path in {key!r} must start with '/' and not end with one, got {path!r}")
        return None
    segments = [] if path == "/" else path[1:].split("/")
    for index, segment in enumerate(segments):
        if not _SEGMENT.match(segment) or segment in (".", ".."):
            problems.add(
                f"routes: segment {segment!r} in {key!r} must be letters, digits, '._~-' or a "
                "{parameter} in braces"
            )
            return None
        if segment.endswith("+}") and index != len(segments) - 1:
            problems.add(f"routes: greedy parameter {segment!r} in {key!r} must be the last segment")
            return None
    return Route(key, method, path, spec)


def parse_routes(routes: Mapping[str, S], problems: Problems) -> list[Route[S]]:
    """The routes of a non-empty map of route keys, each key parsed, none repeating another's method
    and path, their path parameters checked; every problem goes to ``problems``."""
    if not routes:
        problems.add("routes must have at least one route, got {}")
    parsed: list[Route[S]] = []
    seen: set[tuple[str, str]] = set()
    for key, spec in routes.items():
        route = parse_route(key, spec, problems)
        if route is None:
            continue
        normal = (route.method, re.sub(r"\{[^}+]+(\+?)\}", r"{\1}", route.path))
        if normal in seen:
            problems.add(f"routes: {key!r} duplicates another route with the same method and path")
            continue
        seen.add(normal)
        parsed.append(route)
    problems.extend(parameter_problems(parsed))
    return parsed


def parameter_problems(routes: Sequence[Route[S]]) -> list[str]:
    """API Gateway's rules for path parameters: one name per parameter in a path, and at each
    position below the same parent one parameter name only (``/users/{id}`` and ``/users/{userId}``
    cannot both exist: REST refuses the sibling resources, HTTP the ambiguous routes)."""
    found: list[str] = []
    # (parent path with its parameters unnamed, "{name}" or "{name+}") -> first route that named it
    named: dict[tuple[str, ...], tuple[str, str]] = {}
    reported: set[tuple[str, str]] = set()
    for route in routes:
        segments = route.segments
        names = route.path_parameters
        for name in sorted({n for n in names if names.count(n) > 1}):
            found.append(f"routes: {route.key!r} names the path parameter {{{name}}} twice")
        for index, segment in enumerate(segments):
            if not segment.startswith("{"):
                continue
            parent = tuple("{}" if s.startswith("{") else s for s in segments[:index])
            first = named.setdefault(parent, (segment, route.key))
            if first[0] != segment and (first[1], route.key) not in reported:
                reported.add((first[1], route.key))
                found.append(
                    f"routes: {route.key!r} names the path parameter {segment} where {first[1]!r} names "
                    f"{first[0]}; API Gateway allows one parameter name at each position of a path: use one"
                )
    return found


def route_id(route: Route[S]) -> str:
    """A PascalCase construct id for ``route``: ``GET /users/{id}`` -> ``GetUsersId``."""
    words = [route.method.title()]
    for segment in route.path.strip("/").split("/"):
        clean = re.sub(r"[^A-Za-z0-9]+", " ", segment).title().replace(" ", "")
        if clean:
            words.append(clean)
    return "".join(words) if len(words) > 1 else words[0] + "Root"
