"""LogPane leans on private parts of Textual's Log (see widgets/log_pane.py). Textual is
pinned to the series they were read from; if an upgrade changes them, this fails and names
what changed, before a pane silently stops batching or measuring."""

from __future__ import annotations

import inspect

import pytest
from textual.widgets import Log

from widgets.log_pane import LogPane

WHY = "LogPane (widgets/log_pane.py) relies on it: re-read Textual's Log and adapt LogPane"


@pytest.mark.parametrize(("method", "parameters"), [
    ("_update_size", ["self", "updates", "lines"]),
    ("_update_maximum_width", ["self", "updates", "size"]),
    ("_render_line", ["self", "y", "scroll_x", "width"]),
])
def test_logs_private_methods_still_have_the_shape_logpane_overrides(
        method: str, parameters: list[str]) -> None:
    found = getattr(Log, method, None)
    assert found is not None, f"Textual's Log.{method} is gone. {WHY}"
    target = getattr(found, "__wrapped__", found)  # _update_size is a @work thread worker
    got = list(inspect.signature(target).parameters)
    assert got == parameters, f"Textual's Log.{method} now takes {got}. {WHY}"


def test_log_still_measures_lines_with_a_classmethod_process_line() -> None:
    process = inspect.getattr_static(Log, "_process_line", None)
    assert isinstance(process, classmethod), f"Textual's Log._process_line changed. {WHY}"
    assert Log._process_line("a\tb") == "a       b", f"Log._process_line changed. {WHY}"


def test_log_still_draws_each_line_through_render_line_and_keeps_them_in_lines() -> None:
    assert "self._render_line(" in inspect.getsource(Log.render_line), (
        f"Textual's Log.render_line no longer calls _render_line. {WHY}")
    assert "self._lines" in inspect.getsource(Log.__init__), (
        f"Textual's Log no longer keeps its lines in _lines. {WHY}")


def test_log_still_keeps_its_width_and_asks_update_size_after_a_write() -> None:
    assert "self._width = 0" in inspect.getsource(Log.__init__), (
        f"Textual's Log no longer keeps _width. {WHY}")
    assert "self._update_size(self._updates, new_lines)" in inspect.getsource(Log.write_lines), (
        f"Textual's Log.write_lines no longer calls _update_size. {WHY}")


def test_widgets_still_update_scrollbars_with_scroll_update() -> None:
    """LogPane and ItemDetail keep a steady size: their virtual_size watcher calls Widget's
    private _scroll_update instead of laying out the screen."""
    from textual.widget import Widget

    found = getattr(Widget, "_scroll_update", None)
    assert found is not None, f"Textual's Widget._scroll_update is gone. {WHY}"
    assert list(inspect.signature(found).parameters) == ["self", "virtual_size"], (
        f"Textual's Widget._scroll_update changed. {WHY}")


def test_logpane_overrides_what_it_means_to() -> None:
    assert LogPane._update_size is not Log._update_size
    assert "virtual_size" in vars(LogPane)


def test_an_unhandled_exception_still_goes_through_app_handle_exception() -> None:
    """A crash is said as one (cockpit/app/crash.py) from CockpitApp's override of App's
    private _handle_exception, before Textual exits on it."""
    from textual.app import App

    from cockpit.app.app import CockpitApp

    why = "CockpitApp._handle_exception relies on it: re-read Textual's App and adapt it"
    found = getattr(App, "_handle_exception", None)
    assert found is not None, f"Textual's App._handle_exception is gone. {why}"
    assert list(inspect.signature(found).parameters) == ["self", "error"], why
    from textual.message_pump import MessagePump

    assert "self.app._handle_exception(error)" in inspect.getsource(
        MessagePump._process_messages_loop), f"a handler's exception goes elsewhere. {why}"
    assert "_handle_exception" in vars(CockpitApp)
    # Textual's traceback (with locals, which can hold a token) is replaced: crash.py
    assert "self._exit_renderables.append" in inspect.getsource(App._fatal_error), why
    assert hasattr(App, "_close_messages_no_wait") and "_exit_renderables" in inspect.getsource(
        App.__init__), why
