"""Fixtures for the register's tests: logged-in clients and reference data."""

import pytest

from tests.factories import CarModelFactory, DistrictFactory


@pytest.fixture
def car_model(db):
    return CarModelFactory(brand="丰田", name="凯美瑞")


@pytest.fixture
def other_car_model(db):
    return CarModelFactory(brand="丰田", name="汉兰达")


@pytest.fixture
def district(showroom):
    return DistrictFactory(showroom=showroom, name="朝阳区")
