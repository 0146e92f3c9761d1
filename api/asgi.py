"""`uvicorn api.asgi:app`: the application built from environment settings."""

from api.app import create_app

app = create_app()
