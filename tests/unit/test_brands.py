from pathlib import Path

import pytest

from streamproc.brands import Brand, BrandCatalog
from streamproc.errors import ConfigError
from streamproc.settings import load_brands

CATALOG = BrandCatalog(
    (
        Brand(
            slug="verdalia",
            name="Verdalia",
            keywords=("verdalia", "yogur verdalia"),
            handles=("@verdalia",),
            exclude=("verdalia park",),
        ),
        Brand(
            slug="caffe-orso", name="Caffe Orso", keywords=("caffè orso",), handles=("@caffeorso",)
        ),
        Brand(slug="lumen-air", name="Lumen Air", keywords=("lumen air", "lumenair")),
    )
)


@pytest.mark.parametrize(
    ("text", "brands"),
    [
        ("El yogur VERDALIA está caducado", ("verdalia",)),
        ("#Verdalia otra vez...", ("verdalia",)),
        ("@verdalia contestad ya", ("verdalia",)),
        ("verdaliana is a word", ()),
        ("Concierto en Verdalia Park esta noche", ()),
        ("Verdalia Park y luego yogur verdalia", ("verdalia",)),
        ("un caffe orso e poi un volo lumen   air", ("caffe-orso", "lumen-air")),
        ("@caffeorso grazie!", ("caffe-orso",)),
        ("LumenAir lost my bag", ("lumen-air",)),
        ("nothing here", ()),
        ("email me at x@verdalia.example", ()),
    ],
)
def test_match(text: str, brands: tuple[str, ...]) -> None:
    assert CATALOG.match(text) == brands


def test_resolve_prefers_known_upstream_brand() -> None:
    assert CATALOG.resolve(("lumen-air",), "verdalia") == ("lumen-air",)
    assert CATALOG.resolve(("unknown-brand",), "verdalia") == ("verdalia",)


def test_shipped_brands_file_loads() -> None:
    catalog, channel = load_brands(Path("config/brands.toml"))
    assert len(catalog.brands) >= 5
    assert channel.startswith("#")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[[brand]]\nname = 'X'\ncolour = 'red'\n", "unknown key 'colour'"),
        ("[[brand]]\nkeywords = ['x']\n", "'name' must be a non-empty string"),
        ("[[brand]]\nname = 'X'\nkeywords = 'x'\n", "'keywords' must be a list of strings"),
        ("[[brand]]\nname = 'X'\n[[brand]]\nname = 'x'\n", "defined twice"),
        ("[brand\n", "invalid TOML"),
        ("nothing = 1\n", "unknown key 'nothing'"),
        ("", "no [[brand]] tables"),
    ],
)
def test_bad_brand_files(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "brands.toml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")) as info:
        load_brands(path)
    assert "\n" not in str(info.value)
