"""Kestrel's custom actions. rasa_sdk imports every submodule of this package."""
