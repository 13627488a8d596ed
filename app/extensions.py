"""Flask extensions, created unbound and attached in ``create_app``. (The API's own
extension, flask-smorest's ``Api``, is ``app.api.document``.)"""

from flask_babel import Babel
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from app.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()  # the interface language: app.web.i18n
