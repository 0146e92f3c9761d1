"""Reports: 作業員名簿, 所属技能者一覧・統計, career summary, 建退共 monthly calendar — CSV (UTF-8 with BOM or
Shift_JIS) and PDF (Japanese font embedded). Pure renderers over plain dataclasses; see ``docs/reports.md``."""

from api.reports.career import CareerSummary, LevelHistoryLine, QualificationLine, SiteLine, TradeCareer, career_pdf
from api.reports.csvout import CsvFile, Replacement, write_csv
from api.reports.errors import ReportError
from api.reports.kentaikyo import KentaikyoCalendar, Party, WorkDay, calendar_csv, monthly_calendar
from api.reports.technicians import BusinessTechnician, TradeLevel, business_pdf, list_csv, statistics, statistics_csv
from api.reports.worker_roster import RosterHeader, RosterWorker, roster_csv, roster_pdf, split_training

__all__ = [
    "BusinessTechnician",
    "CareerSummary",
    "CsvFile",
    "KentaikyoCalendar",
    "LevelHistoryLine",
    "Party",
    "QualificationLine",
    "Replacement",
    "ReportError",
    "RosterHeader",
    "RosterWorker",
    "SiteLine",
    "TradeCareer",
    "TradeLevel",
    "WorkDay",
    "business_pdf",
    "calendar_csv",
    "career_pdf",
    "list_csv",
    "monthly_calendar",
    "roster_csv",
    "roster_pdf",
    "split_training",
    "statistics",
    "statistics_csv",
    "write_csv",
]
