"""Rasa's Socket.IO channel, served by the service's own python-socketio server: the server and its
events (`server.py`), limits per client address (`limits.py`), and replies in the shapes Rasa's
SocketIOOutput emits (`output.py`)."""
