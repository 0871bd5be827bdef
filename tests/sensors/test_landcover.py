"""The land-cover layer loads from GeoJSON, all or nothing, and updates sensor surroundings."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from sensors.landcover import landcover_import_geojson
from sensors.models import LandCover, SensorSurroundings
from tests.factories import square


def _feature(kind, geometry) -> dict:
    return {"type": "Feature", "properties": {"kind": kind}, "geometry": geometry}


def _square(lon, lat, half) -> dict:
    return json.loads(square(lon, lat, half)[0].geojson)


def test_a_layer_loads_with_dutch_kind_names_and_sets_green_shares(garden_sensor):
    sensor, _ = garden_sensor
    lon, lat = sensor.location.coords
    collection = {
        "type": "FeatureCollection",
        "features": [
            _feature("groen", _square(lon, lat, 0.0008)),
            _feature("verhard", _square(lon + 0.002, lat, 0.0003)),
        ],
    }

    assert landcover_import_geojson(text=json.dumps(collection), source="bgt") == 2

    assert sorted(LandCover.objects.values_list("kind", flat=True)) == ["green", "paved"]
    around = SensorSurroundings.objects.get(sensor=sensor)
    assert around.green_50 == pytest.approx(1.0, abs=0.01)
    assert 0 < around.green_100 < 1


def test_one_bad_feature_loads_nothing(garden_sensor):
    LandCover.objects.create(kind="water", geometry=square(6.0, 52.5, 0.001))
    collection = {
        "type": "FeatureCollection",
        "features": [
            _feature("green", _square(6.06, 52.53, 0.001)),
            _feature("lava", _square(6.06, 52.53, 0.001)),
        ],
    }

    # The message names the feature in the importer's language (Dutch by default).
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        landcover_import_geojson(text=json.dumps(collection))

    assert "feature 1: unknown kind" in str(caught.value)
    assert list(LandCover.objects.values_list("kind", flat=True)) == ["water"]


def test_the_command_reports_and_refuses_a_non_geojson_file(tmp_path, db):
    good = tmp_path / "cover.geojson"
    good.write_text(
        json.dumps(
            {"type": "FeatureCollection", "features": [_feature("park", _square(6, 52, 0.001))]}
        )
    )
    bad = tmp_path / "cover.txt"
    bad.write_text("kind,geometry")

    out = StringIO()
    call_command("import_landcover", str(good), stdout=out)
    assert "1 land-cover polygons loaded" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("import_landcover", str(bad))
