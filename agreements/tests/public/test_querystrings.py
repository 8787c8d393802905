"""The listing's links carry exactly the FilterSet's parameters (issue #18: a filter missing from a
hand-kept list was silently dropped from every link)."""

import pytest

from agreements.public import querystrings
from agreements.public.filters import AgreementFilter


@pytest.mark.parametrize("name", list(AgreementFilter.base_filters))
def test_it_carries_every_parameter_of_the_filterset(name):
    assert querystrings.query_dict({name: ["x"]}).getlist(name) == ["x"]
    assert querystrings.toggled({}, name, "x") == f"?{name}=x"


def test_it_orders_the_parameters_as_the_filterset_declares_them():
    params = {"sort": "title", "region": ["KZ-31"], "q": "зерно"}
    assert querystrings.encode(params) == "?q=%D0%B7%D0%B5%D1%80%D0%BD%D0%BE&region=KZ-31&sort=title"


def test_it_leaves_out_what_is_not_a_filter():
    assert querystrings.encode({"page": "3", "utm_source": "mail", "region": ["KZ-31"]}) == "?region=KZ-31"
