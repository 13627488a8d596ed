from flask_smorest import Blueprint

blp = Blueprint("geodata", __name__, url_prefix="/api/v1")
