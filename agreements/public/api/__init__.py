"""The read-only JSON API under /api/ (issue #16): the listing's filter, its facet counts and the detail
records, described by an OpenAPI 3 schema at /api/schema/ (human page: /api/docs/)."""
