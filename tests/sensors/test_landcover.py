"""The land-cover layer loads from GeoJSON, all or nothing, and updates sensor surroundings."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from sensors.landcover import landcover_import_geojson
from sensors.management.commands.import_landcover import Command as ImportLandcover
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

    # The message names the property, the value and the feature in the importer's language.
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        landcover_import_geojson(text=json.dumps(collection))

    (message,) = caught.value.message_dict["file"]
    assert "“kind” holds values that name no kind: “lava” (1 feature: 1)" in message
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


# --- a property mapping for other layers (BGT, OSM extracts) ------------------------------


def _layer(*classes, property_name="class") -> dict:
    """A FeatureCollection of small squares side by side, one per class value."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {property_name: value, "name": f"vlak {index}"},
                "geometry": _square(6.05 + index * 0.003, 52.53, 0.001),
            }
            for index, value in enumerate(classes)
        ],
    }


def _run(tmp_path, collection, *options):
    path = tmp_path / "layer.geojson"
    path.write_text(json.dumps(collection))
    out = StringIO()
    with translation.override("en"):
        call_command("import_landcover", str(path), *options, stdout=out)
    return out.getvalue()


def _refused(tmp_path, collection, *options) -> str:
    with pytest.raises(CommandError) as caught:
        _run(tmp_path, collection, *options)
    return str(caught.value)


def _kinds():
    return sorted(LandCover.objects.values_list("kind", flat=True))


def test_a_mapping_names_the_property_and_several_values_per_kind(tmp_path, db):
    layer = _layer("grass", "Park", "road ", "canal", "house", "tarmac")

    output = _run(
        tmp_path,
        layer,
        "--class-property",
        "class",
        "--green",
        "grass",
        "--green",
        "park",
        "--paved",
        "road,tarmac",
        "--water",
        "canal",
        "--building",
        "house",
    )

    assert "6 land-cover polygons loaded" in output
    assert _kinds() == ["building", "green", "green", "paved", "paved", "water"]


def test_with_a_mapping_only_its_values_count(tmp_path, db):
    LandCover.objects.create(kind="water", geometry=square(6.0, 52.5, 0.001))
    # "water" is a default value, but the mapping given does not name it.
    layer = _layer("grass", "water")

    message = _refused(tmp_path, layer, "--class-property", "class", "--green", "grass")

    assert "“water” (1 feature: 1)" in message
    assert "Allowed values: green: grass." in message
    assert _kinds() == ["water"]  # the old layer is still there


def test_skipped_values_leave_their_features_out(tmp_path, db):
    layer = _layer("grass", "railway", "grass", "railway")

    output = _run(
        tmp_path, layer, "--class-property", "class", "--green", "grass", "--skip", "railway"
    )

    assert "2 land-cover polygons loaded" in output
    assert _kinds() == ["green", "green"]


def test_the_default_values_hold_for_another_property(tmp_path, db):
    _run(
        tmp_path,
        _layer("groen", "verhard", property_name="bgt_type"),
        "--class-property",
        "bgt_type",
    )

    assert _kinds() == ["green", "paved"]


def test_an_unknown_value_is_reported_once_with_its_features_and_the_allowed_values(tmp_path, db):
    layer = _layer(*["lava"] * 40, "grass", "rock")

    message = _refused(tmp_path, layer, "--class-property", "class", "--green", "grass")

    # One message for the file, not one per feature.
    assert message.count("holds values that name no kind") == 1
    assert message.count("lava") == 1
    assert "The property “class” holds values that name no kind" in message
    assert "“lava” (40 features: 0, 1, 2, 3, 4, …)" in message
    assert "“rock” (1 feature: 41)" in message
    assert "Allowed values: green: grass." in message
    assert not LandCover.objects.exists()


def test_a_file_without_the_property_gives_one_clear_error(tmp_path, db):
    layer = _layer("grass", "road", property_name="klasse")

    message = _refused(tmp_path, layer)

    assert message.count("\n- ") == 1
    assert "No feature has the property “kind”" in message
    assert "“klasse” (2)" in message and "“name” (2)" in message
    assert "--class-property" in message
    assert not LandCover.objects.exists()


def test_features_without_the_property_and_non_polygons_are_counted_once(tmp_path, db):
    layer = _layer("grass", "grass", "grass")
    del layer["features"][1]["properties"]["class"]
    layer["features"][2]["geometry"] = {"type": "Point", "coordinates": [6.05, 52.53]}

    message = _refused(tmp_path, layer, "--class-property", "class", "--green", "grass")

    assert "1 feature has no “class” property: feature 1." in message
    assert "1 feature is not a polygon (found: Point): feature 2." in message
    assert not LandCover.objects.exists()


def test_a_value_mapped_to_two_kinds_is_refused(tmp_path, db):
    message = _refused(
        tmp_path,
        _layer("grass"),
        "--class-property",
        "class",
        "--green",
        "grass",
        "--paved",
        "grass",
    )

    assert "“grass” is given for both green and paved" in message
    assert not LandCover.objects.exists()


def test_the_help_names_the_property_and_its_values():
    text = ImportLandcover().create_parser("manage.py", "import_landcover").format_help()

    assert 'By default the property is "kind"' in text
    assert "green     green, groen, grass, park, tree" in text
    assert "building  building, pand, gebouw" in text
    for option in ("--class-property", "--green", "--paved", "--water", "--building", "--skip"):
        assert option in text
