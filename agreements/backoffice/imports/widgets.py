"""The cells of the Resources' columns: one widget per kind of value, and the field for links.

A widget reads a cell the way staff type it (see :mod:`agreements.imports.cells`) and writes it back
the way it reads it, so an exported file imports unchanged. Many-to-many links (parties, regions,
countries, sectors) are a :class:`RelationField`, written after the row's record is saved.
"""

import re

from import_export import fields, widgets

from agreements.backoffice.imports.cells import (
    cell_text,
    check_xml_text,
    choice_lookup,
    is_blank,
    nace_code,
    name_key,
    parse_bool,
    parse_date,
    parse_decimal,
    russian_label,
    russian_labels,
    split_list,
)
from agreements.backoffice.imports.references import NotFound, international
from agreements.models import AgreementParty


class TextWidget(widgets.Widget):
    """Text, trimmed like the admin's forms trim it; numbers typed into a text column are kept as text."""

    def __init__(self, upper=False):
        super().__init__(coerce_to_string=True)
        self.upper = upper

    def clean(self, value, row=None, **kwargs):
        text = check_xml_text(cell_text(value).strip())
        return text.upper() if self.upper else text

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class ChoiceWidget(widgets.Widget):
    """A choice by its value or its Russian or English label, in any letter case; exported as the label."""

    def __init__(self, choices, missing=None, blank=None):
        super().__init__(coerce_to_string=True)
        self.choices = choices
        self.missing = missing  # the message for a blank cell, if a value is required
        self.blank = blank  # what a blank cell means otherwise (None: keep the current value)
        self.choice_index = None

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            if self.missing:
                raise ValueError(self.missing)
            return self.blank
        if self.choice_index is None:
            self.choice_index = choice_lookup(self.choices)
        found = self.choice_index.get(name_key(value))
        if found is None:
            allowed = ", ".join(f"«{label}»" for label in russian_labels(self.choices))
            raise ValueError(f"Неизвестное значение «{cell_text(value).strip()}». Допустимо: {allowed}.")
        return found

    def render(self, value, obj=None, **kwargs):
        return russian_label(self.choices, value) if value else ""


class DateWidget(widgets.Widget):
    """Excel date cells or 2016-10-03, 03.10.2016, 03/10/2016; exported as a date cell or ISO text."""

    def clean(self, value, row=None, **kwargs):
        return parse_date(value)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else value.isoformat()


class AmountWidget(widgets.Widget):
    """A number cell or text with spaces or commas; exported as a number cell or plain digits."""

    def clean(self, value, row=None, **kwargs):
        return parse_decimal(value)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else format(value, "f")


class BooleanWidget(widgets.Widget):
    """«да»/«нет» (and yes/no, 1/0, true/false); a blank cell keeps the current value."""

    def clean(self, value, row=None, **kwargs):
        return parse_bool(value)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "да" if value else "нет"


class NaceCodeWidget(widgets.Widget):
    """A NACE code as typed: ``c`` → ``C``, ``C21`` → ``21``, the number 8 → ``08``."""

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return ""
        code = nace_code(value)
        if code is None:
            raise ValueError(
                f"«{cell_text(value).strip()}» — не код NACE: укажите букву раздела (C) "
                "или две цифры подраздела (21)."
            )
        return code

    def render(self, value, obj=None, **kwargs):
        return value or ""


class ReferenceWidget(widgets.Widget):
    """A foreign key named by code, slug or name (see :class:`~agreements.imports.references.References`)."""

    refs = None  # the Resource's References, set when it is created

    def __init__(self, lookup, attribute):
        super().__init__(coerce_to_string=True)
        self.lookup = lookup
        self.attribute = attribute

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        try:
            return getattr(self.refs, self.lookup)(cell_text(value).strip())
        except NotFound as exc:
            raise ValueError(str(exc)) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else getattr(value, self.attribute)


class RelationWidget(widgets.Widget):
    """A many-to-many set in one cell: entries separated by «;» (or line breaks); exported as codes."""

    refs = None

    def __init__(self, attribute, lookup, code, commas=False):
        super().__init__(coerce_to_string=True)
        self.attribute = attribute
        self.lookup = lookup
        self.code = code
        self.commas = commas  # codes never contain commas, so a comma separates them too

    def clean(self, value, row=None, **kwargs):
        find = getattr(self.refs, self.lookup)
        found, problems = [], []
        for obj in resolve_runs(split_list(value), find, problems, commas=self.commas):
            if obj not in found:
                found.append(obj)
        if problems:
            raise ValueError(" ".join(problems))
        return found

    def current(self, instance) -> list:
        return list(getattr(instance, self.attribute).all())

    def key(self, items):
        return tuple(sorted(item.pk for item in items or ()))

    def write(self, instance, items) -> None:
        getattr(instance, self.attribute).set(items)

    def render(self, value, obj=None, **kwargs):
        return "; ".join(sorted(getattr(item, self.code) for item in value or ()))


def resolve_runs(pieces: list[str], find, problems: list, commas=False) -> list:
    """The records a list cell names. Names themselves may hold the separators («Сбор, обработка и
    утилизация отходов; обработка вторичного сырья»), so a piece that finds nothing is tried joined
    with the pieces after it; then, where codes may be separated by commas, split at its commas.
    What still finds nothing goes to ``problems``."""
    found, start = [], 0
    while start < len(pieces):
        for end in range(start + 1, len(pieces) + 1):
            try:
                found.append(find("; ".join(pieces[start:end])))
            except NotFound as exc:
                if end == start + 1:
                    first = exc
                continue
            start = end
            break
        else:
            parts = [part.strip() for part in pieces[start].split(",") if part.strip()] if commas else []
            if len(parts) < 2:
                problems.append(str(first))
            for part in parts if len(parts) > 1 else ():
                try:
                    found.append(find(part))
                except NotFound as exc:
                    problems.append(str(exc))
            start += 1
    return found


_ROLE = re.compile(r"^(?P<name>.*?)\s*\[(?P<role>[^\[\]]*)\]\s*$")


class PartiesWidget(widgets.Widget):
    """``Name; Name [role]; …`` in the parties' order; the role defaults to «сторона» (signatory).

    A party is named by slug, full name, display name («АО «KAZNEX INVEST»»), short name or alias.
    Export writes display names (slugs where a display name would be ambiguous) and non-default roles.
    """

    refs = None
    default_role = AgreementParty.Role.SIGNATORY

    def __init__(self):
        super().__init__(coerce_to_string=True)
        self.role_index = None

    def role(self, text, name):
        if self.role_index is None:
            self.role_index = choice_lookup(AgreementParty.Role)
        role = self.role_index.get(name_key(text))
        if role is None:
            allowed = ", ".join(f"«{label}»" for label in russian_labels(AgreementParty.Role))
            raise NotFound(f"Неизвестная роль «{text}» у участника «{name}». Допустимо: {allowed}.")
        return role

    def clean(self, value, row=None, **kwargs):
        entries = split_list(value)
        if not entries:
            raise ValueError(
                "Укажите хотя бы одного участника: названия через «;», роль — в квадратных скобках, "
                "например «АО «KAZNEX INVEST»; Лукойл лубрикантс [инвестор]»."
            )
        found, problems, seen = [], [], {}
        for party, role, name in resolve_runs(entries, self.entry, problems):
            if party.pk in seen:
                problems.append(f"Участник «{name}» указан дважды (уже есть как «{seen[party.pk]}»).")
                continue
            seen[party.pk] = name
            found.append((party, role))
        if problems:
            raise ValueError(" ".join(problems))
        return found

    def entry(self, text: str) -> tuple:
        """``(party, role, name)`` for «Name», «Name [role]» or the public export's «Name (Country, role)»."""
        match = _ROLE.match(text)
        if match:
            name, role_text = match["name"], match["role"].strip()
            role = self.role(role_text, name) if role_text else self.default_role
            return self.refs.parties.match(name), role, name
        public = self.public_form(text)
        if public is None:
            return self.refs.parties.match(text), self.default_role, text
        name, role, countries, country_text = public
        try:
            party = self.refs.parties.match_exported(name, countries)
        except NotFound:
            try:  # a name that itself ends in «(…, сторона)»
                return self.refs.parties.match(text), self.default_role, text
            except NotFound:
                pass
            raise
        if party.country_id not in countries:
            raise NotFound(
                f"Участник «{name}»: в файле страна «{country_text}», а в реестре — "
                f"«{party.country or 'международная организация'}». Исправьте страну или уберите скобки."
            )
        return party, role, name

    def public_form(self, text: str):
        """«Name (Country, role)», as the public export names a party: ``(name, role, country ids,
        country)``, or ``None``. Names, countries («Виргинские острова (США)») and roles
        («принимающая сторона (власти)») may hold parentheses, so known roles and countries decide."""
        if not text.endswith(")"):
            return None
        if self.role_index is None:
            self.role_index = choice_lookup(AgreementParty.Role)
        head, comma, role_text = text[:-1].rpartition(", ")
        role = self.role_index.get(name_key(role_text))
        if not comma or role is None:
            return None
        countries = self.refs.countries_index()
        start = len(head)
        while (start := head.rfind(" (", 0, start)) > 0:
            name, country_text = head[:start].strip(), head[start + 2 :].strip()
            if name_key(country_text) in international():
                return name, role, {None}, country_text
            country = countries.find(country_text)
            if country is not None and not isinstance(country, list):
                return name, role, {country.pk}, country_text
        return None

    def current(self, instance) -> list:
        links = sorted(instance.party_links.all(), key=lambda link: (link.order, link.pk))
        return [(link.party, link.role) for link in links]

    def key(self, entries):
        # The parties in their order with their roles; stored order numbers (0, 0, 1…) do not matter.
        return tuple((party.pk, role) for party, role in entries or ())

    def write(self, instance, entries) -> None:
        links = list(AgreementParty.objects.filter(agreement=instance).order_by("order", "pk"))
        if self.key([(link.party, link.role) for link in links]) == self.key(entries):
            return
        by_party = {link.party_id: link for link in links}
        wanted = {party.pk for party, _ in entries}
        for link in links:
            if link.party_id not in wanted:
                link.delete()
        for order, (party, role) in enumerate(entries):
            link = by_party.get(party.pk)
            if link is None:
                AgreementParty.objects.create(agreement=instance, party=party, role=role, order=order)
            elif (link.role, link.order) != (role, order):
                link.role, link.order = role, order
                link.save(update_fields=["role", "order"])

    def render(self, value, obj=None, **kwargs):
        parts = []
        for party, role in value or ():
            label = self.refs.parties.label(party)
            if role != self.default_role:
                label += f" [{russian_label(AgreementParty.Role, role)}]"
            parts.append(label)
        return "; ".join(parts)


class RelationField(fields.Field):
    """A column written after its row's record is saved: parties, regions, countries, sectors.

    Import keeps the cleaned value on the instance; the Resource compares it with the stored links
    (to skip unchanged rows) and writes it in ``save_m2m``.
    """

    def get_value(self, instance):
        # What the row will write, if it was read (the preview's "after" column), else what is stored.
        pending = getattr(instance, "_import_relations", None)
        if pending is not None and self.attribute in pending:
            return pending[self.attribute]
        if instance is None or instance.pk is None:
            return None
        current = getattr(instance, "_import_current", None)
        if current is not None and self.attribute in current:
            return current[self.attribute]
        return self.widget.current(instance)

    def save(self, instance, row, is_m2m=False, **kwargs):
        if not self.readonly:
            instance._import_relations[self.attribute] = self.clean(row, **kwargs)
