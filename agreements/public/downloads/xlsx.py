"""A streaming XLSX writer: SpreadsheetML generated row by row and zipped on the fly by stream-zip.

openpyxl's and XlsxWriter's write-only modes keep memory low but build the whole file before the
first byte can be sent, and took 30–50 s for 100,000 rows here (bench/RESULTS.md). This writes each
row as it is fetched, so the download starts at once and memory does not grow with the row count.
Strings are inline strings (never formulas, so a cell starting with "=" is shown as text), dates
are real dates, numbers are numbers (amounts with thousands separators); the header row is bold and
frozen, with an autofilter. Web addresses in link columns are real hyperlinks: each needs a
relationship in the sheet's .rels part, written after the sheet, so they are spooled to a temporary
file (memory stays flat) and capped at Excel's 65,530 per sheet (later ones stay plain text).
"""

import re
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from stream_zip import ZIP_32, stream_zip

from agreements.text import XML_ILLEGAL, strip_xml_illegal

EXCEL_EPOCH = date(1899, 12, 30)
STYLE_DATE, STYLE_HEADER, STYLE_LINK, STYLE_AMOUNT = 1, 2, 3, 4
CHUNK_ROWS = 500
#: Excel keeps at most this many hyperlinks on a worksheet (its specifications; XlsxWriter stops there too).
MAX_LINKS = 65_530
#: An address Excel opens as a link: http(s), no spaces or characters an address cannot hold, and
#: within Excel's 2,079 characters (IE's old limit, which Excel kept).
LINKABLE = re.compile(r"https?://[^\s<>\"]{1,2071}")
SPOOL_IN_MEMORY = 256 * 1024  # bytes of spooled links kept in memory before they go to a temporary file
# The back office refuses characters XML cannot hold (agreements/text.py), but a record loaded some
# other way may still carry one, and one would make the whole sheet unreadable: dropped here too.
_NEEDS_ESCAPE = re.compile(f"[&<>]|{XML_ILLEGAL.pattern}")


@dataclass
class Sheet:
    name: str
    headers: list[str]
    rows: Iterable[list]
    widths: list[int] | None = None
    header_row: bool = True  # bold, frozen and filtered
    #: Column indexes whose http(s) addresses become hyperlinks, and whose amounts get thousands separators.
    link_columns: tuple[int, ...] = ()
    amount_columns: tuple[int, ...] = ()
    #: Set while writing: addresses left as text beyond MAX_LINKS.
    links_dropped: int = 0


class Links:
    """A sheet's hyperlinks as they are written: ``ref`` and address spooled to a temporary file, read
    back twice at the end (the sheet's ``<hyperlinks>``, then its .rels part)."""

    def __init__(self, sheet: Sheet):
        self.sheet = sheet
        self.count = 0
        # Closed by stream_xlsx when the file is written or the download stops.
        self.spool = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY, mode="w+", encoding="utf-8")  # noqa: SIM115

    def add(self, ref: str, value) -> bool:
        if value.__class__ is not str or LINKABLE.fullmatch(value) is None:
            return False
        if self.count >= MAX_LINKS:
            self.sheet.links_dropped += 1
            return False
        self.count += 1
        self.spool.write(f"{ref}\t{value}\n")
        return True

    def entries(self) -> Iterator[tuple[int, str, str]]:
        self.spool.seek(0)
        for number, line in enumerate(self.spool, start=1):
            ref, url = line.rstrip("\n").split("\t", 1)
            yield number, ref, url.replace("&", "&amp;")  # LINKABLE lets no other markup through

    def hyperlinks_xml(self) -> Iterator[str]:
        if not self.count:
            return
        buffer = ["<hyperlinks>"]
        for n, ref, _ in self.entries():
            buffer.append(f'<hyperlink ref="{ref}" r:id="rId{n}"/>')
            if len(buffer) >= CHUNK_ROWS:
                yield "".join(buffer)
                buffer = []
        yield "".join(buffer) + "</hyperlinks>"

    def rels_xml(self) -> Iterator[bytes]:
        yield (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        )
        buffer = []
        for n, _, url in self.entries():
            buffer.append(
                f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                f'relationships/hyperlink" Target="{url}" TargetMode="External"/>'
            )
            if len(buffer) >= CHUNK_ROWS:
                yield "".join(buffer).encode()
                buffer = []
        yield ("".join(buffer) + "</Relationships>").encode()
        self.spool.close()


def escape(text: str) -> str:
    if _NEEDS_ESCAPE.search(text) is None:
        return text
    return strip_xml_illegal(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell(ref: str, value, style: int = 0) -> str:
    if value.__class__ is str and not style:  # most cells of an export: the shortest path
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>' if value else ""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        style_attr = f' s="{style}"' if style else ""
        return f'<c r="{ref}" t="inlineStr"{style_attr}><is><t>{escape(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f'<c r="{ref}" s="{STYLE_DATE}"><v>{(value - EXCEL_EPOCH).days}</v></c>'
    if isinstance(value, int | float | Decimal):
        style_attr = f' s="{style}"' if style else ""
        return f'<c r="{ref}"{style_attr}><v>{value}</v></c>'
    return cell(ref, str(value), style)


def sheet_xml(sheet: Sheet, letters: list[str], counter: dict, links: Links | None) -> Iterator[bytes]:
    """The worksheet part; records the number of rows written in ``counter`` for the workbook part."""
    head = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">',
    ]
    if sheet.header_row:
        # Printed: fitted to the page width, as many pages long as needed.
        head.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        head.append(
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        )
    if sheet.widths:
        head.append("<cols>")
        head += [
            f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
            for n, width in enumerate(sheet.widths, start=1)
        ]
        head.append("</cols>")
    head.append("<sheetData>")
    header_style = STYLE_HEADER if sheet.header_row else 0
    head.append(
        '<row r="1">'
        + "".join(cell(f"{letters[i]}1", h, header_style) for i, h in enumerate(sheet.headers))
        + "</row>"
    )
    yield "".join(head).encode()
    number = 1
    buffer = []
    styles = [STYLE_AMOUNT if i in sheet.amount_columns else 0 for i in range(len(sheet.headers))]
    link_columns = sheet.link_columns if links is not None else ()
    for values in sheet.rows:
        number += 1
        row = str(number)
        # ``letters`` covers the widest sheet of the file; the row and ``styles`` are this sheet's width.
        cells = [
            cell(letter + row, v, style) for letter, v, style in zip(letters, values, styles, strict=False)
        ]
        for i in link_columns:
            if links.add(letters[i] + row, values[i]):
                cells[i] = cell(letters[i] + row, values[i], STYLE_LINK)
        buffer.append(f'<row r="{row}">{"".join(cells)}</row>')
        if len(buffer) >= CHUNK_ROWS:
            yield "".join(buffer).encode()
            buffer = []
    tail = "</sheetData>"
    if sheet.header_row:
        tail += f'<autoFilter ref="A1:{letters[len(sheet.headers) - 1]}{number}"/>'
    yield ("".join(buffer) + tail).encode()
    if links is not None:  # after the autofilter, before the page setup (the schema's order)
        for chunk in links.hyperlinks_xml():
            yield chunk.encode()
    tail = ""
    if sheet.header_row:
        tail += '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
    counter[sheet.name] = number
    yield (tail + "</worksheet>").encode()


def workbook_xml(sheets: list[Sheet], counter: dict) -> Iterator[bytes]:
    names = []
    for index, sheet in enumerate(sheets):
        if sheet.header_row:
            last = column_letter(len(sheet.headers) - 1)
            names.append(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{index}" hidden="1">'
                f"'{escape(sheet.name)}'!$A$1:${last}${counter.get(sheet.name, 1)}</definedName>"
            )
            # The header row repeated on every printed page.
            names.append(
                f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
                f"'{escape(sheet.name)}'!$1:$1</definedName>"
            )
    entries = "".join(
        f'<sheet name="{escape(sheet.name)}" sheetId="{n}" r:id="rId{n}"/>'
        for n, sheet in enumerate(sheets, 1)
    )
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<sheets>{entries}</sheets>"
        + (f"<definedNames>{''.join(names)}</definedNames>" if names else "")
        + "</workbook>"
    ).encode()


STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font>'
    '<font><u/><sz val="11"/><color rgb="FF0563C1"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    # Built-in format 4, «#,##0.00»: Excel and LibreOffice show it with the reader's own separators.
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def content_types(sheet_count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, sheet_count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{sheets}</Types>"
    )


def workbook_rels(sheet_count: int) -> str:
    relationships = "".join(
        f'<Relationship Id="rId{n}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        f'Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheet_count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{relationships}"
        f'<Relationship Id="rId{sheet_count + 1}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>'
    )


ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)


def stream_xlsx(sheets: list[Sheet], modified: datetime) -> Iterator[bytes]:
    """The bytes of an .xlsx file with these sheets, produced while the rows are being read."""
    counter: dict = {}
    letters = [column_letter(i) for i in range(max(len(s.headers) for s in sheets))]
    links = {n: Links(s) for n, s in enumerate(sheets, 1) if s.link_columns}

    def member(name, chunks):
        return name, modified, 0o644, ZIP_32, chunks

    def text(value: str):
        return (value.encode(),)

    def worksheet(n: int, sheet: Sheet):
        yield member(f"xl/worksheets/sheet{n}.xml", sheet_xml(sheet, letters, counter, links.get(n)))
        if n in links:  # after its sheet: only then are its links known
            yield member(f"xl/worksheets/_rels/sheet{n}.xml.rels", links[n].rels_xml())

    members = [
        member("[Content_Types].xml", text(content_types(len(sheets)))),
        member("_rels/.rels", text(ROOT_RELS)),
        member("xl/_rels/workbook.xml.rels", text(workbook_rels(len(sheets)))),
        member("xl/styles.xml", text(STYLES)),
        *(part for n, sheet in enumerate(sheets, 1) for part in worksheet(n, sheet)),
        # Last, because the autofilter range needs the number of rows written.
        member("xl/workbook.xml", workbook_xml(sheets, counter)),
    ]
    try:
        # Level 1: the file is a third larger than at level 9 but written several times faster.
        yield from stream_zip(
            members, get_compressobj=lambda: zlib.compressobj(wbits=-zlib.MAX_WBITS, level=1)
        )
    finally:  # also when the download stops midway: the spooled links' temporary files go
        for sheet_links in links.values():
            sheet_links.spool.close()
