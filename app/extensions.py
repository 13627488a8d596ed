"""Flask extensions, created unbound and attached in ``create_app``."""

from flask_migrate import Migrate
from flask_smorest import Api as SmorestApi
from flask_sqlalchemy import SQLAlchemy

from app.api.common import ErrorSchema
from app.api.fields import empty_value
from app.models import Base


class Api(SmorestApi):
    """flask-smorest with the error body the server sends (``app.errors``) as the document's
    error schema, and no error handler of its own (``app.errors`` registers the one)."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = "DEFAULT_ERROR"

    def _register_error_handlers(self):
        pass

    def init_app(self, app, *, spec_kwargs=None):
        super().init_app(app, spec_kwargs=spec_kwargs)
        self.ma_plugin.converter.add_parameter_attribute_function(empty_value)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
