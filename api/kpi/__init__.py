"""Operator KPIs: revenue by fee type against the 2020 revenue plan, registrations and work records by segment
against the 低位推計 targets, per fiscal quarter (the plan and targets are data: data/plan.json, with seed lines)."""
