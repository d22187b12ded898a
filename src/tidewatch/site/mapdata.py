"""Work in progress (issue 4)."""

urlpatterns: list = []
