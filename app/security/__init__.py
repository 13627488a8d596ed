"""Who may do and see what: sign-in and tokens (``auth``), the role table (``roles``),
accounts (``accounts``), login sessions (``sessions``), sign-in throttling (``throttle``),
rate limits (``limits``), the report form's anti-abuse checks (``antiabuse``), security
headers and sessions (``headers``), NUL bytes refused in any input (``inputs``), JSON logs
(``logs``), the audit log (``audit``), and the settings a production start refuses
(``production``, run by gunicorn.conf.py).
"""

from app.security import production as production  # reached from gunicorn.conf.py only
