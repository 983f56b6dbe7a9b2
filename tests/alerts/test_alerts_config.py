"""[alerts] in monitor.toml: every rule and threshold is configurable, old [spikes] files
still load, and delivery URLs cannot be put in the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from klantstem.config import ConfigError, load_config, parse_config

REPO = Path(__file__).resolve().parents[2]
MINIMAL = '[[brands]]\nname = "Snelkoop"\n'


def test_the_example_config_documents_every_alert_setting() -> None:
    alerts = load_config(REPO / "monitor.toml").alerts
    assert (alerts.window_days, alerts.intraday_hours, alerts.baseline_days) == (1, 24, 28)
    assert alerts.negative_share.overdispersion == "auto"
    assert alerts.volume.weekly_seasonality and alerts.rating_drop.enabled
    assert alerts.delivery.urls_env == "KLANTSTEM_ALERT_URLS"
    text = (REPO / "monitor.toml").read_text(encoding="utf-8")
    for key in ("[alerts]", "[alerts.negative_share]", "[alerts.volume]", "[alerts.rating_drop]", "[alerts.delivery]",
                "min_lift", "min_ratio", "min_drop", "max_p_value", "cooldown_hours", "level_shift_days"):
        assert key in text
    delivery = text.split("[alerts.delivery]")[1].splitlines()
    assert all("://" not in line.split("#")[0] for line in delivery), "URLs only in comments, as an example"


def test_defaults_without_an_alerts_section() -> None:
    alerts = parse_config(MINIMAL).alerts
    assert alerts.enabled and alerts.per_source
    assert alerts.negative_share.min_volume == 10 and alerts.negative_share.min_lift == 0.15


def test_an_old_spikes_section_still_loads_as_the_negative_share_rule() -> None:
    old = MINIMAL + "[spikes]\nwindow_days = 3\nbaseline_days = 21\nmin_volume = 12\nmin_lift = 0.2\nmax_p_value = 0.01\n"
    alerts = parse_config(old).alerts
    assert (alerts.window_days, alerts.baseline_days) == (3, 21)
    rule = alerts.negative_share
    assert (rule.min_volume, rule.min_lift, rule.max_p_value) == (12, 0.2, 0.01)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[alerts.volume]\nmin_ratio = 0.5\n", "alerts.volume.min_ratio"),
        ("[alerts.negative_share]\noverdispersion = 'sometimes'\n", "alerts.negative_share.overdispersion"),
        ("[alerts]\nintraday_hours = 100\n", "alerts.intraday_hours"),
        ("[alerts.rating_drop]\nmax_p_value = 0\n", "alerts.rating_drop.max_p_value"),
        ("[spikes]\nwindow_days = 3\n[alerts]\nwindow_days = 1\n", "keep only [alerts]"),
    ],
)
def test_bad_alert_settings_name_the_field(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(MINIMAL + text, source="monitor.toml")
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_delivery_urls_cannot_be_written_into_the_config() -> None:
    text = MINIMAL + '[alerts.delivery]\nurls = ["json://hooks.example/T0k3n"]\n'
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="monitor.toml")
    assert "alerts.delivery.urls" in str(caught.value)
    assert "T0k3n" not in str(caught.value)
