"""Every request parameter, validated once, for the pages and the API alike.

A view builds the form from the request and reads `cleaned_data`; how a refusal is
worded on the wire is the caller's (`problems()` for the API's "field: reason", the
editor's one sentence from `RepairForm.sentence()`), but what is accepted is decided
here only.
"""

import json
from datetime import date, datetime

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator

from . import engines, imaging, roles, services
from .access import REVIEW_STATES
from .engines import DEFAULT_ENGINE, pipeline
from .models import Event, Review, SavedMask

FORMAT_ALIASES = {"jpg": "jpeg"}
# Notes and comments: a few paragraphs, not a document.
MAX_TEXT = 5000


def problems(form: forms.Form) -> str:
    """Every refusal as "field: reason; field: reason"."""
    return "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())


class ExportForm(forms.Form):
    """`?format=png|jpeg|webp&quality=1..100` on a version's download (PNG when absent)."""

    format = forms.CharField(required=False)
    quality = forms.IntegerField(min_value=1, max_value=100, required=False)

    def clean_format(self) -> str:
        raw = self.cleaned_data["format"].strip().lower()
        fmt = FORMAT_ALIASES.get(raw, raw) or "png"
        if fmt not in imaging.EXPORT_FORMATS:
            raise forms.ValidationError(f"unknown format {raw!r}; use png, jpeg (or jpg) or webp")
        return fmt

    def clean(self):
        data = super().clean()
        if data.get("format") == "png" and data.get("quality") is not None:
            raise forms.ValidationError({"quality": "PNG is lossless: a quality goes with jpeg or webp"})
        if data.get("quality") is None:
            data["quality"] = imaging.DEFAULT_EXPORT_QUALITY
        return data

    def problems(self) -> str:
        return problems(self)


class PixelsField(forms.IntegerField):
    """A distance in photo pixels from 0 to `maximum`; `default` when left empty."""

    def __init__(self, *, maximum: int, default: int, **kwargs):
        self.maximum, self.default = maximum, default
        super().__init__(required=False, **kwargs)

    def clean(self, value):
        number = super().clean(value)
        if number is None:
            return self.default
        if not 0 <= number <= self.maximum:
            # The pipeline refuses the same range; saying it here refuses before anything is stored.
            raise forms.ValidationError(f"{self.label} must be between 0 and {self.maximum} px, not {number}",
                                        code="range")
        return number


MAX_FOUND_LINES = 200       # textfind.MAX_LINES is 60: room to spare, not a page of text
MAX_FOUND_WORDS = 200       # characters a line


class FoundTextField(forms.CharField):
    """`found_text`: a JSON array of the words of the text lines a mask covers (the
    editor's Find text sends it with the mask). None when absent: the mask was painted."""

    def __init__(self, **kwargs):
        super().__init__(required=False, strip=True, **kwargs)

    def clean(self, value):
        raw = super().clean(value)
        if not raw:
            return None
        try:
            words = json.loads(raw)
        except ValueError:
            raise forms.ValidationError('found_text must be a JSON array of strings, e.g. ["SALE 50%"]',
                                        code="json") from None
        if (not isinstance(words, list) or len(words) > MAX_FOUND_LINES
                or not all(isinstance(w, str) and len(w) <= MAX_FOUND_WORDS for w in words)):
            raise forms.ValidationError(f"found_text must be a JSON array of at most {MAX_FOUND_LINES} strings "
                                        f"of at most {MAX_FOUND_WORDS} characters", code="shape")
        return [" ".join(w.split()) for w in words]


class RepairForm(forms.Form):
    """A repair's options, from the editor's Remove or the API's POST /repairs. The
    engine's name is checked by the engine registry (services.repair_create), which
    lists the known ones."""

    mode = forms.ChoiceField(choices=[(m, m) for m in services.MODES], required=False, error_messages={
        "invalid_choice": "unknown mode %(value)r; use inpaint (fill the mask you send, the default) or "
                          "remove_text (find overlaid text and remove it; no mask)."})
    engine = forms.CharField(max_length=40, required=False)
    dilate = PixelsField(label="dilate", maximum=pipeline.MAX_DILATE, default=pipeline.DEFAULT_DILATE)
    feather = PixelsField(label="feather", maximum=pipeline.MAX_FEATHER, default=pipeline.DEFAULT_FEATHER)
    asset = forms.IntegerField(min_value=1, required=False)
    found_text = FoundTextField()

    def clean_mode(self) -> str:
        return self.cleaned_data["mode"] or services.MODE_INPAINT

    def clean_engine(self) -> str:
        return self.cleaned_data["engine"] or DEFAULT_ENGINE

    def options(self) -> dict:
        """The repair's keyword arguments for services.repair_create."""
        return {key: self.cleaned_data[key] for key in ("mode", "engine", "dilate", "feather", "found_text")}

    def sentence(self) -> str:
        """The first refusal as the editor shows it: one sentence."""
        name, errors = next(iter(self.errors.as_data().items()))
        if errors[0].code == "invalid" and isinstance(self.fields[name], PixelsField):
            return f"{name} must be a whole number of pixels."
        return " ".join(errors[0].messages)


class ReviewForm(forms.Form):
    """A moderator's decision, from the review page or the API."""

    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    comment = forms.CharField(max_length=MAX_TEXT, required=False, strip=True)


class SubmitForm(forms.Form):
    """The creator's note when sending a version to review."""

    note = forms.CharField(max_length=MAX_TEXT, required=False, strip=True)


class PageForm(forms.Form):
    """`?page=N` of the API's lists (the pages' lists forgive a bad page: Paginator.get_page)."""

    page = forms.IntegerField(min_value=1, required=False)


class DayField(forms.CharField):
    """A day as YYYY-MM-DD; None when left empty."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def clean(self, value) -> date | None:
        raw = super().clean(value)
        if not raw:
            return None
        try:
            return datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            raise forms.ValidationError(f"{self.label} must be a date as YYYY-MM-DD, not {raw!r}.",
                                        code="invalid") from None


class HistoryFilterForm(forms.Form):
    """The admins' history filters: `?user=&asset=&kind=&engine=&from=&to=`, each
    optional. A filter that cannot be read is named (`sentences()`), never dropped:
    that would list everything."""

    user = forms.CharField(required=False)
    asset = forms.CharField(required=False)
    kind = forms.CharField(required=False)
    engine = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Named as in the query string; `from` is a Python keyword, so not declared above.
        self.fields["from"] = DayField(label="From")
        self.fields["to"] = DayField(label="To")

    def clean_asset(self) -> int | None:
        raw = self.cleaned_data["asset"]
        if not raw:
            return None
        if not raw.isdigit():
            raise forms.ValidationError(f"Photo id must be a whole number, not {raw!r}.")
        return int(raw)

    def clean_kind(self) -> str:
        kind = self.cleaned_data["kind"]
        if kind and kind not in dict(Event.KIND_CHOICES):
            raise forms.ValidationError(f"Unknown event {kind!r}.")
        return kind

    def clean_engine(self) -> str:
        engine = self.cleaned_data["engine"]
        if engine and engine not in engines.names():
            raise forms.ValidationError(f"Unknown engine {engine!r}; engines: {', '.join(engines.names())}.")
        return engine

    def filters(self) -> dict:
        """Each filter as typed (trimmed), readable or not: what the page's form shows again."""
        return {name: (self.data.get(name) or "").strip() for name in self.fields}

    def sentences(self) -> list[str]:
        """Every refusal, one sentence each, in the order of the filters."""
        return [message for name in self.fields for message in self.errors.get(name, [])]


class QueueFilterForm(forms.Form):
    """The review queue's `?state=pending|approved|rejected|all` (pending when absent or
    unknown) and `?submitter=NAME`."""

    STATES = (*REVIEW_STATES, "all")

    state = forms.CharField(required=False, strip=False)
    submitter = forms.CharField(required=False)

    def clean_state(self) -> str:
        state = self.cleaned_data["state"]
        return state if state in self.STATES else Review.PENDING

    def review_states(self) -> tuple[str, ...]:
        """The review states to list."""
        state = self.cleaned_data["state"]
        return REVIEW_STATES if state == "all" else (state,)


class TextFilterForm(forms.Form):
    """`?text=found|none|unscreened`: photos by what the upload screen found (the Photos
    page, the review queue, the API's photo list). Empty: all of them."""

    CHOICES = {"found": "text found", "none": "no text found", "unscreened": "not screened yet"}
    text = forms.ChoiceField(choices=[("", "all"), *CHOICES.items()], required=False, error_messages={
        "invalid_choice": "unknown filter %(value)r; use found, none or unscreened"})

    def apply(self, queryset, field: str = ""):
        """`queryset` (of assets, or of rows reaching the asset through `field`, e.g.
        "version__asset__") narrowed to the chosen filter; unchanged when the form is invalid."""
        choice = self.cleaned_data.get("text", "") if self.is_valid() else ""
        if choice == "unscreened":
            return queryset.filter(**{f"{field}text_screened_at__isnull": True})
        if choice == "none":
            return queryset.filter(**{f"{field}text_screened_at__isnull": False, f"{field}text_found": []})
        if choice == "found":
            return (queryset.filter(**{f"{field}text_screened_at__isnull": False, f"{field}text_found__isnull": False})
                    .exclude(**{f"{field}text_found": []}))
        return queryset

    def problems(self) -> str:
        return problems(self)


class SavedMaskForm(forms.Form):
    name = forms.CharField(max_length=100, strip=True, error_messages={
        "required": "Give the mask a name.",
        "max_length": "The name is longer than 100 characters.",
    })
    anchor = forms.ChoiceField(choices=SavedMask.ANCHOR_CHOICES, error_messages={
        "required": "Choose the corner the mask is anchored to.",
        "invalid_choice": "The anchor must be one of: " + ", ".join(a for a, _ in SavedMask.ANCHOR_CHOICES) + ".",
    })
    mask = forms.FileField(allow_empty_file=True, error_messages={
        "required": "No mask was sent: paint the mask first.",
    })

    def first_problem(self) -> str:
        return next(iter(self.errors.values()))[0]


class UserCreateForm(forms.Form):
    username = forms.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    email = forms.EmailField(required=False, help_text="For decision e-mails, if they are on.")
    role = forms.ChoiceField(choices=[(r, r) for r in roles.ROLES], initial=roles.CREATOR)
    password = forms.CharField(required=False, strip=False, widget=forms.PasswordInput,
                               help_text="Leave empty to generate one, shown once.")

    def clean_password(self):
        password = self.cleaned_data["password"]
        if password:
            validate_password(password)
        return password
