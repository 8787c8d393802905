"""Submitting admin change forms as a browser would: the POST data is read from the rendered page.

Reading it from the form object instead (``form.fields``) once hid a token the page never rendered:
every save of an existing agreement failed in a browser while the tests passed.
"""

from html.parser import HTMLParser

UNSENT_INPUT_TYPES = {"submit", "button", "reset", "image", "file"}


class FormInputs(HTMLParser):
    """The name/value pairs a browser would send for the page's admin form (``<form id="…_form">``)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self.in_form = False
        self.select = None  # (name, multiple, options: [(value, selected)])
        self.option = None  # [value or None, text, selected]
        self.textarea = None  # [name, text]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id", "").endswith("_form") and attrs.get("id") != "logout-form"
        if not self.in_form or "disabled" in attrs:
            return
        if tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text").lower()
            if kind in UNSENT_INPUT_TYPES or (kind in ("checkbox", "radio") and "checked" not in attrs):
                return
            self.pairs.append((attrs["name"], attrs.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and attrs.get("name"):
            self.select = (attrs["name"], "multiple" in attrs, [])
        elif tag == "option" and self.select is not None:
            self.option = [attrs.get("value"), "", "selected" in attrs]
        elif tag == "textarea" and attrs.get("name"):
            self.textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self.option is not None:
            self.option[1] += data
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "option" and self.option is not None:
            value, text, selected = self.option
            self.select[2].append((text if value is None else value, selected))
            self.option = None
        elif tag == "select" and self.select is not None:
            self.end_select()
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            # HTML drops one newline right after <textarea>; Django renders one there.
            self.pairs.append((name, text.removeprefix("\r\n").removeprefix("\n")))
            self.textarea = None

    def end_select(self):
        name, multiple, options = self.select
        chosen = [value for value, selected in options if selected]
        if not chosen and not multiple and options:
            chosen = [options[0][0]]  # a single select sends its first option when none is selected
        self.pairs.extend((name, value) for value in chosen)
        self.select = None


def rendered_inputs(html: str) -> list[tuple[str, str]]:
    parser = FormInputs()
    parser.feed(html)
    parser.close()
    return parser.pairs


def form_data(response) -> dict:
    """Every input of the page's admin form with the value it shows: what clicking «Сохранить» sends.

    A name sent more than once (a multiple select) maps to a list.
    """
    data = {}
    for name, value in rendered_inputs(response.content.decode()):
        if name in data:
            data[name] = [*data[name], value] if isinstance(data[name], list) else [data[name], value]
        else:
            data[name] = value
    return data


def inline_prefix(response, model_name: str) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model._meta.model_name == model_name:
            return inline.formset.prefix
    raise LookupError(model_name)
