from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts at most LIST_COUNT_CAP rows, so a list over a dealer group's years of data never runs a
    full-table COUNT; pages past the cap are not offered (filters narrow the list instead)."""

    cap = settings.LIST_COUNT_CAP

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        pages = super().num_pages
        return min(pages, max(1, self.cap // self.per_page))
