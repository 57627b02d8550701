"""The risk inventory's rule, as the portal computes it. The result page
(templates/riskassessment/_result.html) states the plan's threshold to the reader in
words: a change here is a change there.

The plan says: "Får du MÅTTLIG på fyra eller HÖG på fler än två bör du överväga
förebyggande åtgärder". An answer of HÖG is at least as worrying as one of
MÅTTLIG, so "MÅTTLIG på fyra" counts the answers that are MÅTTLIG or higher:
read any other way, raising an answer from MÅTTLIG to HÖG could make the
advice disappear.

- The advice to consider preventive measures applies when at least four answers
  are MÅTTLIG or HÖG, or when more than two answers are HÖG. This is the plan's
  threshold, word for word.
- The overall level is HÖG when more than two answers are HÖG; otherwise
  MÅTTLIG when the advice applies or any answer is HÖG; otherwise LÅG.

The plan rates answers, not the whole activity. Someone who has answered HÖG to
a question has said that something about the activity is high risk; calling the
inventory LÅG would tell them the opposite of what they answered. So one or two
HÖG answers make the inventory MÅTTLIG even below the plan's threshold, where the
advice for those answers is what matters, not the plan's preventive measures.

Both parts only ever count upwards, so raising an answer never lowers the result.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models

MODERATE_OR_HIGHER_FOR_MEASURES = 4
HIGH_MORE_THAN = 2


class Level(models.TextChoices):
    LAG = "lag", "Låg"
    MATTLIG = "mattlig", "Måttlig"
    HOG = "hog", "Hög"


@dataclass(frozen=True)
class Result:
    level: Level
    consider_measures: bool
    low: int
    moderate: int
    high: int

    @property
    def total(self) -> int:
        return self.low + self.moderate + self.high


def assess(levels: Iterable[Level | str]) -> Result:
    """The overall result of a set of answers, each a Level (or its stored value)."""
    counts = dict.fromkeys(Level, 0)
    for level in levels:
        counts[Level(level)] += 1
    high = counts[Level.HOG]
    moderate_or_higher = counts[Level.MATTLIG] + high
    consider_measures = (
        moderate_or_higher >= MODERATE_OR_HIGHER_FOR_MEASURES or high > HIGH_MORE_THAN
    )
    if high > HIGH_MORE_THAN:
        level = Level.HOG
    elif consider_measures or high:
        level = Level.MATTLIG
    else:
        level = Level.LAG
    return Result(
        level=level,
        consider_measures=consider_measures,
        low=counts[Level.LAG],
        moderate=counts[Level.MATTLIG],
        high=high,
    )
