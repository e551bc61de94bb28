"""Case linkage (串并案): which earlier incidents or cases look like the work of the same
offender(s) as a new one.

Framework-free: a ``CaseSet`` (arrays) in, ranked ``Suggestion`` objects out. Each
earlier record gets five similarities in [0, 1]:

* ``category``: 1 for the same offence category, else 0;
* ``modus_operandi`` (作案手段): the mean over the MO fields present on both records of
  their agreement: exact equality for coded fields, ``rapidfuzz.fuzz.partial_ratio`` / 100
  for free-text fields (a tool written as "一字螺丝刀" and as "螺丝刀" agree);
* ``narrative`` (简要案情): cosine similarity of character n-gram TF-IDF vectors
  (scikit-learn; characters, not words, so Chinese needs no segmentation);
* ``space``: ``exp(-distance / space_scale_m)``;
* ``time``: ``exp(-gap / time_scale_days)``.

The score is their weighted mean (``LinkageWeights``); each suggestion carries every
reason with its similarity, its normalised weight and its contribution to the score, so
an analyst sees why a record was suggested. Only records before the query (within
``max_days``) are compared. Suggestions concern incidents and cases, never people: no
person, name or ID number is compared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray
from rapidfuzz import fuzz, process
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = [
    "COMPONENTS",
    "CaseLinker",
    "CaseSet",
    "LinkageWeights",
    "Reason",
    "Suggestion",
]

COMPONENTS = ("category", "modus_operandi", "narrative", "space", "time")
DAY = 86_400


@dataclass(frozen=True, eq=False)
class CaseSet:
    """Records to link: id, category, time (epoch s), position (projected metres), MO
    fields (name -> one string per record; "" = unknown) and narrative text."""

    ids: NDArray[np.str_]
    category: NDArray[np.str_]
    t: NDArray[np.int64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    mo: Mapping[str, NDArray[np.str_]]
    text: NDArray[np.str_]

    @classmethod
    def build(
        cls,
        ids: ArrayLike,
        category: ArrayLike,
        t: ArrayLike,
        x: ArrayLike,
        y: ArrayLike,
        mo: Mapping[str, ArrayLike] | None = None,
        text: ArrayLike | None = None,
    ) -> CaseSet:
        """Validate and convert; raises ``ValueError`` naming the bad input."""
        ids_a = np.asarray(ids).astype(str).reshape(-1)
        n = ids_a.shape[0]
        out = cls(
            ids=ids_a,
            category=np.asarray(category).astype(str).reshape(-1),
            t=np.asarray(t, dtype=np.int64).reshape(-1),
            x=np.asarray(x, dtype=np.float64).reshape(-1),
            y=np.asarray(y, dtype=np.float64).reshape(-1),
            mo={k: np.asarray(v).astype(str).reshape(-1) for k, v in (mo or {}).items()},
            text=np.full(n, "", dtype=str)
            if text is None
            else np.asarray(text).astype(str).reshape(-1),
        )
        for f in ("category", "t", "x", "y", "text"):
            if getattr(out, f).shape[0] != n:
                raise ValueError(f"{f} needs one value per record ({n})")
        for k, v in out.mo.items():
            if v.shape[0] != n:
                raise ValueError(f"MO field {k!r} needs one value per record ({n})")
        if not (np.all(np.isfinite(out.x)) and np.all(np.isfinite(out.y))):
            raise ValueError("positions must be finite")
        if len(set(ids_a.tolist())) != n:
            raise ValueError("record ids must be unique")
        return out

    def __len__(self) -> int:
        return int(self.ids.shape[0])


@dataclass(frozen=True)
class LinkageWeights:
    """Weights of the five similarities and the scales of the space and time terms.

    The defaults were chosen on the synthetic series of seed 1 (``docs/linkage.md``) and
    are reported on another seed.
    """

    category: float = 0.5
    modus_operandi: float = 1.0
    narrative: float = 1.0
    space: float = 1.0
    time: float = 0.5
    space_scale_m: float = 2500.0
    time_scale_days: float = 60.0
    max_days: float = 365.0

    def __post_init__(self) -> None:
        w = [getattr(self, c) for c in COMPONENTS]
        if any(v < 0 for v in w) or sum(w) <= 0:
            raise ValueError("weights must be non-negative and not all zero")
        if self.space_scale_m <= 0 or self.time_scale_days <= 0 or self.max_days <= 0:
            raise ValueError("scales and the look-back must be positive")

    def vector(self) -> NDArray[np.float64]:
        w = np.array([getattr(self, c) for c in COMPONENTS], dtype=np.float64)
        return np.asarray(w / w.sum())


@dataclass(frozen=True)
class Reason:
    """One similarity behind a suggestion: ``contribution = weight x similarity``."""

    name: str
    similarity: float
    weight: float
    contribution: float
    detail: str


@dataclass(frozen=True)
class Suggestion:
    id: str
    score: float
    reasons: list[Reason] = field(default_factory=list)


class CaseLinker:
    """Ranks earlier records by similarity to a query (see the module docstring).

    ``fuzzy_fields`` names the free-text MO fields compared with rapidfuzz; the others
    are compared exactly. The TF-IDF vocabulary is learnt from ``cases``' narratives.
    """

    def __init__(
        self,
        cases: CaseSet,
        weights: LinkageWeights | None = None,
        *,
        fuzzy_fields: Sequence[str] = (),
        ngram_range: tuple[int, int] = (1, 3),
    ) -> None:
        self.cases = cases
        self.weights = weights or LinkageWeights()
        self.fuzzy_fields = tuple(fuzzy_fields)
        self.vectorizer = TfidfVectorizer(
            analyzer="char", ngram_range=ngram_range, sublinear_tf=True, min_df=1
        )
        texts = cases.text.tolist()
        if any(s.strip() for s in texts):
            self.text_matrix: sparse.csr_matrix | None = sparse.csr_matrix(
                self.vectorizer.fit_transform(texts)
            )
        else:
            self.text_matrix = None

    # ---- components ---------------------------------------------------------------
    def components(self, query: CaseSet, q: int, cand: NDArray[np.intp]) -> NDArray[np.float64]:
        """Similarities (len(cand), 5) of record ``q`` of ``query`` to ``cases[cand]``."""
        c = self.cases
        w = self.weights
        out = np.zeros((cand.shape[0], len(COMPONENTS)))
        out[:, 0] = c.category[cand] == query.category[q]
        out[:, 1] = self._mo(query, q, cand)
        if self.text_matrix is not None and query.text[q].strip():
            if query is c:
                vec = self.text_matrix[q]
            else:
                vec = sparse.csr_matrix(self.vectorizer.transform([query.text[q]]))
            out[:, 2] = np.asarray((self.text_matrix[cand] @ vec.T).todense()).ravel()
        d = np.hypot(c.x[cand] - query.x[q], c.y[cand] - query.y[q])
        out[:, 3] = np.exp(-d / w.space_scale_m)
        gap = np.abs(query.t[q] - c.t[cand]) / DAY
        out[:, 4] = np.exp(-gap / w.time_scale_days)
        return np.clip(out, 0.0, 1.0)

    def _mo(self, query: CaseSet, q: int, cand: NDArray[np.intp]) -> NDArray[np.float64]:
        total = np.zeros(cand.shape[0])
        count = np.zeros(cand.shape[0])
        for name, values in self.cases.mo.items():
            if name not in query.mo or not query.mo[name][q]:
                continue
            mine = query.mo[name][q]
            theirs = values[cand]
            known = theirs != ""
            if name in self.fuzzy_fields:
                sim = (
                    process.cdist([mine], theirs.tolist(), scorer=fuzz.partial_ratio, workers=1)[0]
                    / 100.0
                )
            else:
                sim = (theirs == mine).astype(np.float64)
            total += np.where(known, sim, 0.0)
            count += known
        return np.asarray(np.where(count > 0, total / np.maximum(count, 1), 0.0))

    def candidates(self, query: CaseSet, q: int) -> NDArray[np.intp]:
        """Records strictly before the query and within ``max_days`` of it (not itself)."""
        c = self.cases
        t0 = query.t[q]
        ok = (c.t < t0) & (c.t >= t0 - self.weights.max_days * DAY)
        if query is c:
            ok[q] = False
        else:
            ok &= c.ids != query.ids[q]
        return np.flatnonzero(ok)

    def rank(
        self, query: CaseSet, q: int, k: int = 10
    ) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64]]:
        """Top ``k`` earlier records: indices into ``cases``, scores and components."""
        cand = self.candidates(query, q)
        if cand.size == 0:
            return cand, np.zeros(0), np.zeros((0, len(COMPONENTS)))
        comp = self.components(query, q, cand)
        score = comp @ self.weights.vector()
        top = np.lexsort((self.cases.ids[cand], -score))[:k]
        return cand[top], score[top], comp[top]

    # ---- suggestions -------------------------------------------------------------
    def suggest(self, query: CaseSet, q: int = 0, k: int = 10) -> list[Suggestion]:
        """Ranked suggestions with their reasons for record ``q`` of ``query``.

        ``query`` may be ``self.cases`` (a record already indexed) or a new ``CaseSet``.
        """
        if k <= 0:
            raise ValueError("k must be positive")
        idx, score, comp = self.rank(query, q, k)
        wv = self.weights.vector()
        out = []
        for i, s, row in zip(idx.tolist(), score.tolist(), comp, strict=True):
            reasons = [
                Reason(
                    name=name,
                    similarity=float(row[j]),
                    weight=float(wv[j]),
                    contribution=float(wv[j] * row[j]),
                    detail=self._detail(name, query, q, i),
                )
                for j, name in enumerate(COMPONENTS)
            ]
            reasons.sort(key=lambda r: -r.contribution)
            out.append(Suggestion(id=str(self.cases.ids[i]), score=float(s), reasons=reasons))
        return out

    def _detail(self, name: str, query: CaseSet, q: int, i: int) -> str:
        c = self.cases
        if name == "category":
            return f"{query.category[q]} / {c.category[i]}"
        if name == "modus_operandi":
            same = [
                f"{k}={v[i]}"
                for k, v in c.mo.items()
                if k in query.mo and v[i] and v[i] == query.mo[k][q]
            ]
            return ", ".join(same) if same else "no MO field the same"
        if name == "narrative":
            return "character n-gram TF-IDF cosine"
        if name == "space":
            d = float(np.hypot(c.x[i] - query.x[q], c.y[i] - query.y[q]))
            return f"{d:.0f} m apart"
        return f"{abs(int(query.t[q]) - int(c.t[i])) / DAY:.1f} days earlier"


def weights_from(mapping: Mapping[str, float]) -> LinkageWeights:
    """``LinkageWeights`` from a mapping, refusing unknown names."""
    names = {f.name for f in fields(LinkageWeights)}
    bad = set(mapping) - names
    if bad:
        raise ValueError(f"unknown weight(s): {', '.join(sorted(bad))}")
    return LinkageWeights(**mapping)
