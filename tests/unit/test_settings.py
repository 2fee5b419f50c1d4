from pathlib import Path

import pytest

from streamproc.errors import ConfigError
from streamproc.settings import broker_address, load_config, load_env

CONFIG = Path("config/streamproc.toml")


def test_shipped_config_loads() -> None:
    config = load_config(CONFIG)
    assert config.pipeline.partitions >= 1
    assert config.preset == "balanced"
    assert "verdalia" in config.catalog.slugs
    assert config.channel_for("verdalia") == "#alerts-verdalia"
    assert config.channel_for("lumen-air") == config.default_channel
    assert config.params_for("verdalia").width_ms == config.pipeline.width_ms


def write(tmp_path: Path, main: str, brands: str | None = None) -> Path:
    (tmp_path / "detector.toml").write_text(Path("config/detector.toml").read_text())
    (tmp_path / "brands.toml").write_text(
        brands if brands is not None else Path("config/brands.toml").read_text()
    )
    path = tmp_path / "streamproc.toml"
    path.write_text(main)
    return path


@pytest.mark.parametrize(
    ("main", "brands", "message"),
    [
        ("[pipeline]\npartitions = 0\n", None, "'pipeline.partitions' must be positive"),
        ("[pipeline]\npartitions = 'x'\n", None, "'pipeline.partitions' must be a int"),
        ("[pipeline]\nwidth = 3\n", None, "unknown key 'pipeline.width'"),
        ("[detector]\npreset = 'paranoid'\n", None, "unknown detector preset 'paranoid'"),
        ("colour = 1\n", None, "unknown key 'colour'"),
        ("[brands]\nfile = 'missing.toml'\n", None, "config file not found"),
        ("", "[[brand]]\nname = 'X'\n[brand.detector]\nnot_a_knob = 1\n", "not_a_knob"),
        ("[pipeline\n", None, "invalid TOML"),
        ("[slack]\nthread_retention_days = 0\n", None, "positive whole number of days"),
        ("[slack]\ntombstone_days = 1.5\n", None, "positive whole number of days"),
        ("[slack]\nretention = 3\n", None, r"\[slack\] unknown key 'retention'"),
        ("[review]\nretention_days = 0\n", None, r"\[review\] retention_days must be a positive"),
        ("[review]\nretention_days = true\n", None, "positive whole number of days"),
        ("[review]\nkeep = 3\n", None, r"\[review\] unknown key 'keep'"),
        ("review = 3\n", None, r"\[review\] must be a table"),
    ],
)
def test_bad_config_one_line_error(
    tmp_path: Path, main: str, brands: str | None, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load_config(write(tmp_path, main, brands))
    assert "\n" not in str(info.value)


def test_env_reads_secret_files_and_hides_secrets(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("xoxb-not-a-real-token\n")
    env = load_env(
        {
            "KAFKA_BROKER": "kafka://h:9092",
            "SLACK_BOT_TOKEN_FILE": str(secret),
            "SLACK_API_URL": "http://127.0.0.1:1/api",
            "STREAMPROC_WEB_PORT": "7000",
        }
    )
    assert env.slack_bot_token == "xoxb-not-a-real-token"  # noqa: S105 - a test value
    assert env.slack_api_url == "http://127.0.0.1:1/api/"
    assert env.web_port == 7000
    assert "xoxb" not in repr(env)


@pytest.mark.parametrize("wait", ["soon", "0", "-3", "nan", "inf"])
def test_bad_broker_wait(wait: str) -> None:
    with pytest.raises(ConfigError, match="STREAMPROC_BROKER_WAIT_S"):
        load_env({"STREAMPROC_BROKER_WAIT_S": wait})


def test_broker_wait_defaults_to_15_seconds() -> None:
    assert load_env({}).broker_wait_s == 15.0
    assert load_env({"STREAMPROC_BROKER_WAIT_S": "2.5"}).broker_wait_s == 2.5


@pytest.mark.parametrize("port", ["abc", "0", "70000"])
def test_bad_port(port: str) -> None:
    with pytest.raises(ConfigError, match="STREAMPROC_WEB_PORT"):
        load_env({"STREAMPROC_WEB_PORT": port})


@pytest.mark.parametrize(
    ("url", "address"),
    [("kafka://a:1", "a:1"), ("a:1,b:2", "a:1,b:2"), ("kafka://a:1;b:2", "a:1,b:2")],
)
def test_broker_address(url: str, address: str) -> None:
    assert broker_address(url) == address


def test_slack_thread_retention_is_read_in_days(tmp_path: Path) -> None:
    main = "[slack]\nthread_retention_days = 30\ntombstone_days = 400\n"
    config = load_config(write(tmp_path, main))
    assert config.slack_outbox.prune_after_ms == 30 * 86_400_000
    assert config.slack_outbox.tombstone_ms == 400 * 86_400_000
    assert load_config(CONFIG).slack_outbox.prune_after_ms == 14 * 86_400_000


def test_review_retention_is_read_in_days(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[review]\nretention_days = 30\n"))
    assert config.review_retention_ms == 30 * 86_400_000
    assert load_config(write(tmp_path, "")).review_retention_ms == 90 * 86_400_000
    assert load_config(CONFIG).review_retention_ms == 90 * 86_400_000


HISTORY = "timestamp,value,total\n" + "".join(
    f"2026-03-01T{h:02d}:{m:02d}:00Z,{(h * 4 + m) % 3},{10 + h}\n"
    for h in range(24)
    for m in (0, 15, 30, 45)
)
BRAND = "[[brand]]\nname = 'Acme'\nkeywords = ['acme']\nhistory = '{}'\n"


def test_a_brand_s_history_seeds_its_detector(tmp_path: Path) -> None:
    (tmp_path / "hist").mkdir()
    (tmp_path / "hist" / "acme.csv").write_text(HISTORY)
    config = load_config(write(tmp_path, "", BRAND.format("hist/acme.csv")))
    seed = config.params_for("acme").seed
    assert seed is not None
    assert seed.buckets_seen == 96
    assert seed.last_start_ms == 1_772_409_600_000 - 900_000  # 2026-03-01T23:45Z
    assert load_config(CONFIG).params_for("verdalia").seed is None


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        ("none.csv", None, r"\(Acme\): history: .*none.csv: cannot read"),
        (
            "acme.csv",
            HISTORY.replace("T00:00:00Z,0,", "T00:00:00Z,x,"),
            r"history: .*acme.csv:\d+: value 'x'",
        ),
        (
            "acme.csv",
            HISTORY.replace("value,total", "value,all"),
            r"\(Acme\): history .*acme.csv needs a 'total' column",
        ),
        (
            "acme.csv",
            "timestamp,value,total\n0,1,2\n300,1,2\n600,1,2\n",
            r"history .*acme.csv has buckets of 5 min, the pipeline 15 min",
        ),
        ("", None, "'history' must be the path of a counts file"),
    ],
)
def test_a_bad_history_is_a_one_line_error(
    tmp_path: Path, file: str, text: str | None, message: str
) -> None:
    if text is not None:
        (tmp_path / file).write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(write(tmp_path, "", BRAND.format(file)))
    assert "\n" not in str(info.value)
