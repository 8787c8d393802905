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
* ``headers`` — the header row: which column each header names, or what is wrong with it;
* ``base`` — ``RegistryResource``, the behaviour every Resource shares;
* ``writing`` — ``AgreementWriter``: a validated agreements file written in bulk, with its history;
* ``admin`` — the admin's upload form and import/export mixin.

The per-model Resources (the columns themselves) live in ``agreements.resources``; the command
``import_agreements`` uses ``files`` and ``AgreementResource``.

What the import uses of django-import-export (4.4.3), and why each is safe to rely on (issue #18).
No underscore name of the library is used: ``agreements/tests/test_import_api_surface.py`` scans this
package and ``agreements/backoffice/resources.py`` for them, and checks that every library method overridden
here is named in this table. "API" is the library's API reference (django-import-export.readthedocs.io,
pages api_resources, api_fields, api_widgets, api_instance_loaders, api_results, api_admin, api_mixins,
api_forms); "workflow" is its "Import workflow" page; "owned" means the code is ours.

====================================================  =====================================================
Name (where)                                          Status
====================================================  =====================================================
``ModelResource``, ``fields.Field``, ``widgets.Widget``  public: API (resources, fields, widgets)
``__init__`` of ``Resource(**kwargs)``,
``Widget(coerce_to_string)``,
``BaseInstanceLoader(resource, dataset)``,
``ImportForm(formats, resources)``                    public: API (the documented signatures)
Meta options ``model``, ``fields``, ``import_id_fields``, ``skip_unchanged``,
``report_skipped``, ``clean_model_instances``,
``use_transactions``, ``use_bulk``,
``instance_loader_class``                             public: API (ResourceOptions)
``import_data`` (base)                                public: API, workflow; dry run / transactions state
                                                      computed from its own arguments (owned), not read
                                                      from the library's ``_is_dry_run`` helpers
``before_import``, ``after_import``,
``before_import_row``, ``import_row``,
``after_init_instance``, ``import_instance``,
``skip_row``, ``validate_instance``,
``save_instance``, ``after_save_instance``,
``save_m2m``, ``get_queryset``,
``before_export``, ``filter_export`` (base, resources)  public hooks: API, workflow
``get_import_fields``, ``get_import_id_fields``,
``fields`` (read)                                     public names used by the documented workflow;
                                                      no docstrings, so thin on the API page
``Meta`` read back (``model``, ``skip_unchanged``)    owned: our own declaration, not the library's
                                                      ``_meta``
``get_result_class``, ``get_row_result_class``,
``get_error_result_class``, ``get_diff_class``        public: API; they return our own classes
                                                      (``ImportResult``, ``RegistryRowResult``,
                                                      ``RowError``, ``NoDiff``: owned)
``BaseInstanceLoader`` → ``InstanceLoader``,
``get_instance``                                      public: API (instance loaders); the cache is
                                                      owned (no CachedInstanceLoader attributes)
``Result.rows``, ``has_errors``,
``has_validation_errors``; ``RowResult.import_type``,
``validation_error``, ``errors``, ``object_id``,
``object_repr``, ``IMPORT_TYPE_*``                    public: API (results)
row number, spreadsheet row, file errors, counts      owned (``results``): not the undocumented
                                                      ``totals``, ``base_errors``, ``error_dict``
``Field.clean``, ``get_value``, ``save``,
``column_name``, ``attribute``, ``widget``,
``readonly``, ``saves_null_values``                   public: API (fields)
``Widget.clean``, ``render``, ``coerce_to_string``    public: API (widgets)
``base_formats.CSV``/``XLSX``: ``create_dataset``,
``export_data``, ``is_binary``, ``get_read_mode``,
``get_title``, ``can_export``                         public names (the first four with docstrings;
                                                      formats are chosen through ``import_formats`` /
                                                      ``export_formats``); no API reference page
``ImportExportMixin``: ``import_form_class``,
``import_template_name``, ``import_formats``,
``export_formats``, ``has_import_permission``,
``process_import``, ``get_import_resource_kwargs``    public: API (admin, mixins)
``process_result``, ``add_success_message``,
``add_data_read_fail_error_to_form``                  public names (no underscore) but without docstrings,
                                                      so not on the API pages: the only hooks for these
                                                      messages; kept, to check on each upgrade
``ImportForm`` (``__init__(formats, resources)``,
``clean``, its ``import_file`` and ``format`` fields)  public: API (forms)
====================================================  =====================================================
"""
