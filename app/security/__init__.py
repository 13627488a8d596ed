"""Who may do and see what: sign-in and tokens (``auth``), the role table (``roles``),
accounts (``accounts``), rate limits (``limits``), the report form's anti-abuse checks
(``antiabuse``), security headers and sessions (``headers``), the audit log (``audit``).
"""
