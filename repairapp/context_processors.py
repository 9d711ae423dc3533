from .models import Review
from .roles import ADMIN, MODERATOR, role_of


def nav(request):
    """The signed-in user's role, and the queue length a moderator watches."""
    role = role_of(getattr(request, "user", None))
    context = {"role": role}
    if role in (MODERATOR, ADMIN):
        context["pending_reviews"] = Review.objects.filter(state=Review.PENDING, version__asset__archived_at=None).count()
    return context
