from django.urls import reverse


def url(name: str, practice, **kwargs) -> str:
    """The campaigns page ``name`` of ``practice``."""
    return reverse(f"campaigns:{name}", kwargs={"practice_slug": practice.slug, **kwargs})
