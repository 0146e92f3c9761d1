"""Level evaluation throughput: the pure engine over synthetic per-trade aggregates, in one process.

    .venv/bin/python bench/levels_eval.py [N]        (default 1,750,000)

The issue's target is levels for 1,750,000 technicians in < 120 s end to end; the database side (aggregating work
records, storing results) is the lead's, so this measures only what api.levels adds: `evaluate` per technician ×
trade, with a realistic spread of days, positions, qualifications (some expired) and trades (own criteria and the
default). Inputs are generated in chunks outside the timed region so memory stays flat. Prints the rate, the time for
1,750,000, its share of the 120 s budget (from wall time; CPU time is printed too, because a shared machine inflates
wall time), and the level distribution as a sanity check.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter
from datetime import date, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from api.levels import HeldQualification, LevelInputs, evaluate, load_criteria

ON = date(2025, 4, 1)
TARGET_S = 120.0
CHUNK = 50_000
TRADES = ("05-01", "05-01", "02-01", "02-01", "16-01", "06-01", "01-01", "13-01")  # three own, the rest default
CODES = ("T01", "T02", "T03", "T04", "T05", "T09", "182", "171", "271", "187", "287", "221", "K01", "K02", "A01")


def qualification_pool(rng: random.Random, size: int = 4096) -> list[tuple[HeldQualification, ...]]:
    # Technicians share a pool of qualification sets, as real ones cluster on a few common courses; it keeps the
    # generator cheap without making every input identical.
    pool = []
    for _ in range(size):
        held = []
        for code in rng.sample(CODES, rng.randint(0, 6)):
            acquired = date(2000, 1, 1) + timedelta(days=rng.randint(0, 8000))
            expires = acquired + timedelta(days=rng.randint(365, 4000)) if rng.random() < 0.15 else None
            held.append(HeldQualification(code, acquired, expires))
        pool.append(tuple(held))
    return pool


def chunk(rng: random.Random, start: int, n: int, pool: list) -> list[LevelInputs]:
    out = []
    for k in range(start, start + n):
        quals = pool[rng.randrange(len(pool))]
        work = rng.randint(0, 3000)
        foreman = rng.randint(0, work // 2)
        team = rng.randint(0, (work - foreman) // 3)
        oldest = min((q.acquired_on for q in quals), default=None)
        out.append(
            LevelInputs(
                technician_id=f"{k:014d}",
                trade=TRADES[k % len(TRADES)],
                tier="simplified" if k % 10 == 0 else "detailed",
                work_days=work,
                foreman_days=foreman,
                team_leader_days=team,
                registered_on=date(2019, 4, 1) + timedelta(days=k % 1500),
                oldest_qualification_on=oldest,
                qualifications=quals,
            )
        )
    return out


def main(n: int) -> None:
    rng = random.Random(20250401)
    criteria = load_criteria()
    pool = qualification_pool(rng)
    levels: Counter = Counter()
    elapsed = 0.0
    done = 0
    cpu = 0.0
    while done < n:
        batch = chunk(rng, done, min(CHUNK, n - done), pool)
        t0, c0 = time.perf_counter(), time.process_time()
        results = [evaluate(inputs=i, criteria=criteria, on=ON) for i in batch]
        elapsed += time.perf_counter() - t0
        cpu += time.process_time() - c0
        levels.update(r.level if r.evaluated else "not evaluated" for r in results)
        done += len(batch)
    rate = n / elapsed
    print(f"technicians evaluated : {n:,} (technician × trade aggregates)")
    print(f"evaluation time       : {elapsed:.2f} s wall, {cpu:.2f} s CPU (one process, generation excluded)")
    print(
        f"rate                  : {rate:,.0f} evaluations/s wall, {n / cpu:,.0f}/s CPU "
        "(they differ when the machine is shared)"
    )
    projected = 1_750_000 / rate
    print(f"time for 1,750,000    : {projected:.1f} s = {projected / TARGET_S:.1%} of the {TARGET_S:.0f} s budget")
    print("levels                : " + ", ".join(f"{k}: {v:,}" for k, v in sorted(levels.items(), key=str)))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_750_000)
