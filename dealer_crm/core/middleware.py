"""The dealer group's read-only role, applied once for every request."""

from django.core.exceptions import PermissionDenied

from .selectors import showrooms_visible_to

VIEWED_SHOWROOM_KEY = "viewed_showroom"

# The only changes a group user may ask for: about themselves and the page they look at, never a record.
GROUP_POSTS = {"login", "logout", "set_language", "password_change", "view_showroom", "reports:export_page"}
# Pages about the person, not a showroom: the user is left as stored, so saving it (a new password)
# can never store the showroom being viewed.
ACCOUNT_PAGES = {"logout", "set_language", "password_change", "password_change_done", "view_showroom"}


class ViewedShowroomMiddleware:
    """For a group user: refuse every write (403), and give the request the showroom chosen in the navigation
    (kept in the session; first of their group by default) as `user.showroom`, in memory only, so every
    per-showroom page and selector reads that showroom. A group user's stored showroom stays empty."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not user.is_group_viewer:
            return None
        url_name = request.resolver_match.view_name if request.resolver_match else None
        if request.method not in ("GET", "HEAD", "OPTIONS") and url_name not in GROUP_POSTS:
            raise PermissionDenied
        user.viewable_showrooms = showrooms = list(showrooms_visible_to(user))
        if url_name in ACCOUNT_PAGES:
            return None
        chosen = request.session.get(VIEWED_SHOWROOM_KEY)
        user.showroom = next((showroom for showroom in showrooms if showroom.pk == chosen), None) or (
            showrooms[0] if showrooms else None
        )
        return None
