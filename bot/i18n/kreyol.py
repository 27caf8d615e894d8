"""Day and month names in Haitian Creole (Kreyòl ayisyen), which CLDR (so Babel) does not have:
its ``ht`` locale is a stub whose dates fall back to the root's ("2026 M11 27, Fri").

The spelling is the usual standard orthography of the Akademi Kreyòl era, as written by Haitian
calendars and by the ``ht`` locales of jQuery UI's datepicker and date-fns: lendi … dimanch,
janvye … desanm. Dates are written the French way Haitians read them, day before month, 24-hour
clock: ``vandredi 27 novanm 2026, 15:00``.
"""

from datetime import date

WEEKDAYS = ("lendi", "madi", "mèkredi", "jedi", "vandredi", "samdi", "dimanch")  # Monday first
MONTHS = ("janvye", "fevriye", "mas", "avril", "me", "jen", "jiyè", "out", "septanm", "oktòb",
          "novanm", "desanm")


def day(when: date, *, year: bool = True) -> str:
    """``vandredi 27 novanm 2026`` (``vandredi 27 novanm`` without the year)."""
    text = f"{WEEKDAYS[when.weekday()]} {when.day} {MONTHS[when.month - 1]}"
    return f"{text} {when.year}" if year else text
