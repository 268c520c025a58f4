"""Instrument model, schema validation, extends and the built-in registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from mentorassess import InstrumentError, list_instruments, load_instrument, validate_instrument
from mentorassess.instruments import builtin_instrument_dir

DATA = Path(__file__).parent / "data" / "instruments"


def test_mca26_structure(mca26):
    assert len(mca26.items) == 26
    assert [c.id for c in mca26.competencies] == [
        "communication", "expectations", "understanding", "independence", "diversity", "professional_development"]
    assert [len(c.items) for c in mca26.competencies] == [6, 5, 3, 5, 2, 5]
    assert mca26.item_ids == tuple(f"mca{i:02d}" for i in range(1, 27))
    # competency membership follows the published item numbering
    assert mca26.competency("independence").items == ("mca15", "mca16", "mca17", "mca18", "mca19")
    assert mca26.scale.values == (1, 2, 3, 4, 5, 6, 7)
    assert mca26.scale.labels[1] == "Not at all skilled" and mca26.scale.labels[7] == "Extremely skilled"
    assert "N/A" in mca26.scale.non_substantive
    assert set(mca26.forms) == {"self", "mentee"}
    assert mca26.status == "validated"


def test_mca26_published_cfa(mca26):
    cfa = {p.form: p for p in mca26.published_for("cfa")}
    assert cfa["self"].figures["chisq"] == pytest.approx(663.20)
    assert cfa["mentee"].figures["chisq"] == pytest.approx(840.62)
    assert cfa["self"].figures["df"] == 284 and cfa["mentee"].figures["df"] == 284
    assert cfa["self"].figures["rmsea"] == pytest.approx(0.069)
    assert cfa["mentee"].figures["cfi"] == pytest.approx(0.87)


def test_builtins_are_valid_and_complete():
    instruments = {i.id: i for i in list_instruments()}
    assert set(instruments) == {"mca-26", "mca-21", "met-13", "mes-12", "mentoring-framework"}
    for path in sorted(builtin_instrument_dir().glob("*.yaml")):
        assert validate_instrument(path) == [], path.name
    for ins in instruments.values():
        for comp in ins.competencies:
            assert 3 <= len(comp.suggestions) <= 5, (ins.id, comp.id)
        in_total = [i.id for i in ins.items if i.in_total]
        members = [i for c in ins.competencies for i in c.items]
        assert sorted(in_total) == sorted(members) and len(members) == len(set(members)), ins.id
    assert instruments["mca-21"].status == "provisional"
    assert [len(c.items) for c in instruments["mca-21"].competencies] == [4, 4, 3, 3, 3, 4]
    assert len(instruments["mca-21"].items) == 21
    met = instruments["met-13"]
    assert len(met.total_item_ids) == 13 and met.item("met_overall").in_total is False
    assert [c.id for c in met.competencies] == ["overall"]
    assert len(instruments["mes-12"].items) == 12 and instruments["mes-12"].scale.values == tuple(range(1, 7))
    assert instruments["mentoring-framework"].status == "our-design"


def test_unknown_instrument_names_the_builtins():
    with pytest.raises(InstrumentError) as info:
        load_instrument("mca-99")
    assert "mca-26" in str(info.value) and "mca-99" in str(info.value)


EXPECTED_CODES = {
    "unknown-key", "bad-status", "label-outside-scale", "bad-scoring", "wrong-type", "duplicate-id",
    "missing-item", "item-in-two-competencies", "empty-competency", "item-in-no-competency",
}


def test_validate_reports_every_problem_with_lines():
    problems = validate_instrument(DATA / "broken.yaml")
    codes = {p.code for p in problems}
    assert EXPECTED_CODES <= codes
    assert all(p.line is not None and p.file.endswith("broken.yaml") for p in problems)
    by_code = {p.code: p for p in problems}
    assert by_code["unknown-key"].line == 5 and "colour" in by_code["unknown-key"].message
    assert "a02" in by_code["item-in-two-competencies"].message
    assert "a09" in by_code["missing-item"].message
    assert [p.line for p in problems] == sorted(p.line for p in problems)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("id: [unclosed\n", "yaml-syntax"),
        ("- just\n- a list\n", "wrong-type"),
        ("id: a\nid: b\n", "duplicate-key"),
        ("a:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(40)) + "  " * 41 + "v: 1\n", "too-deep"),
        ("extends: no-such-instrument\n", "unknown-extends"),
        ("extends: mca-26\nscale: {values: [1, 2]}\n", "unknown-key"),
        ("extends: mca-26\nitems:\n  mca01: {reverse: true}\n", "not-overridable"),
    ],
)
def test_validate_bad_files(tmp_path, text, code):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    problems = validate_instrument(path)
    assert code in {p.code for p in problems}, problems
    with pytest.raises(InstrumentError):
        load_instrument(path)


def test_binary_and_missing_files(tmp_path):
    path = tmp_path / "garbage.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    assert [p.code for p in validate_instrument(path)] == ["not-text"]
    assert [p.code for p in validate_instrument(tmp_path / "absent.yaml")] == ["unreadable"]


def test_extends_with_licensed_wording():
    ins = load_instrument(DATA / "licensed-mca.yaml")
    assert ins.extends == "mca-26" and ins.id == "mca-26"
    assert ins.title.endswith("(licensed wording)")
    assert ins.item("mca01").wording == "LICENSED WORDING FOR ITEM ONE"
    assert ins.item("mca01").label == "Listens actively"  # our label is kept
    assert ins.item("mca02").wording == load_instrument("mca-26").item("mca02").wording
    assert ins.competency("communication").suggestions == ("Book a monthly coffee with each mentee.",)
    assert ins.competency("local_extra").items == ("loc01",)
    assert len(ins.items) == 27
    # the scale and the built-in competency assignment are untouched
    assert ins.scale == load_instrument("mca-26").scale
    assert ins.competency("diversity").items == ("mca20", "mca21")


def test_extends_new_item_must_belong_somewhere(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("extends: mca-26\nitems:\n  - {id: new01, label: A new item}\n", encoding="utf-8")
    assert "item-in-no-competency" in {p.code for p in validate_instrument(path)}


def test_instrument_is_frozen(mca26):
    with pytest.raises(AttributeError):
        mca26.title = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        mca26.forms["peer"] = None  # type: ignore[index]


def test_scale_reverse_twice_is_identity(mca26):
    for v in mca26.scale.values:
        assert mca26.scale.reverse(mca26.scale.reverse(v)) == v
    assert mca26.scale.reverse(1) == 7
