"""The staff spreadsheet import: what the Resources in ``agreements.resources`` are built from.

Every problem a staff member can cause is reported as a Russian sentence naming the row and the
column, never as a traceback:

* a file that cannot be read raises :class:`~agreements.imports.files.ImportFileError` (wrong format,
  empty, binary garbage);
* a cell that cannot be understood raises ``ValueError`` from the widget, which django-import-export
  turns into a row's validation error;
* :class:`~agreements.imports.results.ImportResult` turns everything the import collected into
  :class:`~agreements.imports.results.Problem` rows.

The modules, each with one job:

* ``files`` — reading an uploaded XLSX or CSV file into a Dataset (encodings, delimiters, formats);
* ``cells`` — reading one cell: text, dates, amounts, yes/no, lists, names, NACE codes, choices;
* ``references`` — finding regions, countries, sectors, forums, sources and parties by what staff type;
* ``results`` — an import's outcome as row-and-column problems;
* ``widgets`` — the cell widgets and the relation field the Resources' columns use;
* ``base`` — ``RegistryResource``, the behaviour every Resource shares;
* ``writing`` — ``AgreementWriter``: a validated agreements file written in bulk, with its history;
* ``admin`` — the admin's upload form and import/export mixin.

The per-model Resources (the columns themselves) live in ``agreements.resources``; the command
``import_agreements`` uses ``files`` and ``AgreementResource``.
"""
