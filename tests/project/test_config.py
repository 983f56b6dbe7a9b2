"""monitor.toml: a bad file is refused with one line naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from klantstem.cli import EXIT_USER_ERROR, main
from klantstem.config import ConfigError, load_config, parse_config

REPO = Path(__file__).resolve().parents[2]

MINIMAL = """
[[brands]]
name = "Snelkoop"
own = true
  [[brands.sources]]
  type = "trustpilot"
  url = "https://nl.trustpilot.com/review/www.snelkoop.nl"
"""


def test_the_example_config_in_the_repo_is_valid() -> None:
    config = load_config(REPO / "monitor.toml")
    assert any(b.own for b in config.brands)
    assert config.sentiment.model == "e5-small-nl"


def test_relative_warehouse_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "monitor.toml").write_text(MINIMAL, encoding="utf-8")
    config = load_config(tmp_path / "monitor.toml")
    assert config.warehouse.path == tmp_path / "data" / "klantstem.duckdb"
    assert config.warehouse.staging_dir == tmp_path / "data" / "staging"


def test_source_key_defaults_to_the_spider_type() -> None:
    config = parse_config(MINIMAL)
    assert config.brands[0].sources[0].key == "trustpilot"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MINIMAL.replace('type = "trustpilot"', 'type = "facebook"'), "brands[0].sources[0].type"),
        (MINIMAL.replace("https://nl.trustpilot.com/review/www.snelkoop.nl", "not a url"), "brands[0].sources[0].url"),
        (MINIMAL + "\n[sentiment]\nbatch_size = 0\n", "sentiment.batch_size"),
        (MINIMAL + "\n[crawl]\nretrys = 3\n", "crawl.retrys"),
        ("[warehouse]\npath = 'x.duckdb'\n", "brands"),
        (MINIMAL + MINIMAL, "brands: Value error, brand names must be unique (ignoring case), repeated: Snelkoop"),
        ("[[brands]\nname=", "not valid TOML"),
    ],
)
def test_bad_config_names_file_and_field_in_one_line(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, source="monitor.toml")
    message = str(caught.value)
    assert message.startswith("monitor.toml: ")
    assert expected in message
    assert "\n" not in message


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: config file not found"):
        load_config(tmp_path / "nope.toml")


def test_cli_refuses_a_bad_config_before_running_anything(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "monitor.toml"
    bad.write_text(MINIMAL.replace("max_pages", "x").replace('type = "trustpilot"', 'type = "trustpilot"\n  max_pages = -1'), encoding="utf-8")
    assert main(["run", "--config", str(bad)]) == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip()
    assert err.startswith("klantstem: error: ")
    assert "brands[0].sources[0].max_pages" in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "data").exists(), "nothing may be created for a refused config"
