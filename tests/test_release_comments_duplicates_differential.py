"""Duplicate flags of the comment screen (release.comments._duplicate_flags) equal the former code,
kept below (commit 1f04a23; since round 8 a flag names at most ten other comments and counts the
rest, see ``_named``): exact repeats on the same and on other mentors, short common phrases, near
duplicates (difflib) and missing mentors, on random comment sets with many repeats."""

from __future__ import annotations

import difflib

import numpy as np
import pytest

from mentorassess.release.comments import CommentFlag, _duplicate_flags, _norm_text


def _named(ids: list[int]) -> str:
    listed = ", ".join(f"#{j}" for j in ids[:10])
    return listed if len(ids) <= 10 else f"{listed} and {len(ids) - 10} more"


def _former_duplicate_flags(norms: list[str], mentors: list[str | None], texts: list[str],
                     near: float) -> dict[int, list[CommentFlag]]:
    out: dict[int, list[CommentFlag]] = {}
    by_text: dict[str, list[int]] = {}
    for i, n in enumerate(norms):
        if n:
            by_text.setdefault(n, []).append(i)
    for n, idx in by_text.items():
        if len(idx) < 2:
            continue
        for i in idx:
            others = [j for j in idx if j != i]
            same = [j for j in others if mentors[j] == mentors[i]]
            if same:
                detail = "same text as comment " + _named(same)
            elif len(n.split()) >= 6:
                detail = "same text as a comment on another mentor (" + _named(others) + ")"
            else:
                continue  # a short common phrase ("great mentor") given to different mentors
            out.setdefault(i, []).append(CommentFlag("duplicate", 0, len(texts[i]), detail))
    groups: dict[str | None, list[int]] = {}
    for i, n in enumerate(norms):
        if len(n) >= 20:
            groups.setdefault(mentors[i], []).append(i)
    for idx in groups.values():
        for a_pos, a in enumerate(idx):
            for b in idx[a_pos + 1:]:
                if norms[a] == norms[b]:
                    continue
                sm = difflib.SequenceMatcher(None, norms[a], norms[b], autojunk=False)
                if sm.real_quick_ratio() >= near and sm.quick_ratio() >= near and sm.ratio() >= near:
                    out.setdefault(a, []).append(CommentFlag("duplicate", 0, len(texts[a]), f"nearly the same text as comment #{b}"))
                    out.setdefault(b, []).append(CommentFlag("duplicate", 0, len(texts[b]), f"nearly the same text as comment #{a}"))
    return out



_BASE = ["Great mentor", "She always answers my questions quickly and in depth",
         "He helped me plan the experiments of my thesis step by step",
         "Meetings were often cancelled at short notice without explanation",
         "Very supportive of my career goals and my applications for fellowships"]


def _comments(seed: int):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 120))
    texts = []
    for _ in range(n):
        t = _BASE[int(rng.integers(0, len(_BASE)))]
        r = rng.random()
        if r < 0.3:            # a near duplicate: one word changed or dropped
            w = t.split()
            k = int(rng.integers(0, len(w)))
            w[k] = w[k] + "s" if rng.random() < 0.5 else ""
            t = " ".join(x for x in w if x)
        elif r < 0.4:
            t = f"Something else entirely, number {int(rng.integers(0, 5))} of many other words here"
        texts.append(t)
    mentors = [None if rng.random() < 0.05 else f"M{int(rng.integers(0, 6))}" for _ in range(n)]
    return [_norm_text(t) for t in texts], mentors, texts


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("near", [0.9, 0.8])
def test_duplicate_flags_equal_former_code(seed, near):
    norms, mentors, texts = _comments(seed)
    new, old = _duplicate_flags(norms, mentors, texts, near), _former_duplicate_flags(norms, mentors, texts, near)
    assert new == old
    assert any("nearly" in f.detail for fl in old.values() for f in fl)
    assert any("another mentor" in f.detail for fl in old.values() for f in fl)


def test_a_text_repeated_hundreds_of_times_names_ten_others_and_counts_the_rest():
    text = "Very supportive of my career goals and my applications for fellowships"
    n = 400
    mentors = [f"M{i}" for i in range(n - 3)] + ["M0", "M0", "M0"]   # M0 has four copies
    flags = _duplicate_flags([_norm_text(text)] * n, mentors, [text] * n, 0.9)
    assert len(flags) == n
    other = flags[5][0].detail
    assert other == ("same text as a comment on another mentor (#0, #1, #2, #3, #4, #6, #7, #8, #9, #10"
                     " and 389 more)")
    assert flags[0][0].detail == f"same text as comment #{n - 3}, #{n - 2}, #{n - 1}"
    assert max(len(f.detail) for fl in flags.values() for f in fl) < 120
