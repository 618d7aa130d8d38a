"""resolver: resolve noisy person and organization names to stable IDs of a gazetteer.

>>> from resolver import Resolver
>>> r = Resolver()                     # the embedded default gazetteer
>>> m = r.resolve("Sergei Ivano")
>>> m.id, m.ambiguous
('sergei-ivanov-svr', True)

Stages, one module each, in the order data flows through them:
``normalize`` (rules from ``rules``) -> ``candidates`` -> ``scoring`` -> ``resolver`` (and ``annotate``).
Text files: ``textio`` (bytes) -> ``documents`` (inputs, runs) -> ``render`` (outputs); ``evaluate`` scores
annotation against gold mentions; ``cli`` is the command line over all of them.
"""

from __future__ import annotations

from .errors import BinaryFileError, DecodeError, GazetteerError, InputError, Problem, ResolverError, RuleError
from .gazetteer import Gazetteer, gazetteer_from_records, load_gazetteer, validate_path
from .model import Comparison, Entity, Explanation, Match, Role, Step
from .resolver import DEFAULT_MARGIN, DEFAULT_THRESHOLD, Resolver
from .rules import RuleSet, load_rules

__all__ = [
    "DEFAULT_MARGIN",
    "DEFAULT_THRESHOLD",
    "BinaryFileError",
    "Comparison",
    "DecodeError",
    "Entity",
    "Explanation",
    "Gazetteer",
    "GazetteerError",
    "InputError",
    "Match",
    "Problem",
    "Resolver",
    "ResolverError",
    "Role",
    "RuleError",
    "RuleSet",
    "Step",
    "gazetteer_from_records",
    "load_gazetteer",
    "load_rules",
    "validate_path",
]

__version__ = "0.1.0"
