"""Importing files of incidents: hotline (12345) exports read, checked, located, routed, stored.

A file is a CSV (UTF-8 with or without a BOM, GBK or GB18030) or a GeoJSON
FeatureCollection of Point features whose properties hold the fields. Its columns are
mapped to :data:`FIELDS` by ``{field: column}``; an unmapped field is read from the
column of its own name when there is one. Every row is checked by the rules of
``geo.incidents.intake.check_report``, vectorised, and by what a file needs besides:

- a row is located by lon/lat when it has both, else by its building code, else by its
  address: the one building whose address is the text (after NFKC), else the only one
  whose address contains it (3 characters or more), as ``geo.places.geocode.resolve`` does (a
  single report must be located one way only; an export often fills several columns);
- ``source`` defaults to ``hotline``;
- ``reported_at`` without a UTC offset is local time in the TIMEZONE setting (hotline
  exports are local time); empty means now;
- an ``external_id`` given again later in the file rejects the later row;
- an importer limited to some communities has the rows located outside them rejected
  (:data:`OUT_OF_SCOPE`), as a single report outside them is refused.

Rejected rows are reported with their number (1 = first data record, blank lines not
counted, or first feature) and reason; the others are stored, in the caller's
transaction (``engine.begin()``): any failure leaves nothing written. Rows whose
``external_id`` is already stored are skipped as duplicates, so loading a file again
stores nothing new (rows without one would be stored again). Storing is set-based: the
rows go into a temporary table (COPY), are located and routed by ``geo.incidents.routing`` in one
statement, and inserted with their location and ``report`` event; possible duplicates
are flagged once they are all in, so rows of one file see each other.

Modules: :mod:`.files` (options, reading, column mapping), :mod:`.checks` (the row checks,
vectorised), :mod:`.load` (the steps, in order; their SQL is ``geo.incidents.store.imports``).
Their public names are importable from here.
"""

from geo.incidents.imports.checks import check
from geo.incidents.imports.files import (
    ENCODINGS,
    FIELDS,
    FORMATS,
    Options,
    Rows,
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
    write_report,
)

__all__ = ["ENCODINGS", "FIELDS", "FORMATS", "OUT_OF_SCOPE", "ImportResult", "Importer",
           "Options", "Rows", "RowsRejected", "check", "import_file", "import_rows",
           "mapping_from_json", "mapping_from_pairs", "options", "read", "rejected_details",
           "write_report"]
