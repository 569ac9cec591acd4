"""The HTTP side of the service in FastAPI's style: the web API (`v1.py`), operations and admin routes
(`ops.py`), the demo page and static files (`pages.py`), the pinned /docs page (`docs_page.py`), request
and response models (`schemas.py`), error handlers (`errors.py`), middleware (`middleware.py`), and the
JSON-only route class with access to the app's services (`routing.py`). Channels (REST, Socket.IO,
messaging platforms) are in api/channels/; the app is put together in api/main.py."""
