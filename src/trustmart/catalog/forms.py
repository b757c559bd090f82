"""Forms parse what the H5 pages post (yuan into fen, percent into basis points, the spec
options text into options); the services decide whether it is acceptable."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trustmart.core.forms import PercentField, YuanField

from .models import Category
from .services import SpecOptionInput

OPTION_LINE = re.compile(r"^\s*([^:：]+?)\s*[:：]\s*(.+?)\s*$")
VALUE_SPLIT = re.compile(r"[,，、;；/\s]+")


def parse_spec_options(text: str) -> list[SpecOptionInput]:
    """One option per line: "颜色: 红色, 蓝色" (full-width colons and commas work too)."""
    options = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        match = OPTION_LINE.match(line)
        if not match:
            raise forms.ValidationError(
                _("Write each spec option on its own line as “name: value, value”."))
        values = [v for v in VALUE_SPLIT.split(match.group(2)) if v]
        options.append(SpecOptionInput(match.group(1), values))
    return options


def spec_options_text(options: list[Any]) -> str:
    return "\n".join(f"{o.name}: {', '.join(o.values)}" for o in options)



def category_choices(categories: list[Category]) -> list[Any]:
    """Grouped by top-level category, as the ``<select>`` shows them."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for category in categories:
        group = category.parent.name if category.parent else category.name
        groups.setdefault(group, []).append((category.pk, category.name))
    return [("", "—"), *[(group, items) for group, items in groups.items()]]


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Product name"), max_length=60)
    subtitle = forms.CharField(label=_("Selling point"), max_length=100, required=False)
    brand = forms.CharField(label=_("Brand"), max_length=50)
    category_id = forms.TypedChoiceField(label=_("Category"), coerce=int)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=20_000,
        help_text=_("Plain text, or simple HTML: paragraphs, bold, lists, headings, images."),
        widget=forms.Textarea(attrs={"rows": 5}))
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=100)
    place_of_origin = forms.CharField(label=_("Place of origin"), max_length=100)
    production_licence_no = forms.CharField(
        label=_("Production licence number"), max_length=30, required=False,
        help_text=_("SC followed by 14 digits; required for food, cosmetics and baby products."))
    commission_bps = PercentField(label=_("Commission rate (%)"))
    purchase_limit = forms.IntegerField(label=_("Purchase limit per order"), required=False,
                                        min_value=1)

    def __init__(self, *args: Any, categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category_id"].choices = category_choices(categories)  # type: ignore[attr-defined]


class ProductCreateForm(ProductForm):
    specs = forms.CharField(
        label=_("Spec options"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. “颜色: 红色, 蓝色”. Leave empty for a single SKU."))
    price = YuanField(label=_("Price (yuan)"))
    stock = forms.IntegerField(label=_("Stock per SKU"), initial=0)

    def clean_specs(self) -> list[SpecOptionInput]:
        return parse_spec_options(self.cleaned_data.get("specs", ""))


class SpecsForm(forms.Form):
    specs = forms.CharField(
        label=_("Spec options"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. “颜色: 红色, 蓝色”. SKUs that exist keep their price "
                    "and stock; new ones get the price and stock below."))
    price = YuanField(label=_("Price of new SKUs (yuan)"))
    stock = forms.IntegerField(label=_("Stock of new SKUs"), initial=0)

    def clean_specs(self) -> list[SpecOptionInput]:
        return parse_spec_options(self.cleaned_data.get("specs", ""))


class SkuForm(forms.Form):
    price = YuanField(label=_("Price (yuan)"))
    stock = forms.IntegerField(label=_("Stock"))
    barcode = forms.CharField(label=_("Barcode"), max_length=32, required=False)


class BatchForm(forms.Form):
    batch_no = forms.CharField(label=_("Batch number"), max_length=40)
    production_date = forms.DateField(label=_("Production date"),
                                      widget=forms.DateInput(attrs={"type": "date"}))
    shelf_life_days = forms.IntegerField(label=_("Shelf life (days)"))
    quantity = forms.IntegerField(label=_("Quantity produced"), required=False)


class CertificateForm(forms.Form):
    name = forms.CharField(label=_("Certificate name"), max_length=60)
    issued_by = forms.CharField(label=_("Issued by"), max_length=100, required=False)
    valid_until = forms.DateField(label=_("Valid until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    file = forms.FileField(label=_("File (image or PDF)"),
                           widget=forms.ClearableFileInput(
                               attrs={"accept": "image/*,application/pdf"}))


class ImageForm(forms.Form):
    image = forms.FileField(label=_("Image"),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class BoundsForm(forms.Form):
    min_bps = PercentField(label=_("Minimum commission (%)"))
    max_bps = PercentField(label=_("Maximum commission (%)"))
