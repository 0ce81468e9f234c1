"""A public model as a response body, serialised once, by pydantic."""

from fastapi.responses import Response
from pydantic import BaseModel


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """`model` as JSON. Its route still names the model (`response_model`) for the OpenAPI
    document; a Response skips FastAPI validating and encoding the model a second time."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")
