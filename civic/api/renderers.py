"""The browsable API's pages, fitted to the Content-Security-Policy (civic/csp.py)."""

from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's browsable API without the inline <style> it adds for Pygments code highlighting.

    Our policy refuses inline styles; nothing we document uses highlighted code.
    """

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None
        return context
