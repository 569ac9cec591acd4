"""Kestrel's web service: serves the trained Rasa assistant over HTTP and Socket.IO in one process."""
