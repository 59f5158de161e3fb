"""SPEC section 4, `vcc demo`: a step that misbehaves stops the demo with a non-zero exit
and what vcc said."""

from __future__ import annotations

from vcc_cli.emulator import demo as demo_module


def test_a_failing_step_stops_the_demo_with_its_exit_code_and_message(vcc, monkeypatch):
    def steps(self):
        yield demo_module.Step("token fetched from the token endpoint", "vcc token -s stats", True, ["ok"])
        yield demo_module.Step(
            "a call",
            "vcc call /x",
            False,
            ["expected JSON"],
            4,
            "vcc: error: cannot connect to 127.0.0.1:1\nhint: check the URL\n",
        )
        yield demo_module.Step("never reached", "vcc nothing", True)

    monkeypatch.setattr(demo_module.Demo, "steps", steps)
    result = vcc("demo", expect_error=4)
    assert "✓ token fetched" in result.stdout and "✗ a call" in result.stdout and "never reached" not in result.stdout
    assert "demo failed at: a call" in result.stderr and "hint: check the URL" in result.stderr
