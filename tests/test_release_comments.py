"""Comment screening (names, e-mails, phones, dates, course codes, duplicates) and the release order."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorassess.errors import ConfigError
from mentorassess.release.comments import order_key, release_order, screen_comments
from mentorassess.sample import _COMMENTS, generate

ROSTER = pd.DataFrame({"mentor_id": ["M1", "M2", "M3", "M4", "M5", "M6", "M7"],
                       "name": ["Jordan Smith", "王芳 (Wang Fang)", "Will Grant", "Zofia Wiśniewska",
                                "Ольга Иванова", "Hope Park", "Trần Văn Đức"]})
MENTEES = ["Priya Raghunathan", "Li Na", "Siobhán Ní Bhriain"]

# Ordinary comments as mentees write them: numbers, acronyms, modal verbs, ranges, months as words
# without a day or year. None of them holds a personal detail, so none may be flagged.
ORDINARY = [
    "Always makes time for me, even in busy weeks.",
    "Gives detailed feedback on drafts within 2-3 days.",
    "We meet every 2 weeks for 30-45 minutes, which works well.",
    "I will grant that the lab is busy, but meetings start late.",
    "Hope this helps: more structure in our one-to-one meetings.",
    "May I suggest a shared agenda before each meeting?",
    "Helped me through my first R01 and K99 applications.",
    "During the COVID-19 year our meetings moved online and stayed useful.",
    "The FY 2024 budget cuts made travel hard, but she found funding for a conference.",
    "Rated 6/7 on most things; could be more available in summer.",
    "Between 2019-2021 the group tripled; the mentor still knew everyone's projects.",
    "Would like more feedback on my presentations, maybe 1 or 2 practice talks.",
    "Explains how decisions about authorship are made.",
    "Encourages us to take the long view of a career in research.",
    "Sets clear expectations about timelines, e.g. a draft 10 days before a deadline.",
    "Our weekly check-ins (Mondays) are the most useful hour of my week.",
    "The NIH biosketch workshop she recommended was excellent.",
    "Introduced me to collaborators outside our department, at least 3 of them.",
    "Clear, kind and honest. 10/10 would recommend.",
    "Could share expectations about timelines earlier; march deadlines came as a surprise.",
    "Gave me a 2nd chance after a failed experiment and helped me see what went wrong.",
    "Shared her own IRB protocol as a template, which saved me weeks.",
    "More help with planning my next career step would be welcome.",
    "Scored 3.5 out of 5 for me on availability; otherwise excellent.",
    "Will push you hard but always has your back.",
    "She lent me the lab van for field work and found me a park-and-ride pass.",
]


def _screen(texts, **kw):
    frame = pd.DataFrame({"mentor_id": [f"M{i}" for i in range(len(texts))], "wave": "post", "text": texts})
    return screen_comments(frame, roster=ROSTER, mentees=MENTEES, names=["Dean Alvarez"], **kw)


def test_no_false_positives_on_ordinary_comments():
    corpus = list(dict.fromkeys(ORDINARY + [c for cs in _COMMENTS.values() for c in cs]))
    flagged = [(c, r.kinds) for c, r in zip(corpus, _screen(corpus).comments) if r.needs_review]
    assert flagged == []


@pytest.mark.parametrize("text,kind", [
    ("Dr. Smith replies within days.", "name"),
    ("jordan smith is the best", "name"),
    ("WIŚNIEWSKA explains things well", "name"),
    ("Wisniewska explains things well", "name"),
    ("Olga always answers", "name"),                  # Cyrillic roster name, Latin comment
    ("Ольга всегда отвечает", "name"),
    ("王芳老师很耐心", "name"),
    ("Wang Fang is patient", "name"),
    ("Tran Van Duc set up my project", "name"),
    ("I asked Will about it", "name"),                # common word, capitalised inside a sentence
    ("Will Grant helped me", "name"),                 # whole name, even at a sentence start
    ("Priya and I share an office", "name"),          # a mentee's name
    ("She told Li about it", "name"),                 # a two-letter name part, capitalised
    ("Ní Bhriain and I disagree", "name"),
    ("Ask Dean Alvarez in the office", "name"),       # staff name passed in
    ("Write to me: jane.doe@uni.example.edu", "email"),
    ("jane.doe [at] uni [dot] edu", "email"),
    ("Call me on +44 20 7946 0958", "phone"),
    ("call +1 (202) 555-0143 any time", "phone"),
    ("my mobile is 0049 30 1234567", "phone"),
    ("reach me at 555-123-4567", "phone"),
    ("text 0912.345.678", "phone"),
    ("(555) 123-4567 works", "phone"),
    ("+84 912 345 678", "phone"),
    ("On 2025-09-15 we had a difficult talk", "date"),
    ("after our meeting on 15/09/2025", "date"),
    ("since 9.15.25 things improved", "date"),
    ("since March 5th, 2024", "date"),
    ("on the 5th of March she said", "date"),
    ("On Sept. 12 the lab flooded", "date"),
    ("from May 2024 on", "date"),
    ("took BIO 101 with him", "course_code"),
    ("the EPI-5120 seminar", "course_code"),
    ("in NURS6010 last year", "course_code"),
])
def test_each_kind_is_flagged(text, kind):
    review = _screen([text]).comments[0]
    assert kind in review.kinds, review
    f = next(f for f in review.flags if f.kind == kind)
    assert 0 <= f.start < f.end <= len(text)
    assert text not in f.detail  # details describe, never quote


@pytest.mark.parametrize("text,span", [("Dr. Smith replies", (4, 9)), ("谢谢王 芳老师", (2, 5)),
                                       ("Ask Hope Park now", (4, 13)), ("Olga, again", (0, 4))])
def test_flag_offsets_point_at_the_name(text, span):
    flags = [f for f in _screen([text]).comments[0].flags if f.kind == "name"]
    assert (flags[0].start, flags[0].end) == span, flags


def test_own_and_other_mentor_names_are_told_apart():
    frame = pd.DataFrame({"mentor_id": ["M1", "M3"], "wave": "post", "text": ["Smith is great", "Smith is great"]})
    a, b = screen_comments(frame, roster=ROSTER).comments
    assert a.flags[0].detail == "the mentor's own name (part)"
    assert b.flags[0].detail == "a mentor's name (M1) (part)"


def test_duplicates_identical_and_near_identical():
    texts = ["Very supportive, always answers e-mails quickly.",
             "very supportive - always answers e-mails quickly!!",   # same once normalised
             "Very supportive, always answers emails quickly.",      # nearly the same
             "Meetings are sometimes cancelled at short notice.",
             "Great mentor.", "Great mentor."]
    frame = pd.DataFrame({"mentor_id": ["M1", "M1", "M1", "M1", "M2", "M3"], "wave": "post", "text": texts})
    reviews = screen_comments(frame).comments
    assert [("duplicate" in r.kinds) for r in reviews] == [True, True, True, False, False, False]
    details = " ".join(f.detail for f in reviews[0].flags)
    assert "#1" in details and "nearly the same text as comment #2" in details


def test_a_long_comment_repeated_for_another_mentor_is_flagged():
    text = "She taught me how to write a specific aims page and how to take criticism."
    frame = pd.DataFrame({"mentor_id": ["M1", "M2"], "wave": "post", "text": [text, text]})
    assert all("duplicate" in r.kinds for r in screen_comments(frame).comments)


def test_screen_frame_and_inputs_untouched():
    frame = pd.DataFrame({"mentor_id": ["M1", "M1"], "wave": ["post", "post"], "question": ["q", "q"],
                          "response_id": ["R1", "R2"], "text": ["Dr. Smith, 555-123-4567", "fine"]})
    before = frame.copy()
    out = screen_comments(frame, roster=ROSTER).to_frame()
    pd.testing.assert_frame_equal(frame, before)
    assert out[["response_id", "needs_review", "kinds"]].values.tolist() == [["R1", True, "name;phone"],
                                                                           ["R2", False, ""]]
    assert "555" not in " ".join(out["details"])


def test_sample_comments_with_sample_roster_are_clean():
    prog = generate(n_mentors=40)
    comments = [c for cs in _COMMENTS.values() for c in cs]
    assert not screen_comments(comments, roster=prog.roster).flagged


# --- order ----------------------------------------------------------------------------------------------------
def _comments(n=12):
    return pd.DataFrame({"mentor_id": ["M1"] * (n // 2) + ["M2"] * (n - n // 2), "wave": "post",
                         "response_id": [f"R{i:02d}" for i in range(n)],
                         "submitted_at": [f"2025-09-{i + 1:02d}" for i in range(n)],
                         "text": [f"comment number {i}" for i in range(n)]})


def test_order_is_deterministic_and_unrelated_to_submission():
    c = _comments()
    a = release_order(c, secret="program-secret")
    assert release_order(c, secret="program-secret").equals(a)
    assert sorted(a["text"]) == sorted(c["text"]) and list(a["mentor_id"]) == sorted(c["mentor_id"])
    # submission order, times and response ids play no part
    changed = c.assign(submitted_at=c["submitted_at"].iloc[::-1].to_numpy(), response_id=[f"X{i}" for i in range(12)])
    assert list(release_order(changed, secret="program-secret")["text"]) == list(a["text"])
    assert list(a["text"]) != list(c["text"])  # not the submission order
    # another secret, another order (for this input; 6! orders per mentor)
    assert list(release_order(c, secret="other")["text"]) != list(a["text"])


@settings(max_examples=40, deadline=None)
@given(perm=st.permutations(range(12)), secret=st.one_of(st.integers(), st.text(max_size=10)))
def test_order_is_independent_of_input_order(perm, secret):
    c = _comments()
    c.loc[3, "text"] = c.loc[4, "text"]  # identical texts too
    a = release_order(c, secret=secret)
    b = release_order(c.iloc[list(perm)], secret=secret)
    pd.testing.assert_frame_equal(a, b)


def test_order_key_depends_on_every_part_and_needs_a_secret():
    base = order_key("s", "M1", "post", "text")
    assert len({base, order_key("t", "M1", "post", "text"), order_key("s", "M2", "post", "text"),
                order_key("s", "M1", "pre", "text"), order_key("s", "M1", "post", "text!")}) == 5
    with pytest.raises(ConfigError):
        order_key(None, "M1", "post", "text")
