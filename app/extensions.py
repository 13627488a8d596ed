"""Flask extensions, created unbound and attached in ``create_app``."""

from flask_migrate import Migrate
from flask_smorest import Api as SmorestApi
from flask_sqlalchemy import SQLAlchemy

from app.api.common import ErrorSchema
from app.models import Base


class Api(SmorestApi):
    """flask-smorest with the error body the server sends (``app.errors``) as the document's
    error schema, and no error handler of its own (``app.errors`` registers the one)."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = "DEFAULT_ERROR"

    def _register_error_handlers(self):
        pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
