"""The OpenAPI schema as the API really answers: errors, public operations, GeoJSON and nulls.

drf-spectacular documents the happy path of each view. This schema class
(REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds, for every operation of every
app, what the views and DRF answer besides:

- the 4xx answers they can give, with their JSON bodies (see `error_answers`);
- `security: [{}]` where an anonymous client is let in, decided by asking the
  view's own permission classes rather than by a list of names;
- `nullable` on a read-only field whose model field can hold null, and the
  fields a serializer shows only to some readers (`conditional_fields`) as
  optional properties;
- GeoJSON features with what they always hold, a null geometry where the
  model allows one, and paginated FeatureCollections with their paging fields.

tests/api/test_schema_conformance.py holds the API to this with schemathesis.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.contrib.rest_framework_gis import (
    GeoFeatureModelListSerializerExtension,
    GeoFeatureModelSerializerExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import (
    ResolvedComponent,
    build_array_type,
    build_mock_request,
    build_object_type,
)
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

ERROR_SCHEMA = build_object_type(
    properties={"detail": {"type": "string", "description": "What went wrong, for a person."}},
    required=["detail"],
    description='An error: {"detail": "…"}.',
)
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Bad input, by field: each key names a field (or, for a nested value, its path such "
        'as "answers.12"), each value lists what is wrong with it, nested for lists and '
        'objects. A body or query that cannot be read at all is {"detail": "…"}. A refused '
        'workflow move adds "allowed": the states it may move to.'
    ),
    "additionalProperties": {},
}


class CivicAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, completed with errors, public access and nullable fields."""

    # ---------------------------------------------------------------- security

    def get_auth(self) -> list[dict[str, Any]]:
        auths = super().get_auth()
        if {} not in auths and self.anonymous_allowed():
            auths.append({})
        return auths

    def anonymous_allowed(self) -> bool:
        """Whether the view's permission classes let a client without credentials in."""
        request = build_mock_request(self.method, self.path, self.view, None)
        request.user = AnonymousUser()
        request.auth = None
        try:
            return all(p.has_permission(request, self.view) for p in self.view.get_permissions())
        except Exception:
            # A permission that needs more than a request to decide: not public.
            return False

    # ---------------------------------------------------------------- errors

    def _get_response_bodies(self, direction="response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        answers = self.error_answers()
        for code, (description, schema) in answers.items():
            if code not in responses:
                responses[code] = self._error_response(code, description, schema)
        for code, existing in responses.items():
            if code.startswith("4") and "content" not in existing:
                # Declared by the view with its own description but no body.
                schema = VALIDATION_ERROR_SCHEMA if code == "400" else ERROR_SCHEMA
                described = existing.get("description") or answers.get(code, ("",))[0]
                responses[code] = self._error_response(code, described, schema)
        return dict(sorted(responses.items()))

    def _error_response(self, code: str, description: str, schema: dict) -> dict:
        name = "ValidationError" if schema is VALIDATION_ERROR_SCHEMA else "Error"
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return self._get_response_for_code(component.ref, code, ["application/json"])

    def error_answers(self) -> dict[str, tuple[str, dict]]:
        """The 4xx answers this operation can give: {code: (description, body schema)}.

        400: any request (a query string holding a control character is refused
        by civic.middleware before any view), and bad input by field.
        401: any view that reads credentials answers 401 to a wrong token.
        403: an operation that is not public, or that writes (CSRF for session users).
        404: a path naming an object, or a page number past the end of a list.
        413: a JSON body larger than CIVIC_JSON_MAX_BYTES (civic.api.parsers).
        415: a body in a media type the operation does not read.
        429: a view with throttles (settings decide which).
        """
        public_read = self.method in SAFE_METHODS and self.anonymous_allowed()
        has_body = self.method in ("POST", "PUT", "PATCH")
        answers: dict[str, tuple[str, dict]] = {
            "400": ("Bad input; see the body for which field and why.", VALIDATION_ERROR_SCHEMA)
        }
        if self.view.get_authenticators():
            answers["401"] = (
                "Credentials are missing or wrong (e.g. an unknown token).",
                ERROR_SCHEMA,
            )
        if not public_read:
            answers["403"] = ("Not allowed for this user (or a missing CSRF token).", ERROR_SCHEMA)
        if "{" in self.path or self._is_paginated_list():
            answers["404"] = ("No such object for this user, or no such page.", ERROR_SCHEMA)
        if has_body:
            answers["413"] = ("The JSON body is larger than the service reads.", ERROR_SCHEMA)
            answers["415"] = (
                "The body's media type is not one this operation reads.",
                ERROR_SCHEMA,
            )
        if self.view.get_throttles():
            answers["429"] = (
                "Too many requests; Retry-After says when to try again.",
                ERROR_SCHEMA,
            )
        return answers

    def _is_paginated_list(self) -> bool:
        return (
            self.method == "GET"
            and getattr(self.view, "pagination_class", None) is not None
            and self._is_list_view()
        )

    # ---------------------------------------------------------------- filters

    def _get_filter_parameters(self):
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if "enum" in schema and "" not in schema["enum"]:
                # django-filter reads an empty value as no filter (what an empty form sends).
                schema["enum"] = [*schema["enum"], ""]
        return parameters

    # ---------------------------------------------------------------- fields

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        settable = getattr(serializer, "settable_fields", None)
        if direction == "request" and settable is not None:
            # A strict input (civic.api.serializers.StrictInputSerializer) refuses other
            # fields with a 400; a PATCH may set fewer fields than a POST.
            serializer.partial = self.method == "PATCH"
            allowed = settable()
            schema["properties"] = {k: v for k, v in schema["properties"].items() if k in allowed}
            schema["additionalProperties"] = False
        if direction == "response":
            for name, field in getattr(serializer, "conditional_fields", {}).items():
                if isinstance(field, serializers.Field):
                    field = copy.deepcopy(field)
                    field.bind(name, serializer)
                    field = self._map_serializer_field(field, direction)
                schema["properties"][name] = field
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.RelatedField)
            and field.allow_null
            and isinstance(schema, dict)
        ):
            # DRF reads "" for a relation as null (what an empty form field sends).
            schema.pop("minLength", None)
        return schema

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if direction == "response" and field.read_only and _source_is_nullable(field):
            meta["nullable"] = True
        return meta


def _source_is_nullable(field: serializers.Field) -> bool:
    """Whether a model serializer's field reads through a model field that can be null."""
    parent = getattr(field, "parent", None)
    if isinstance(parent, serializers.ListSerializer):
        return False
    model = getattr(getattr(parent, "Meta", None), "model", None)
    source = getattr(field, "source", None)
    if model is None or not source or source == "*":
        return False
    for name in source.split("."):
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if getattr(model_field, "null", False):
            return True
        model = getattr(model_field, "related_model", None)
        if model is None:
            return False
    return False


class FeatureExtension(GeoFeatureModelSerializerExtension):
    """A GeoJSON Feature that says what it always holds, and a null geometry where one can be."""

    priority = 1

    def map_geo_feature_model_serializer(self, serializer, base_schema):
        required = [
            name
            for name in base_schema.get("required", [])
            if name not in (serializer.Meta.id_field, serializer.Meta.geo_field)
        ]
        schema = super().map_geo_feature_model_serializer(serializer, base_schema)
        if required:
            schema["properties"]["properties"]["required"] = required
        schema["required"] = [
            name
            for name in ("type", "id", "geometry", "properties")
            if name in schema["properties"]
        ]
        model_field = serializer.Meta.model._meta.get_field(serializer.Meta.geo_field)
        if model_field.null:
            schema["properties"]["geometry"]["nullable"] = True
        return schema


class FeatureListExtension(GeoFeatureModelListSerializerExtension):
    """Features for a GeoJSON paginator to wrap, or a FeatureCollection when a list is whole."""

    priority = 1

    def map_serializer(self, auto_schema, direction):
        from rest_framework_gis.pagination import GeoJsonPagination

        pagination = getattr(auto_schema.view, "pagination_class", None)
        if pagination is not None and issubclass(pagination, GeoJsonPagination):
            # The paginator's schema is the FeatureCollection, paging fields included.
            feature = auto_schema.resolve_serializer(self.target.child, direction)
            return build_array_type(feature.ref)
        return super().map_serializer(auto_schema, direction)
