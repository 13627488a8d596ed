from flask_smorest import Blueprint

blp = Blueprint("lookup", __name__, url_prefix="/api/v1")
