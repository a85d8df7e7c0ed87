from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme


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


def query_without_page(request) -> str:
    """The list's query string without its page number: the base of the pager's links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def next_or(request, fallback: str) -> str:
    """Where to go back to after a form: the page's own `next`, if it is on this site; otherwise `fallback`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback
