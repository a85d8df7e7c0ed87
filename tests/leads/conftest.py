"""Fixtures for the register's tests: logged-in clients and reference data."""

import pytest
from django.test import Client

from tests.factories import CarModelFactory, DistrictFactory


@pytest.fixture
def client_for(db):
    """A fresh Client logged in as `user` (None: anonymous). Each user gets their own session."""

    def make(user=None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def car_model(db):
    return CarModelFactory(brand="丰田", name="凯美瑞")


@pytest.fixture
def other_car_model(db):
    return CarModelFactory(brand="丰田", name="汉兰达")


@pytest.fixture
def district(showroom):
    return DistrictFactory(showroom=showroom, name="朝阳区")
