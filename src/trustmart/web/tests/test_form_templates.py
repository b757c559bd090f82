"""The one copy of the form partials every app includes (``web/_field.html``,
``web/_form_errors.html``)."""

from pathlib import Path

from django import forms
from django.template.loader import render_to_string

import trustmart


class _Form(forms.Form):
    name = forms.CharField(label="Name", help_text="As on your ID card.")


def test_a_field_shows_its_label_help_and_errors() -> None:
    form = _Form(data={"name": ""})
    assert not form.is_valid()
    form.add_error(None, "Something went wrong.")
    field_html = render_to_string("web/_field.html", {"field": form["name"]})
    assert "has-error" in field_html and "Name" in field_html
    assert "As on your ID card." in field_html and 'class="field-error"' in field_html
    errors_html = render_to_string("web/_form_errors.html", {"form": form})
    assert 'role="alert"' in errors_html and "Something went wrong." in errors_html


def test_a_valid_form_shows_no_error_block() -> None:
    form = _Form(data={"name": "Li"})
    assert form.is_valid()
    assert render_to_string("web/_form_errors.html", {"form": form}).strip() == ""


def test_no_app_keeps_its_own_copy() -> None:
    root = Path(trustmart.__file__).parent
    copies = sorted(str(p.relative_to(root)) for name in ("_field.html", "_form_errors.html")
                    for p in root.glob(f"*/templates/**/{name}"))
    assert copies == ["web/templates/web/_field.html", "web/templates/web/_form_errors.html"]
