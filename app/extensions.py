"""Flask extensions, created unbound and attached in ``create_app``."""

from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from app.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
