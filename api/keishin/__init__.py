"""経営事項審査 (keishin) computation core: 別紙一 completed works, 別紙二 technical-staff roster, W1⑩.

Pure functions over plain dataclasses; no database, no HTTP. See ``docs/keishin.md``.
"""

from api.keishin.completed_works import (
    Amounts,
    CompletedWorks,
    ContractRow,
    FiscalYear,
    Form1Row,
    compute_completed_works,
)
from api.keishin.errors import KeishinError, MasterDataError
from api.keishin.masters import Masters, load_masters
from api.keishin.roster import compute_roster
from api.keishin.roster_models import (
    CcusLevel,
    HeldQualification,
    IndustryTotal,
    Roster,
    RosterGroup,
    RosterRow,
    Technician,
)
from api.keishin.w1 import DirectSite, W1Result, w1_ccus_points

__all__ = [
    "Amounts",
    "CcusLevel",
    "CompletedWorks",
    "ContractRow",
    "DirectSite",
    "FiscalYear",
    "Form1Row",
    "HeldQualification",
    "IndustryTotal",
    "KeishinError",
    "MasterDataError",
    "Masters",
    "Roster",
    "RosterGroup",
    "RosterRow",
    "Technician",
    "W1Result",
    "compute_completed_works",
    "compute_roster",
    "load_masters",
    "w1_ccus_points",
]
