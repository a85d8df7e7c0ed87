"""Factories for the shared models. Register entries are created through the service, like the app does."""

from datetime import datetime, timedelta

import factory
from django.contrib.auth.models import Group

from dealer_crm.core.models import CarModel, DealerGroup, District, InformationSource, Role, Showroom, User


class DealerGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DealerGroup
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"dg{n}")
    name = factory.Sequence(lambda n: f"集团{n}")


class ShowroomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Showroom
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"sr{n}")
    name = factory.Sequence(lambda n: f"展厅{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "王"
    first_name = factory.Sequence(lambda n: f"员工{n}")
    showroom = factory.SubFactory(ShowroomFactory)
    password = factory.django.Password("pass-1234!")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        role = extracted or Role.CONSULTANT
        self.groups.add(Group.objects.get(name=role))


class CarModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CarModel
        django_get_or_create = ["brand", "name"]

    brand = "丰田"
    name = factory.Sequence(lambda n: f"车型{n}")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    showroom = factory.SubFactory(ShowroomFactory)
    name = factory.Sequence(lambda n: f"区{n}")


def source(code: str = "web") -> InformationSource:
    return InformationSource.objects.get(code=code)


def visit_times(showroom: Showroom, day, start: str = "10:00", minutes: int = 30) -> tuple[datetime, datetime]:
    hour, minute = map(int, start.split(":"))
    arrived = datetime(day.year, day.month, day.day, hour, minute, tzinfo=showroom.zone)
    return arrived, arrived + timedelta(minutes=minutes)
