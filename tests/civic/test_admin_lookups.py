"""Every admin list answers only what its filters ask: each declared filter works, anything else
is refused with 400, for every registered admin (a new one that forgets the mixin fails here)."""

import pytest
from django.contrib import admin
from django.contrib.admin.filters import DateFieldListFilter
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.http import QueryDict
from django.urls import reverse

from civic.admin_lookups import declared_lookups
from civic.models import Concern

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
MODELS = [model for model, _model_admin in REGISTRY]


def label(model) -> str:
    return model._meta.label_lower


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def undeclared_lookups(model, model_admin) -> list[str]:
    """Lookups an attacker would try; no list filter writes a regex, nor names an undeclared field.

    Derived from the model, not from civic.admin_lookups, so the test does not
    trust the code it checks.
    """
    declared_paths = {
        item[0] if isinstance(item, list | tuple) else item
        for item in model_admin.list_filter
        if isinstance(item, str | list | tuple)
    }
    lookups = [f"{model._meta.pk.name}__regex", "pk__in"]
    for field in model._meta.concrete_fields:
        if field.is_relation:
            lookups.append(f"{field.name}__{field.target_field.name}__regex")
            if field.name not in declared_paths:
                lookups.append(field.name)
        else:
            lookups.append(f"{field.name}__regex")
    return lookups


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=[label(m) for m in MODELS])
def test_an_undeclared_lookup_is_refused_even_for_a_superuser(
    client, superuser, model, model_admin
):
    client.force_login(superuser)
    assert client.get(changelist(model)).status_code == 200

    answers = {
        lookup: client.get(changelist(model), {lookup: "^" if "regex" in lookup else "1"})
        for lookup in undeclared_lookups(model, model_admin)
    }

    assert {lookup: r.status_code for lookup, r in answers.items()} == dict.fromkeys(answers, 400)


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=[label(m) for m in MODELS])
def test_every_declared_filter_can_be_clicked(client, superuser, every_model, model, model_admin):
    client.force_login(superuser)
    page = client.get(changelist(model))
    assert page.status_code == 200
    cl = page.context["cl"]
    full = cl.result_count
    assert full > 0, f"no {label(model)} row to filter"
    # Every declared filter is shown (the fixture has a choice for each) ...
    assert len(cl.filter_specs) == len(model_admin.list_filter)
    allowed = declared_lookups(model_admin, page.wsgi_request)

    clicked = {}
    not_narrowing = []
    for spec in cl.filter_specs:
        # ... writes only the parameters the rule allows ...
        assert set(spec.expected_parameters()) <= allowed, spec
        # ... and each of its links opens a filtered list ...
        counts = []
        for choice in spec.choices(cl):
            answer = client.get(changelist(model) + choice["query_string"])
            ok = answer.status_code == 200
            counts.append(answer.context["cl"].result_count if ok else full)
            clicked[f"{spec.title}: {choice['display']}"] = (answer.status_code, counts[-1] <= full)
        # ... of which one really narrows the list (the fixture has two values for
        # each filter; every row was made today, so date filters cannot narrow).
        if not isinstance(spec, DateFieldListFilter) and min(counts) >= full:
            not_narrowing.append(str(spec.title))

    assert bool(clicked) is bool(model_admin.list_filter)
    assert clicked == dict.fromkeys(clicked, (200, True))
    assert not_narrowing == []


@pytest.mark.parametrize(
    ("model", "model_admin"),
    [(m, a) for m, a in REGISTRY if a.date_hierarchy],
    ids=[label(m) for m, a in REGISTRY if a.date_hierarchy],
)
def test_the_date_hierarchy_can_be_followed_down_to_a_day(
    client, superuser, every_model, model, model_admin
):
    client.force_login(superuser)
    page = client.get(changelist(model))
    # The rows share a day, so Django links straight to it (year, month and day).
    link = date_hierarchy(page.context["cl"])["choices"][0]["link"]
    field = model_admin.date_hierarchy
    day = QueryDict(link.lstrip("?"))
    levels = {
        "year": {f"{field}__year": day[f"{field}__year"]},
        "month": {f"{field}__{part}": day[f"{field}__{part}"] for part in ("year", "month")},
        "day": day.dict(),
    }

    answers = {level: client.get(changelist(model), query) for level, query in levels.items()}

    assert {level: a.status_code for level, a in answers.items()} == dict.fromkeys(levels, 200)
    full = page.context["cl"].result_count
    assert {level: a.context["cl"].result_count for level, a in answers.items()} == dict.fromkeys(
        levels, full
    )


def test_a_declared_filter_keeps_working_by_its_plain_name(client, admin_user, every_model):
    client.force_login(admin_user)

    linked = client.get(changelist(Concern), {"status": "linked"})
    submitted = client.get(changelist(Concern), {"status__exact": "submitted"})

    assert [c.status for c in linked.context["cl"].result_list] == ["linked"]
    assert {c.status for c in submitted.context["cl"].result_list} == {"submitted"}
