"""Submitting admin change forms as a browser would: the POST data is rebuilt from the rendered page."""

from datetime import date, datetime


def form_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [form_value(v) for v in value]
    return str(value)


def form_data(response) -> dict:
    """Every field of the change form and its inlines, with the values the page shows."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form_value(form[name].value())
        if form[name].widget_type != "checkbox":
            data[name] = value
        elif value:
            data[name] = "on"
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = form_value(formset.management_form[name].value())
        for subform in formset.forms:
            for name in subform.fields:
                value = form_value(subform[name].value())
                if subform[name].widget_type == "checkbox":
                    if value:
                        data[subform.add_prefix(name)] = "on"
                else:
                    data[subform.add_prefix(name)] = value
    return {key: value for key, value in data.items() if value is not None}


def inline_prefix(response, model_name: str) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model._meta.model_name == model_name:
            return inline.formset.prefix
    raise LookupError(model_name)
