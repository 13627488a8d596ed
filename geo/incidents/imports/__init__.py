"""Importing files of incidents: hotline (12345) exports read, checked, located, routed, stored.

The one import engine: ``flask incidents import``, ``POST /api/v1/incidents/import`` and
the upload page (``/admin/imports``, through a background job for large files) all call
:func:`import_file`. A file is a CSV (UTF-8 with or without a BOM, GBK or GB18030), an
XLSX workbook (its first sheet) or a GeoJSON FeatureCollection of Point features whose
properties hold the fields. Its columns are
mapped to :data:`FIELDS` by ``{field: column}``; an unmapped field is read from the
column of its own name when there is one. Every row is checked by the rules of
``geo.incidents.intake.check_report``, vectorised, and by what a file needs besides:

- a row is located by lon/lat when it has both, else by its building code, else by its
  address: the one building whose address is the text (after NFKC), else the only one
  whose address contains it (3 characters or more), as ``geo.places.geocode.resolve`` does (a
  single report must be located one way only; an export often fills several columns);
- ``source`` defaults to ``hotline``;
- ``reported_at`` is ISO 8601 or a local spelling (``2026/11/03 14:05``,
  ``2026年11月3日``; :mod:`.dates`), rejected when ambiguous (``03/11/2026``); without a
  UTC offset it is local time in the TIMEZONE setting; empty means now;
- an ``external_id`` given again later in the file rejects the later row;
- an importer limited to some communities has the rows located outside them rejected
  (:data:`OUT_OF_SCOPE`), as a single report outside them is refused.

Rejected rows are reported with their number (1 = first data record, blank lines not
counted, or first feature) and reason; the others are stored, in the caller's
transaction (``engine.begin()``): any failure leaves nothing written. Rows whose
``external_id`` is already stored are skipped as duplicates, so loading a file again
stores nothing new (rows without one would be stored again). The file streams through
in chunks (memory bounded); each chunk is checked vectorised, located in process where
the rule settles it (``geo.places.covering``) and sent by binary COPY to a temporary
table; then routing (``geo.incidents.routing``) and storing are set-based statements
over the whole file, and possible duplicates are flagged once all rows are in, so rows
of one file see each other.

Modules: :mod:`.files` (options, reading in chunks, column mapping), :mod:`.sheets` (XLSX),
:mod:`.dates` (local time formats), :mod:`.checks` (the row checks, vectorised),
:mod:`.load` (the steps, in order; their SQL is ``geo.incidents.store.imports``),
:mod:`.report` (the rejected rows as CSV). Their public names are importable from here.
"""

from geo.incidents.imports.checks import check
from geo.incidents.imports.files import (
    ENCODINGS,
    FIELDS,
    FORMATS,
    Options,
    Rows,
    chunks,
    estimated_rows,
    mapping_from_json,
    mapping_from_pairs,
    options,
    read,
)
from geo.incidents.imports.load import (
    OUT_OF_SCOPE,
    Importer,
    ImportResult,
    RowsRejected,
    import_file,
    import_rows,
    rejected_details,
)
from geo.incidents.imports.report import write_report

__all__ = ["ENCODINGS", "FIELDS", "FORMATS", "OUT_OF_SCOPE", "ImportResult", "Importer",
           "Options", "Rows", "RowsRejected", "check", "chunks", "estimated_rows", "import_file",
           "import_rows",
           "mapping_from_json", "mapping_from_pairs", "options", "read", "rejected_details",
           "write_report"]
