"""Survey files from an instrument: files REDCap, Qualtrics and LimeSurvey import to build the survey.

``mentorassess survey INSTRUMENT --tool redcap|qualtrics|limesurvey -o FILE`` writes one form
(one rater role) of an instrument so that exports of the survey built from it import with no
mapping:

- **REDCap**: a data dictionary CSV (the 18 standard columns). Fields ``record_id``,
  ``mentor_id`` (text), ``rater_role`` (text, ``@DEFAULT`` the form's role, hidden on the
  survey), ``wave`` (radio of the declared waves, or a hidden constant), one radio field per item
  named by the item id (codes 1-7 with the anchor labels, and a non-substantive choice
  ``8, N/A``), grouped in one matrix per competency, and one notes field per open-ended question
  named by its id.
- **Qualtrics**: a ``.qsf`` survey file (JSON): one Likert matrix per competency (export tag
  ``<competency>``, statements = item labels or licensed text, answers 1-7 with anchors and N/A),
  a text-entry question per open-ended question (export tag = its id), and embedded data
  ``mentor_id``, ``wave`` (read from the survey link unless a constant is given) and
  ``rater_role`` (set to the form's role) in the survey flow. Exports with choice text import
  with no mapping (items by their exact statement text); numeric exports need ``values: {8: na}``
  for the N/A code.
- **LimeSurvey**: the tab-separated survey structure (``.txt``), one array question per
  competency whose sub-question codes are the item ids (export headings ``comp[mca01]``), answer
  codes ``1``-``7`` and ``NA``; short-text questions ``mentorid``, ``role`` and ``wave`` (hidden;
  fill them through URL parameters or defaults) and a long-text question per open-ended question.

Everything is written deterministically (same instrument and options, same bytes).
"""

from __future__ import annotations

import csv
import io
import json
import re

__all__ = ["redcap_dictionary", "qualtrics_qsf", "limesurvey_tsv", "survey_file", "TOOLS", "REDCAP_HEADER"]

TOOLS = ("redcap", "qualtrics", "limesurvey")
NA_CODE = 8
REDCAP_HEADER = ["Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
                 "Choices, Calculations, OR Slider Labels", "Field Note",
                 "Text Validation Type OR Show Slider Number", "Text Validation Min", "Text Validation Max",
                 "Identifier?", "Branching Logic (Show field only if...)", "Required Field?", "Custom Alignment",
                 "Question Number (surveys only)", "Matrix Group Name", "Matrix Ranking?", "Field Annotation"]


def _form(instrument, form: str | None):
    from mentorassess.errors import ConfigError

    forms = instrument.forms
    if form is None:
        form = "mentee" if "mentee" in forms else next(iter(forms))
    if form not in forms:
        raise ConfigError(f"instrument {instrument.id!r} has no form {form!r}", value=form,
                          hint=f"forms: {', '.join(forms)}")
    return forms[form]


def _groups(instrument, form_id: str) -> list[tuple[str, str, list]]:
    """(code, title, items) per competency, in instrument order; items outside any competency last."""
    items = {it.id: it for it in instrument.items_for_form(form_id)}
    out, seen = [], set()
    for comp in instrument.competencies:
        its = [items[i] for i in comp.items if i in items and i not in seen]
        if its:
            out.append((comp.id, comp.title, its))
            seen.update(i.id for i in its)
    rest = [it for it in items.values() if it.id not in seen]
    if rest:
        out.append(("other", "Other items", rest))
    order = {it.id: k for k, it in enumerate(instrument.items)}
    return sorted(out, key=lambda g: order[g[2][0].id])


def _anchor(instrument, code: int) -> str:
    labels = instrument.scale.labels
    return f"{code} - {labels[code]}" if code in labels else str(code)


def _na_label(instrument) -> str:
    return instrument.scale.non_substantive[0] if instrument.scale.non_substantive else "N/A"


def _comments(instrument, form_id: str) -> list:
    return [oe for oe in instrument.open_ended if oe.forms is None or form_id in oe.forms]


def _csv(rows) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def redcap_dictionary(instrument, form: str | None = None, waves=("pre", "post"), wave: str | None = None) -> bytes:
    """A REDCap data dictionary CSV for one form of ``instrument`` (see the module notes)."""
    f = _form(instrument, form)
    name = re.sub(r"[^a-z0-9_]", "_", f"{instrument.id}_{f.id}".lower())
    blank = [""] * 18

    def row(field, ftype, label, choices="", section="", matrix="", annotation="", identifier=""):
        r = list(blank)
        r[0], r[1], r[2], r[3], r[4], r[5] = field, name, section, ftype, label, choices
        r[10], r[15], r[17] = identifier, matrix, annotation
        return r

    rows = [REDCAP_HEADER, row("record_id", "text", "Record ID"),
            row("mentor_id", "text", "Mentor ID", identifier=""),
            row("rater_role", "text", "Rater role", annotation=f'@DEFAULT="{f.rater_role}" @READONLY @HIDDEN-SURVEY')]
    if wave:
        rows.append(row("wave", "text", "Wave", annotation=f'@DEFAULT="{wave}" @READONLY @HIDDEN-SURVEY'))
    else:
        rows.append(row("wave", "radio", "Wave", " | ".join(f"{w}, {w}" for w in waves)))
    choices = " | ".join(f"{v}, {_anchor(instrument, v)}" for v in instrument.scale.values)
    choices += f" | {NA_CODE}, {_na_label(instrument)}"
    for k, (code, title, items) in enumerate(_groups(instrument, f.id)):
        for j, it in enumerate(items):
            section = (f"{f.stem} ({title})" if f.stem else title) if j == 0 else ""
            rows.append(row(it.id, "radio", it.wording, choices, section=section, matrix=f"{code}"))
    for oe in _comments(instrument, f.id):
        rows.append(row(oe.id, "notes", oe.prompt))
    return _csv(rows)


def qualtrics_qsf(instrument, form: str | None = None, wave: str | None = None) -> bytes:
    """A Qualtrics survey file (.qsf JSON) for one form of ``instrument`` (see the module notes)."""
    f = _form(instrument, form)
    sid = "SV_mentorassess"
    stem = f.stem or instrument.title
    answers = {str(v): {"Display": _anchor(instrument, v)} for v in instrument.scale.values}
    answers[str(NA_CODE)] = {"Display": _na_label(instrument)}
    answer_order = [str(v) for v in instrument.scale.values] + [str(NA_CODE)]
    questions = []
    qn = 0
    for code, _title, items in _groups(instrument, f.id):
        qn += 1
        choices = {str(j + 1): {"Display": it.wording} for j, it in enumerate(items)}
        questions.append({"QuestionText": stem, "DefaultChoices": False, "DataExportTag": code,
                          "QuestionType": "Matrix", "Selector": "Likert", "SubSelector": "SingleAnswer",
                          "Configuration": {"QuestionDescriptionOption": "UseText", "TextPosition": "inline",
                                            "ChoiceColumnWidth": 25, "RepeatHeaders": "none", "WhiteSpace": "OFF",
                                            "MobileFirst": True},
                          "QuestionDescription": stem, "Choices": choices,
                          "ChoiceOrder": [str(j + 1) for j in range(len(items))],
                          "Validation": {"Settings": {"ForceResponse": "OFF", "ForceResponseType": "ON",
                                                      "Type": "None"}},
                          "GradingData": [], "Language": [], "NextChoiceId": len(items) + 1,
                          "NextAnswerId": NA_CODE + 1, "Answers": answers, "AnswerOrder": answer_order,
                          "ChoiceDataExportTags": False, "QuestionID": f"QID{qn}"})
    for oe in _comments(instrument, f.id):
        qn += 1
        questions.append({"QuestionText": oe.prompt, "DefaultChoices": False, "DataExportTag": oe.id,
                          "QuestionType": "TE", "Selector": "ML",
                          "Configuration": {"QuestionDescriptionOption": "UseText"},
                          "QuestionDescription": oe.prompt,
                          "Validation": {"Settings": {"ForceResponse": "OFF", "ForceResponseType": "ON",
                                                      "Type": "None"}},
                          "GradingData": [], "Language": [], "NextChoiceId": 1, "NextAnswerId": 1,
                          "QuestionID": f"QID{qn}"})

    def ed(field, value=None):
        d = {"Description": field, "Type": "Custom" if value is not None else "Recipient", "Field": field,
             "VariableType": "String", "DataVisibility": [], "AnalyzeText": False}
        if value is not None:
            d["Value"] = value
        return d

    embedded = [ed("mentor_id"), ed("wave", wave), ed("rater_role", f.rater_role)]
    elements = [
        {"SurveyID": sid, "Element": "BL", "PrimaryAttribute": "Survey Blocks", "SecondaryAttribute": None,
         "TertiaryAttribute": None,
         "Payload": [{"Type": "Default", "Description": f.title or instrument.title, "ID": "BL_1",
                      "BlockElements": [{"Type": "Question", "QuestionID": q["QuestionID"]} for q in questions]},
                     {"Type": "Trash", "Description": "Trash / Unused Questions", "ID": "BL_2"}]},
        {"SurveyID": sid, "Element": "FL", "PrimaryAttribute": "Survey Flow", "SecondaryAttribute": None,
         "TertiaryAttribute": None,
         "Payload": {"Type": "Root", "FlowID": "FL_1",
                     "Flow": [{"Type": "EmbeddedData", "FlowID": "FL_2", "EmbeddedData": embedded},
                              {"Type": "Block", "ID": "BL_1", "FlowID": "FL_3"}],
                     "Properties": {"Count": 3, "RemovedFieldsets": []}}},
        {"SurveyID": sid, "Element": "QC", "PrimaryAttribute": "Survey Question Count",
         "SecondaryAttribute": str(len(questions)), "TertiaryAttribute": None, "Payload": None},
    ]
    for q in questions:
        elements.append({"SurveyID": sid, "Element": "SQ", "PrimaryAttribute": q["QuestionID"],
                         "SecondaryAttribute": q["QuestionDescription"][:100], "TertiaryAttribute": None,
                         "Payload": q})
    doc = {"SurveyEntry": {"SurveyID": sid, "SurveyName": f"{instrument.title} - {f.title or f.id}",
                           "SurveyDescription": None, "SurveyOwnerID": "", "SurveyBrandID": "",
                           "DivisionID": None, "SurveyLanguage": "EN", "SurveyActiveResponseSet": "RS_1",
                           "SurveyStatus": "Inactive", "SurveyStartDate": "0000-00-00 00:00:00",
                           "SurveyExpirationDate": "0000-00-00 00:00:00",
                           "SurveyCreationDate": "2026-01-01 00:00:00", "CreatorID": "",
                           "LastModified": "2026-01-01 00:00:00", "LastAccessed": "0000-00-00 00:00:00",
                           "LastActivated": "0000-00-00 00:00:00", "Deleted": None},
           "SurveyElements": elements}
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


LS_COLUMNS = ["id", "related_id", "class", "type/scale", "name", "relevance", "text", "help", "language",
              "validation", "mandatory", "other", "default", "same_default", "hidden"]


def _ls_code(text: str) -> str:
    """A LimeSurvey code: letters and digits, starting with a letter."""
    code = re.sub(r"[^A-Za-z0-9]", "", text)
    return code if code[:1].isalpha() else "q" + code


def limesurvey_tsv(instrument, form: str | None = None, wave: str | None = None) -> bytes:
    """LimeSurvey's tab-separated survey structure (.txt) for one form of ``instrument``."""
    f = _form(instrument, form)
    lang = "en"
    rows: list[dict] = []

    def add(**kw):
        rows.append({k: str(v) for k, v in kw.items()})

    add(**{"class": "S", "name": "language", "text": lang})
    add(**{"class": "S", "name": "format", "text": "G"})
    add(**{"class": "S", "name": "anonymized", "text": "N"})
    add(**{"class": "S", "name": "datestamp", "text": "Y"})
    add(**{"class": "SL", "name": "surveyls_title", "text": f"{instrument.title} - {f.title or f.id}",
           "language": lang})
    gid = 1
    add(**{"id": gid, "class": "G", "type/scale": 0, "name": f.title or instrument.title, "relevance": 1,
           "text": f.stem or "", "language": lang})
    qid = 100
    for name, text in (("mentorid", "Mentor ID"), ("role", "Rater role"), ("wave", "Wave")):
        qid += 1
        default = f.rater_role if name == "role" else (wave or "") if name == "wave" else ""
        add(**{"id": qid, "class": "Q", "type/scale": "S", "name": name, "relevance": 1, "text": text,
               "language": lang, "mandatory": "N", "other": "N", "default": default, "same_default": 1,
               "hidden": 1})
    for code, _title, items in _groups(instrument, f.id):
        qid += 1
        add(**{"id": qid, "class": "Q", "type/scale": "F", "name": _ls_code(code), "relevance": 1,
               "text": f.stem or instrument.title, "language": lang, "mandatory": "N", "other": "N",
               "same_default": 0, "hidden": 0})
        for it in items:
            add(**{"class": "SQ", "type/scale": 0, "name": _ls_code(it.id), "relevance": 1, "text": it.wording,
                   "language": lang})
        for v in instrument.scale.values:
            add(**{"class": "A", "type/scale": 0, "name": v, "text": _anchor(instrument, v), "language": lang})
        add(**{"class": "A", "type/scale": 0, "name": "NA", "text": _na_label(instrument), "language": lang})
    for oe in _comments(instrument, f.id):
        qid += 1
        add(**{"id": qid, "class": "Q", "type/scale": "T", "name": _ls_code(oe.id), "relevance": 1,
               "text": oe.prompt, "language": lang, "mandatory": "N", "other": "N", "same_default": 0,
               "hidden": 0})
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\n")
    w.writerow(LS_COLUMNS)
    for r in rows:
        w.writerow([r.get(c, "") for c in LS_COLUMNS])
    return buf.getvalue().encode("utf-8")


def survey_file(instrument, tool: str, *, form: str | None = None, waves=("pre", "post"),
                wave: str | None = None) -> bytes:
    """The survey file of ``tool`` (``redcap``, ``qualtrics`` or ``limesurvey``) for one form."""
    from mentorassess.errors import ConfigError

    if tool == "redcap":
        return redcap_dictionary(instrument, form, waves=waves, wave=wave)
    if tool == "qualtrics":
        return qualtrics_qsf(instrument, form, wave=wave)
    if tool == "limesurvey":
        return limesurvey_tsv(instrument, form, wave=wave)
    raise ConfigError(f"unknown survey tool {tool!r}", value=tool, hint=f"one of {', '.join(TOOLS)}")
