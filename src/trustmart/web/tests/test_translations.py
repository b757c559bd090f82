"""Simplified Chinese is the default language: every string must be translated, and the
compiled catalog must match its source."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_has_a_chinese_translation() -> None:
    po = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"


def test_placeholders_survive_translation() -> None:
    import re

    pattern = re.compile(r"%\(\w+\)[sd]|%\(\w+\)\.\d+f|\{\w+\}")
    for entry in polib.pofile(str(LOCALE / "django.po")):
        translations = (entry.msgstr_plural.values() if entry.msgid_plural
                        else [entry.msgstr])
        for text in translations:
            expected = sorted(pattern.findall(entry.msgid))
            assert sorted(pattern.findall(text)) == expected, entry.msgid


def test_compiled_catalog_matches_the_source() -> None:
    # Keyed by context too: pgettext gives one English word two translations.
    po = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "")
          for e in polib.pofile(str(LOCALE / "django.po")) if not e.obsolete}
    mo = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0, "")
          for e in polib.mofile(str(LOCALE / "django.mo"))}
    mo.pop((None, ""), None)
    assert po == mo, "run `make messages` to recompile the catalog"
