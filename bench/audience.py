"""Directory import time and audience latency on a realistic directory of N fictional contacts.

``--contacts`` fictional contacts (examples/contacts.csv's columns; fixed by ``--seed``) are
written to a temporary directory as CSV files of at most 300,000 rows (the import takes files of
up to 50 MB: a million contacts are four files, imported one after another): distinct numbers
``phonenumbers`` accepts as valid US ones, emails (60%), Slack ids (3%), languages skewed to en
and es, 1-3 states weighted by population (3% ``national``), incident types ``all`` (70%), tags
by organisation type (interpreter ~2%). ``import_s`` times ``import_file`` over the files
(parse, validate, one-transaction bulk write per file; ``COPY`` and ``ANALYZE`` on PostgreSQL)
into a fresh database: a temporary SQLite file, or a new PostgreSQL schema dropped at the end.
Then four incidents are declared and ``audience.members`` (query + rules, always-include tag
``interpreter``) is timed ``--runs`` times round-robin, each call in its own read-only unit of
work, after one untimed warm-up call per incident: ``match_ms_p50/p99`` are wall times,
``match_cpu_ms_p50`` this process's CPU time (all the work on SQLite, the client's share on
PostgreSQL: it tells slow code from a busy machine). ``matched`` is the audience of the first
incident (hurricane FL, GA); ``matched_by_incident`` gives each one's. Prints one JSON line on
stdout, progress on stderr.

    .venv/bin/python bench/audience.py --contacts 100000 --db postgresql
    .venv/bin/python bench/audience.py --contacts 1000000 --db postgresql --runs 8
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import phonenumbers
from _common import add_database_options, emit, fresh_database, log

from bot.config import Settings
from bot.db.unit_of_work import Database
from bot.directory.rules.contacts import COLUMNS
from bot.directory.rules.regions import US_REGIONS
from bot.directory.service import audience
from bot.directory.service.files import import_file
from bot.incidents import service as incidents
from bot.incidents.rules import IncidentDraft, IncidentType, Severity

ALWAYS_INCLUDE = ["interpreter"]
PER_FILE = 300_000
INCIDENTS = [(IncidentType.HURRICANE, ("FL", "GA")), (IncidentType.WILDFIRE, ("CA",)),
             (IncidentType.ENFORCEMENT, ("IL",)), (IncidentType.FLOOD, ("LA", "MS", "TX"))]
LANGUAGES = {"en": 55, "es": 25, "zh": 4, "vi": 3, "tl": 3, "ko": 2, "ar": 2, "ht": 2, "fr": 2, "pt": 2,
             "ru": 1}
POPULOUS = {"CA": 24, "TX": 18, "FL": 13, "NY": 12, "PA": 8, "IL": 8, "OH": 7, "GA": 7, "NC": 7,
            "MI": 6, "NJ": 6, "VA": 5, "WA": 5, "AZ": 5, "MA": 4, "TN": 4, "IN": 4, "MD": 4}
STATES = {code: POPULOUS.get(code, 2) for code in US_REGIONS}  # weights
ZONES = {"America/Los_Angeles": "CA WA OR NV", "America/Denver": "CO UT NM MT ID WY",
         "America/Phoenix": "AZ", "America/Chicago": "TX IL LA MS MN MO WI AL TN OK KS IA AR NE",
         "Pacific/Honolulu": "HI", "America/Anchorage": "AK", "America/Puerto_Rico": "PR VI"}
AREA_CODES = [201, 202, 206, 212, 213, 214, 215, 225, 228, 303, 305, 310, 312, 313, 404, 407,
              412, 415, 469, 504, 512, 601, 602, 612, 617, 702, 713, 718, 773, 786, 813, 904, 916]
ORG_KINDS = {  # organisation type: (weight, name patterns, tag)
    "community": (40, ["{place} Community Alliance", "{place} Neighbors United"], "community"),
    "faith": (15, ["{place} Interfaith Council", "St. {last} Parish"], "faith"),
    "legal aid": (10, ["{place} Legal Aid Society", "{place} Immigrant Rights Clinic"], "legal-aid"),
    "government": (10, ["{place} Office of Emergency Management", "City of {place}"], "official"),
    "school": (8, ["{place} Unified School District"], "education"),
    "health": (13, ["{place} Community Health Center", "{place} Free Clinic"], "health"),
    "national": (2, ["National {last} Coalition"], "language-access"),
    "interpreter service": (2, ["{last} Language Services"], "interpreter"),
}
FIRST = ["Maria", "José", "Wei", "Linh", "Min-jun", "Ahmed", "Marie", "João", "Olga", "James",
         "Sofía", "Carlos", "Ana", "Thanh", "Ji-woo", "Rosario", "Fatima", "Jean", "Irina", "Emily"]
LAST = ["Garcia", "Smith", "Chen", "Nguyen", "Kim", "Santos", "Haddad", "Pierre", "Silva", "Ivanova",
        "Johnson", "Lopez", "Wang", "Tran", "Park", "Reyes", "Khan", "Joseph", "Costa", "Williams"]
PLACES = ["Riverside", "Lakeview", "Hillcrest", "Fairview", "Brookside", "Eastside", "Harbor",
          "Pine Valley", "Midtown", "Southgate", "Northfield", "Bayview"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50, help="timed audience calls")
    parser.add_argument("--seed", type=int, default=1)
    add_database_options(parser)
    return parser.parse_args()


# ----- the contacts file ---------------------------------------------------------------------
def phone_numbers(rng: random.Random, count: int) -> Iterator[str]:
    """Distinct numbers that ``phonenumbers`` accepts as valid for the US; invalid ones skipped."""
    seen: set[str] = set()
    while len(seen) < count:
        number = f"+1{rng.choice(AREA_CODES)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        if number not in seen and phonenumbers.is_valid_number(phonenumbers.parse(number)):
            seen.add(number)
            yield f"+1 {number[2:5]} {number[5:8]} {number[8:]}"


def regions(rng: random.Random) -> list[str]:
    if rng.random() < 0.03:
        return ["national"]
    picked = rng.choices(list(STATES), weights=list(STATES.values()), k=rng.choice([1, 1, 1, 2, 3]))
    return sorted(set(picked))


def contact(rng: random.Random, i: int, phone: str, states: list[str], zone_of: dict[str, str]) -> dict:
    kind = rng.choices(list(ORG_KINDS), weights=[k[0] for k in ORG_KINDS.values()])[0]
    _, patterns, tag = ORG_KINDS[kind]
    first, last = rng.choice(FIRST), rng.choice(LAST)
    types = rng.sample(["hurricane", "wildfire", "flood", "earthquake", "enforcement"], rng.choice([1, 2]))
    return {
        "name": f"{first} {last}", "role": rng.choice(["Director", "Coordinator", "Organiser", ""]),
        "organisation": rng.choice(patterns).format(place=rng.choice(PLACES), last=last) + " (fictional)",
        "organisation_type": kind, "phone": phone,
        "email": f"{first}.{last}.{i}@example.org".lower() if rng.random() < 0.6 else "",
        "slack_user_id": f"U0B{i:07d}" if rng.random() < 0.03 else "",
        "language": rng.choices(list(LANGUAGES), weights=list(LANGUAGES.values()))[0],
        "timezone": zone_of.get(states[0], "America/New_York"), "regions": ";".join(states),
        "incident_types": "all" if rng.random() < 0.7 else ";".join(types),
        "tags": tag if kind == "interpreter service" or rng.random() < 0.6 else "",
        "sms_consent": rng.choices(["yes", "no", "unknown"], weights=[85, 7, 8])[0],
        "active": "no" if rng.random() < 0.03 else "yes",
    }


def write_csv(folder: Path, count: int, seed: int) -> list[Path]:
    """The contacts in files of ``PER_FILE`` rows (about 44 MB: under the import's 50 MB limit,
    so a million contacts are imported as a coordinator would, in several files)."""
    rng = random.Random(seed)
    zone_of = {state: zone for zone, states in ZONES.items() for state in states.split()}
    paths: list[Path] = []
    out, writer = None, None
    for i, phone in enumerate(phone_numbers(random.Random(seed + 1), count)):
        if i % PER_FILE == 0:
            if out:
                out.close()
            paths.append(folder / f"contacts-{len(paths) + 1}.csv")
            out = paths[-1].open("w", encoding="utf-8", newline="")
            writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
            writer.writeheader()
        writer.writerow(contact(rng, i, phone, regions(rng), zone_of))
    if out:
        out.close()
    return paths


# ----- the database --------------------------------------------------------------------------
def timed_import(db: Database, settings: Settings, paths: list[Path], count: int) -> float:
    started, created = time.perf_counter(), 0
    for path in paths:
        result = import_file(db, path, settings=settings, actor="bench", now=datetime.now(UTC))
        if not result.written or result.summary is None:
            raise RuntimeError(f"import failed: {result.report.file_error or result.report.errors[:3]}")
        created += result.summary.created
    if created != count:
        raise RuntimeError(f"import created {created} contacts of {count}")
    return time.perf_counter() - started


def declare_incidents(db: Database) -> list[str]:
    with db.unit_of_work() as uow:
        keys = [incidents.declare(uow, actor="UBENCH001", now=datetime.now(UTC), draft=IncidentDraft(
            type=kind, title=f"Bench {kind.value}", regions=where, severity=Severity.HIGH)).key
            for kind, where in INCIDENTS]
        uow.commit()
    return keys


def timed_members(db: Database, key: str) -> tuple[float, float, int]:
    """Wall and CPU seconds of one ``audience.members`` call (query + rules), and its size."""
    with db.unit_of_work(read_only=True) as uow:
        incident = uow.incidents.by_key(key)
        wall, cpu = time.perf_counter(), time.process_time()
        found = audience.members(uow, incident, ALWAYS_INCLUDE)
        return time.perf_counter() - wall, time.process_time() - cpu, len(found)


def percentile_ms(seconds: list[float], q: float) -> float:
    ordered = sorted(seconds)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="audience-") as tmp_name:
        started = time.perf_counter()
        paths = write_csv(Path(tmp_name), args.contacts, args.seed)
        size = sum(path.stat().st_size for path in paths) / 2**20
        log(f"wrote {args.contacts} contacts ({size:.1f} MB in {len(paths)} file(s)) in "
            f"{time.perf_counter() - started:.1f}s")
        with fresh_database(args.db, args.pg_url, workdir=Path(tmp_name), name="audience") as url:
            db = Database(url)
            try:
                db.upgrade()
                import_s = timed_import(db, Settings(database={"url": url}), paths, args.contacts)
                log(f"imported into {args.db} in {import_s:.2f}s")
                keys = declare_incidents(db)
                sizes = {key: timed_members(db, key)[2] for key in keys}  # warm-up, untimed
                timed = [timed_members(db, keys[i % len(keys)]) for i in range(args.runs)]
            finally:
                db.dispose()
    walls, cpus = [t[0] for t in timed], [t[1] for t in timed]
    return {"contacts": args.contacts, "import_s": round(import_s, 2), "matched": sizes[keys[0]],
            "match_ms_p50": percentile_ms(walls, 0.50), "match_ms_p99": percentile_ms(walls, 0.99),
            "db": args.db, "runs": args.runs, "match_cpu_ms_p50": percentile_ms(cpus, 0.50),
            "matched_by_incident": {f"{kind.value} {','.join(where)}": sizes[key]
                                    for (kind, where), key in zip(INCIDENTS, keys, strict=True)}}


def main() -> None:
    emit(run(parse_args()))


if __name__ == "__main__":
    main()
