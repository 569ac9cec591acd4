"""The app is built when the server starts, not when api.main is imported, and api/rasa/ refuses a Rasa it
was not written for."""
from __future__ import annotations

import importlib

import pytest

import api.main
from api.rasa import SUPPORTED_RASA, UnsupportedRasa, check_rasa_version, installed_rasa


def test_importing_the_app_module_reads_no_settings(monkeypatch):
    # A setting that would make Settings() fail: importing must not read it.
    monkeypatch.setenv("PORT", "not-a-port")
    module = importlib.reload(api.main)
    assert callable(module.create_app)
    assert not hasattr(module, "app")


def test_the_installed_rasa_is_the_supported_one():
    assert installed_rasa().startswith(SUPPORTED_RASA + ".")
    check_rasa_version()


@pytest.mark.parametrize("found", ["3.7.0", "4.0.1", "3.5.17", "none"])
def test_another_rasa_is_refused_naming_the_folder(found):
    with pytest.raises(UnsupportedRasa, match=r"api/rasa/.*" + found.replace(".", r"\.")):
        check_rasa_version(found)
