"""Request parameters shared by the pages and the API, validated once."""

from django import forms

from . import imaging

FORMAT_ALIASES = {"jpg": "jpeg"}


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
        return "; ".join(f"{field}: {' '.join(errors)}" for field, errors in self.errors.items())
