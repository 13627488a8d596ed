"""Settings. Defaults here; environment overrides them (``GRIDMAP_*`` and ``DATABASE_URL``).

Every setting is documented in docs/operations.md ("Settings").
"""

import os


class Defaults:
    SQLALCHEMY_DATABASE_URI = "postgresql+psycopg2://postgres@127.0.0.1:54329/gridmap"
    SQLALCHEMY_ENGINE_OPTIONS = {
        # Recover by itself when the database restarts: test each pooled connection first.
        "pool_pre_ping": True,
        "pool_recycle": 1800,
        # The statement timeout and the time zone travel as startup options, unless
        # DATABASE_POOLED (app.plumbing.dbsettings: PgBouncer refuses them).
        "connect_args": {"connect_timeout": 5},
    }
    # Every statement of the application stops after this long.
    STATEMENT_TIMEOUT_MS = 15000
    # Set when DATABASE_URL goes through PgBouncer in transaction pooling mode: no startup
    # options (the settings are the role's defaults in the database instead, made by
    # `flask db upgrade`) and no SQL-level PREPARE (it would live on one server connection).
    DATABASE_POOLED = False
    # Read replica (app.plumbing.replica): reads go to READ_DATABASE_URL (a streaming
    # standby) while it answers within READ_CONNECT_TIMEOUT seconds and lags at most
    # READ_MAX_LAG_SECONDS; its state is asked every READ_CHECK_SECONDS; unreachable, it
    # is left alone for READ_RETRY_SECONDS (reads go to the primary meanwhile).
    READ_DATABASE_URL = None
    READ_CONNECT_TIMEOUT = 1
    READ_MAX_LAG_SECONDS = 10.0
    READ_CHECK_SECONDS = 1.0
    READ_RETRY_SECONDS = 5.0
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    JSON_SORT_KEYS = False
    SECRET_KEY = None
    # "production" makes GRIDMAP_SECRET_KEY required and refuses demo accounts.
    ENV = "development"
    # Number of trusted reverse proxies in front (X-Forwarded-For/-Proto/-Host/-Port/-Prefix);
    # 0 trusts none. Client addresses (rate limits, audit) and https detection depend on it.
    PROXY_FIX_HOPS = 0
    # One JSON line per request on stderr (app.security.logs); errors are logged always.
    ACCESS_LOG = False

    # Sessions: HttpOnly, SameSite=Lax, Secure whenever the request came over HTTPS.
    SESSION_COOKIE_NAME = "gridmap_session"
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE = False
    # A session ends at sign-out, and by itself after this long without a request and
    # this long after sign-in (the server checks both; the cookie lasts SESSION_MAX_HOURS).
    SESSION_IDLE_MINUTES = 60
    SESSION_MAX_HOURS = 8
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Checked by app.security.auth, only for cookie-authenticated writes
    # (bearer tokens carry no cookie).
    WTF_CSRF_CHECK_DEFAULT = False
    # Sign-in failures per (name typed, client address): from the LOGIN_MAX_FAILURES-th
    # on, each blocks that pair for LOGIN_DELAY_SECONDS, doubling, at most
    # LOGIN_LOCK_SECONDS; the count starts again after LOGIN_LOCK_SECONDS without failures.
    LOGIN_MAX_FAILURES = 5
    LOGIN_DELAY_SECONDS = 30
    LOGIN_LOCK_SECONDS = 15 * 60
    PASSWORD_MIN_LENGTH = 10
    API_TOKEN_DAYS = 90

    # The outbox's delivery worker (flask outbox run): a webhook endpoint is disabled after
    # this many failed attempts in a row; the worker polls this often when idle.
    OUTBOX_DISABLE_AFTER = 10
    OUTBOX_POLL_SECONDS = 2.0
    # Outbox rows delivered to every target, with their deliveries and delivery log, are
    # removed this many days after the event (rows not delivered everywhere are kept).
    OUTBOX_KEEP_DAYS = 90
    # Retention: reporters' names, phones and call-back comments of incidents finished more
    # than this many years ago are removed (flask incidents anonymise; daily by the
    # scheduler loop of scripts/run.sh; geo.incidents.retention).
    RETENTION_YEARS = 5
    # SMS gateway: POST {"to", "text"} (JSON); unset, no texts are sent (geo/outbox/sms.py).
    SMS_GATEWAY_URL = None

    # Rate limits (Flask-Limiter syntax). Counters live in RATELIMIT_STORAGE_URI: memory://
    # is per process; use redis://host:6379 when several workers or machines serve.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_PUBLIC = "300 per minute"
    RATELIMIT_LOGIN = "20 per minute"
    RATELIMIT_ENABLED = True
    # A shared store that fails: each process counts in memory meanwhile and asks the store
    # again this often (seconds).
    RATELIMIT_RETRY_SECONDS = 5.0

    MAX_GEOMETRY_VERTICES = 100_000
    # Basemaps every map's switcher offers, in this order (app/maps/basemaps.py): osm,
    # tianditu (vector + labels; only with TIANDITU_KEY), amap (drawn in GCJ-02: the map
    # then shifts every overlay to match, and clicks back), intranet (a tile server of your
    # own: TILES_URL with {z}/{x}/{y} and {s} for TILES_SUBDOMAINS, drawn in TILES_CRS,
    # wgs84 or gcj02; only with TILES_URL) and none (vector layers only). BASEMAP_DEFAULT
    # is shown first; a user's choice is kept by their browser. Tile origins are allowed
    # by the Content-Security-Policy (img-src).
    BASEMAPS = "osm,tianditu,amap,intranet,none"
    BASEMAP_DEFAULT = "osm"
    OSM_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    TIANDITU_KEY = ""
    TILES_URL = ""
    TILES_SUBDOMAINS = ""
    TILES_CRS = "wgs84"
    TILES_ATTRIBUTION = ""

    ASSIGN_SNAP_METERS = 50.0
    # Patrol coverage (/patrols): a grid no patrol walked in this many days is idle.
    PATROL_IDLE_DAYS = 7
    # Incidents within this distance of another grid are flagged for the dispatcher.
    BOUNDARY_METERS = 20.0
    # Same category, this close and this recent, open: flagged as a possible duplicate.
    DUPLICATE_METERS = 50.0
    DUPLICATE_HOURS = 72
    # Working-hours clocks (categories with clock=working): local time zone, the day's
    # working periods and the working weekdays (ISO: 1 = Monday); the holidays table
    # adds days off and working weekend days (调休).
    TIMEZONE = "Asia/Shanghai"
    # Evaluation (docs/evaluation.md): how 解决率 counts a closure as resolved —
    # not_unsatisfied (its latest rating is not 不满意) or first_time (also never reworked).
    EVAL_RESOLVED_RULE = "not_unsatisfied"
    WORK_HOURS = "08:30-12:00,13:30-17:30"
    WORK_WEEKDAYS = "1,2,3,4,5"
    API_PAGE_LIMIT_DEFAULT = 100
    API_PAGE_LIMIT_MAX = 1000
    BUILDINGS_LIMIT_MAX = 5000
    # Coordinates sent to lookups must fall inside this lon/lat box (China and its seas);
    # anything else is a typo or swapped axes, answered with a 400 and a hint.
    SERVICE_AREA = (73.0, 3.0, 136.0, 54.0)
    # Incident imports (geo.incidents.imports): the largest file an upload may send; files
    # of more rows than IMPORT_SYNC_ROWS (or XLSX/GeoJSON larger than IMPORT_SYNC_BYTES) run
    # as a background job (202 + the job's URL); IMPORT_JOBS_THREAD runs the job runner as
    # a thread in each server process (`flask jobs run` is the alternative).
    IMPORT_MAX_BYTES = 200 * 1024 * 1024
    IMPORT_SYNC_ROWS = 5000
    IMPORT_SYNC_BYTES = 1024 * 1024
    IMPORT_JOBS_THREAD = True

    # OGC API – Features (/ogc): page size when the client gives no limit, and the largest
    # page served (a larger limit is served as this, as the standard asks).
    OGC_LIMIT_DEFAULT = 100
    OGC_LIMIT_MAX = 10000
    # Open311 GeoReport v2 (/open311/v2): the jurisdiction_id clients may send (empty: any,
    # this endpoint serves one city) and the contact shown by discovery.
    OPEN311_JURISDICTION = ""
    OPEN311_CONTACT = "gridmap 12345 hotline office"
    # The public map (/map) and resident reports: largest photo accepted (bytes, before it
    # is re-encoded), reports per client address (on top of RATELIMIT_PUBLIC), the least
    # and most time between opening the report form and sending it (seconds).
    PHOTO_MAX_BYTES = 5 * 1024 * 1024
    # The field app: an action whose GPS fix is farther than this from the incident
    # (metres) is flagged ``far`` in its history, for the dispatcher to see.
    RESOLVE_FAR_METERS = 200
    # Resident call-back (回访): how many times an "unsatisfied" rating may reopen a closed
    # incident (geo.incidents.callback); later unsatisfied ratings are only recorded.
    UNSATISFIED_REOPENS = 1
    # The call-back worklist (the console's 待回访 filter): incidents closed in the last
    # this many days that nobody has rated since.
    CALLBACK_DAYS = 7
    RATELIMIT_REPORT = "20 per day"
    REPORT_MIN_SECONDS = 3
    REPORT_FORM_MAX_AGE = 6 * 3600
    # A call-relay (privacy) number residents call when a worker has no public phone.
    PUBLIC_CALL_RELAY = None
    # Where residents reach the public map (the QR codes point there), e.g.
    # "https://grid.example.gov.cn"; default: the address the staff page was opened at.
    PUBLIC_BASE_URL = None
    # Redraw plans (geo.plans.check): households per grid outside this band are a warning;
    # gaps, overlaps and parts outside the community below PLAN_SLIVER_M2 are slivers
    # (warnings) rather than errors; Polsby-Popper below PLAN_MIN_COMPACTNESS is a warning.
    PLAN_HOUSEHOLDS_MIN = 300
    PLAN_HOUSEHOLDS_MAX = 500
    PLAN_SLIVER_M2 = 50.0
    PLAN_MIN_COMPACTNESS = 0.2
    PLAN_MAX_GRIDS = 2000
    # Bytes a zipped Shapefile sent as a plan may unpack to (the layer import allows 1 GiB).
    PLAN_UPLOAD_MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
    # Party-member coverage (/api/v1/stats/coverage, /maps/coverage): households each
    # serving member should look after at most, and how far (metres) a building may be
    # from the home of the nearest serving member before it shows as far.
    COVERAGE_TARGET_HOUSEHOLDS = 30.0
    COVERAGE_DISTANCE_METERS = 300.0

    API_TITLE = "gridmap API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    # Moving a plan grid's vertex (POST /api/v1/plans/<id>/grids/move_vertex) moves every
    # plan grid vertex within this many metres of it, so that neighbours follow.
    PLAN_VERTEX_TOLERANCE_M = 0.1


def database_url_from_env() -> str | None:
    """``DATABASE_URL`` as SQLAlchemy wants it (see ``normalize_url``)."""
    return normalize_url(os.environ.get("DATABASE_URL"))


def normalize_url(url: str | None) -> str | None:
    """``postgres://`` and ``postgresql://`` URLs use psycopg2, the driver we install."""
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url
