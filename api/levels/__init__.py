"""Skill levels (能力評価 レベル1–4) per trade: versioned criteria as data, a pure evaluation, level history.

No database and no HTTP: the database side aggregates work records into `LevelInputs` and stores `LevelResult` /
`LevelChange`. See ``docs/levels.md``.
"""

from api.levels.criteria import Criteria, CriteriaVersion, LevelRow, QualificationGroup, load_criteria, parse_criteria
from api.levels.engine import evaluate
from api.levels.errors import CriteriaError, LevelsError
from api.levels.history import LevelChange, level_change, result_to_dict
from api.levels.inputs import Evidence, HeldQualification, LevelInputs, LevelResult

__all__ = [
    "Criteria",
    "CriteriaError",
    "CriteriaVersion",
    "Evidence",
    "HeldQualification",
    "LevelChange",
    "LevelInputs",
    "LevelResult",
    "LevelRow",
    "LevelsError",
    "QualificationGroup",
    "evaluate",
    "level_change",
    "load_criteria",
    "parse_criteria",
    "result_to_dict",
]
