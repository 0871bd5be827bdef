"""The Django admin answers only the questions its list filters ask: any other lookup is a 400."""

from django.contrib.admin import widgets
from django.contrib.admin.filters import (
    AllValuesFieldListFilter,
    BooleanFieldListFilter,
    ChoicesFieldListFilter,
    DateFieldListFilter,
    EmptyFieldListFilter,
    FieldListFilter,
    ListFilter,
    RelatedFieldListFilter,
    SimpleListFilter,
)
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Field
from django.http import HttpRequest

# The parts of a date hierarchy's links (?created_at__year=2026&created_at__month=7).
DATE_HIERARCHY_PARTS = ("year", "month", "day")


def _default_filter_class(field) -> type[FieldListFilter]:
    """The class Django's FieldListFilter.create picks for a field named without one."""
    for test, filter_class in FieldListFilter._field_list_filters:
        if test(field):
            return filter_class
    raise ImproperlyConfigured(f"No list filter for {field!r}.")  # pragma: no cover


def _field_filter_parameters(path: str, field, filter_class) -> set[str]:
    """The query parameters a field's list filter writes into its links.

    Mirrors the classes in django.contrib.admin.filters (their lookup_kwarg
    attributes); tests/civic/test_admin_lookups.py checks the result against
    each real filter's expected_parameters(). The bare path and `path__exact`
    are the same equality question as the filter's own link.
    """
    if filter_class is None or filter_class == FieldListFilter.create:
        filter_class = _default_filter_class(field)
    equality = {path, f"{path}__exact", f"{path}__isnull"}
    if issubclass(filter_class, RelatedFieldListFilter):
        return {*equality, f"{path}__{field.target_field.name}__exact"}
    if issubclass(filter_class, DateFieldListFilter):
        dates = {f"{path}__gte", f"{path}__lt"}
        return {*dates, f"{path}__isnull"} if field.null else dates
    if issubclass(filter_class, EmptyFieldListFilter):
        return {f"{path}__isempty"}
    if issubclass(
        filter_class, (BooleanFieldListFilter, ChoicesFieldListFilter, AllValuesFieldListFilter)
    ):
        return equality
    raise ImproperlyConfigured(
        f"{filter_class.__qualname__} is not known to civic.admin_lookups: "
        "add the parameters it writes to _field_filter_parameters."
    )


def declared_lookups(model_admin, request: HttpRequest | None = None) -> frozenset[str]:
    """Every query parameter the admin's list filters and date hierarchy may write."""
    list_filter = (
        model_admin.get_list_filter(request) if request is not None else model_admin.list_filter
    )
    allowed: set[str] = set()
    for item in list_filter:
        if isinstance(item, type) and issubclass(item, SimpleListFilter):
            allowed.add(item.parameter_name)
            continue
        if isinstance(item, type) and issubclass(item, ListFilter):
            raise ImproperlyConfigured(
                f"{item.__qualname__}: a list filter without a field must be a SimpleListFilter."
            )
        path, filter_class = item if isinstance(item, list | tuple) else (item, None)
        if isinstance(path, Field):
            field, path = path, path.name
        else:
            field = get_fields_from_path(model_admin.model, path)[-1]
        allowed |= _field_filter_parameters(path, field, filter_class)
    if model_admin.date_hierarchy:
        allowed |= {f"{model_admin.date_hierarchy}__{part}" for part in DATE_HIERARCHY_PARTS}
    return frozenset(allowed)


def _raw_id_popup_lookup(model, lookup: str, value) -> bool:
    """A (lookup, value) pair a model's ForeignKey.limit_choices_to puts in a raw-id popup."""
    for fk_lookup in model._meta.related_fkey_lookups:
        if callable(fk_lookup):
            fk_lookup = fk_lookup()
        if (lookup, value) in widgets.url_params_from_lookup_dict(fk_lookup).items():
            return True
    return False


class DeclaredLookupsOnly:
    """Mix into every ModelAdmin (before ModelAdmin): only declared filters may filter the list.

    Django lets any lookup on a model's own fields through the URL
    (`?text__regex=^Fijn` rebuilds a free-text answer letter by letter,
    `?author=<id>` groups concerns by author), for everyone who may open the
    list. Here a list answers only the questions its `list_filter` and
    `date_hierarchy` ask, for every role, superusers included; anything else
    raises DisallowedModelAdminLookup, which Django answers with 400.
    Searching stays with `search_fields` (per role: `get_search_fields`).
    """

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        if lookup in declared_lookups(self, request):
            return True
        # Raw-id popups carry the fixed pairs a model declares in limit_choices_to.
        return _raw_id_popup_lookup(self.model, lookup, value)


class ReadOnlyAdmin:
    """A record the service writes (an audit trail, computed figures, an import's outcome).

    Staff look, nobody adds, changes or deletes it by hand.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
